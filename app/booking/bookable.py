"""The one "bookable" rule, as SQL that every list and the seat-taking UPDATE compose.

A session is *open* when it is scheduled and has not started, falls inside its service's
booking notice and horizon, its centre and service are both active, and its counsellor
is not on leave then. It is *bookable* when it is open and has a free seat. The web list,
the day strip, the reschedule choices and the API list show what this query returns, and
``take_seat`` adds a seat only ``WHERE`` the same clause holds, so a session id typed by
hand cannot book what the lists hide (a centre closed a second ago included).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, update

from app.booking import catalogue
from app.booking.models import AvailabilityException, Centre, Service, Session, SessionStatus
from app.extensions import db
from app.types import rowcount


def _service_windows(now: datetime, service: Service | None) -> ColumnElement[bool]:
    """Notice and horizon, per active service (a handful of services: one OR of ranges)."""
    if service is not None:
        rows: list[tuple[int, int, int]] = [
            (service.id, service.min_notice_hours, service.horizon_days)]
        active = Session.service_id.in_(select(Service.id).where(Service.active.is_(True)))
    else:
        rows = [(s.id, s.min_notice_hours, s.horizon_days)
                for s in catalogue.current().active_services]
        active = None
    if not rows:
        return false()
    ranges = or_(*[and_(Session.service_id == sid,
                        Session.starts_at > now + timedelta(hours=notice),
                        Session.starts_at <= now + timedelta(days=horizon))
                   for sid, notice, horizon in rows])
    return ranges if active is None else and_(active, ranges)


def _counsellor_on_leave() -> ColumnElement[bool]:
    return exists(select(AvailabilityException.id).where(
        AvailabilityException.counsellor_id == Session.counsellor_id,
        AvailabilityException.kind == "leave",
        AvailabilityException.starts_at < Session.ends_at,
        AvailabilityException.ends_at > Session.starts_at))


def open_clause(now: datetime, service: Service | None = None) -> ColumnElement[bool]:
    """Sessions people may book or queue for now (full ones included)."""
    return and_(Session.status == SessionStatus.SCHEDULED.value,
                Session.starts_at > now,
                Session.centre_id.in_(select(Centre.id).where(Centre.active.is_(True))),
                _service_windows(now, service),
                ~_counsellor_on_leave())


def bookable_clause(now: datetime, service: Service | None = None) -> ColumnElement[bool]:
    """Open sessions with a free seat."""
    return and_(open_clause(now, service), Session.booked < Session.capacity)


def is_open(session: Session, now: datetime) -> bool:
    """Whether one session is open for booking or the waiting list now."""
    return db.session.scalar(select(Session.id).where(
        Session.id == session.id, open_clause(now, session.service))) is not None


def on_leave(session: Session) -> bool:
    """Whether the session's counsellor has leave overlapping it."""
    return db.session.scalar(select(_counsellor_on_leave()).where(
        Session.id == session.id)) or False


def take_seat(session: Session, now: datetime) -> bool:
    """The conditional UPDATE that takes one seat of a bookable session; False otherwise."""
    result = db.session.execute(
        update(Session).where(Session.id == session.id, bookable_clause(now, session.service))
        .values(booked=Session.booked + 1).execution_options(synchronize_session=False))
    return rowcount(result) == 1
