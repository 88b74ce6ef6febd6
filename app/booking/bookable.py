"""The one "bookable" rule, as SQL that every list and the seat-taking UPDATE compose.

A session is *open* when it is scheduled and has not started, falls inside its service's
booking notice and horizon, its centre and service are both active, and its counsellor
is not on leave then, its centre is not closed then, and, for an event's session, its
registration is open. It is *bookable* when it is open and has a free seat. The web list,
the week strip's per-day counts (``free_by_day``), "earliest free", the reschedule choices
and the API list show what this query returns, and
``take_seat`` adds a seat only ``WHERE`` the same clause holds, so a session id typed by
hand cannot book what the lists hide (a centre closed a second ago included).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from typing import Any, NamedTuple

from sqlalchemy import (
    ColumnElement,
    Update,
    and_,
    bindparam,
    case,
    exists,
    false,
    func,
    or_,
    select,
    update,
)
from sqlalchemy import event as sa_event
from sqlalchemy.orm import joinedload

from app.booking import catalogue
from app.booking.models import (
    AvailabilityException,
    Centre,
    CentreClosure,
    Event,
    Service,
    Session,
    SessionStatus,
)
from app.extensions import db
from app.types import rowcount

_SESSION = Session.__table__

# A service as the rules read it: the row, or the catalogue's read-only copy of it.
AnyService = Service | catalogue.ServiceEntry


def window_rows(service: AnyService | None) -> tuple[tuple[int, int, int], ...]:
    """(service id, notice hours, horizon days) of the service, else of every active one."""
    if service is not None:
        return ((service.id, service.min_notice_hours, service.horizon_days),)
    return tuple((s.id, s.min_notice_hours, s.horizon_days)
                 for s in catalogue.current().active_services)


# When a service's window opens and closes, given its notice hours and horizon days:
# moments computed in Python, or parameters of a statement built once (``take_seat``).
Bounds = Callable[[int, int], tuple[Any, Any]]


def window_bounds(now: datetime, notice: int, horizon: int) -> tuple[datetime, datetime]:
    """When a service's window opens (its notice) and closes (its horizon), seen at ``now``."""
    return now + timedelta(hours=notice), now + timedelta(days=horizon)


def _bounds_from(now: datetime) -> Bounds:
    return lambda notice, horizon: window_bounds(now, notice, horizon)


def service_windows(bounds: Bounds, rows: tuple[tuple[int, int, int], ...],
                    single: bool) -> ColumnElement[bool]:
    """Notice and horizon, per active service (a handful of services: one OR of ranges)."""
    if not rows:
        return false()
    # Core columns: the ORM attribute's operator layer doubled the cost of each comparison.
    sid_col, starts = _SESSION.c.service_id, _SESSION.c.starts_at
    windows = []
    for sid, notice, horizon in rows:
        opens, closes = bounds(notice, horizon)
        windows.append(and_(sid_col == sid, starts > opens, starts <= closes))
    ranges = or_(*windows)
    if not single:
        return ranges
    return and_(_fixed().service_active, ranges)


def _counsellor_on_leave() -> ColumnElement[bool]:
    return exists(select(AvailabilityException.id).where(
        AvailabilityException.counsellor_id == Session.counsellor_id,
        AvailabilityException.kind == "leave",
        AvailabilityException.starts_at < Session.ends_at,
        AvailabilityException.ends_at > Session.starts_at))


def _centre_closed() -> ColumnElement[bool]:
    """The session falls in a closure of its centre (closures.py)."""
    return exists(select(CentreClosure.id).where(
        CentreClosure.centre_id == Session.centre_id,
        CentreClosure.starts_at < Session.ends_at,
        CentreClosure.ends_at > Session.starts_at))


def _is_event() -> ColumnElement[bool]:
    return exists(select(Event.id).where(Event.session_id == Session.id))


def registration_open_at(now: Any) -> ColumnElement[bool]:
    """An event's registration window holds ``now`` (a moment, or a parameter)."""
    return and_(Event.registration_opens_at <= now, Event.registration_closes_at > now)


def _registration_open(now: datetime) -> ColumnElement[bool]:
    """The session is an event's whose registration window is open now."""
    return exists(select(Event.id).where(Event.session_id == Session.id,
                                         registration_open_at(now)))


def open_clause(now: datetime, service: AnyService | None = None) -> ColumnElement[bool]:
    """Sessions people may book or queue for now (full ones included)."""
    return _open_clause(now, window_rows(service), service is not None)


@dataclass(frozen=True)
class _Fixed:
    """The parts of the rule that do not depend on the instant (built once per process)."""

    scheduled: ColumnElement[bool]
    centre_active: ColumnElement[bool]
    service_active: ColumnElement[bool]
    not_event: ColumnElement[bool]
    not_on_leave: ColumnElement[bool]
    not_closed: ColumnElement[bool]


@lru_cache(maxsize=1)
def _fixed() -> _Fixed:
    return _Fixed(
        scheduled=Session.status == SessionStatus.SCHEDULED.value,
        centre_active=Session.centre_id.in_(select(Centre.id).where(Centre.active.is_(True))),
        service_active=Session.service_id.in_(
            select(Service.id).where(Service.active.is_(True))),
        not_event=~_is_event(), not_on_leave=~_counsellor_on_leave(),
        not_closed=~_centre_closed())


@lru_cache(maxsize=16)
def _open_clause(now: datetime, rows: tuple[tuple[int, int, int], ...],
                 single: bool) -> ColumnElement[bool]:
    """The clause itself, built once per instant and set of windows.

    A page asks for it several times with the same ``now`` (the day's list, the week strip,
    the earliest session): building the OR of every service's window costs more CPU than
    running the query, and clause objects are immutable, so one copy serves them all, and
    the parts that do not depend on ``now`` are shared by every instant's copy.
    """
    return _open_at(now, _bounds_from(now), rows, single)


def _open_at(now: Any, bounds: Bounds, rows: tuple[tuple[int, int, int], ...],
             single: bool) -> ColumnElement[bool]:
    """The open rule at ``now`` (a moment, or a parameter of a statement built once)."""
    fixed = _fixed()
    return and_(fixed.scheduled,
                _SESSION.c.starts_at > now,
                fixed.centre_active,
                # an event's own registration window replaces the service's notice and horizon
                or_(_registration_open(now), and_(fixed.not_event,
                                                  service_windows(bounds, rows, single))),
                fixed.not_on_leave,
                fixed.not_closed)


# An open session is bookable while it has a free seat.
_HAS_SEAT = _SESSION.c.booked < _SESSION.c.capacity


def bookable_clause(now: datetime, service: AnyService | None = None) -> ColumnElement[bool]:
    """Open sessions with a free seat."""
    return and_(open_clause(now, service), _HAS_SEAT)


def free_by_day(now: datetime, days: Sequence[date], zone: tzinfo, *,
                service: AnyService | None = None,
                centre_id: int | None = None) -> dict[date, int]:
    """How many bookable sessions each of ``days`` (consecutive local dates) holds.

    One grouped query for the whole strip: each session falls in the local day whose
    midnight-to-midnight range (in UTC, computed here, so any zone works on both
    databases) holds its start. Days with nothing bookable answer 0.
    """
    counts = dict.fromkeys(days, 0)
    if not days:
        return counts
    bounds, index = _day_index(tuple(days), zone)
    inner = select(index.label("day")).where(
        bookable_clause(now, service),
        Session.starts_at >= bounds[0], Session.starts_at < bounds[-1])
    if centre_id is not None:
        inner = inner.where(Session.centre_id == centre_id)
    if service is not None:
        inner = inner.where(Session.service_id == service.id)
    sub = inner.subquery()
    for n, count in db.session.execute(select(sub.c.day, func.count()).group_by(sub.c.day)):
        counts[days[n]] = count
    return counts


class OpenSession(NamedTuple):
    """One open session as a list prints it (``free``: seats free, as ``Session.free``)."""

    id: int
    starts_at: datetime
    service_id: int
    centre_id: int
    free: int


def open_by_day(now: datetime, days: Sequence[date], zone: tzinfo, *,
                service: AnyService | None = None, centre_id: int | None = None,
                ) -> tuple[dict[date, list[OpenSession]], dict[date, int]]:
    """The open sessions of ``days`` (consecutive local dates) by day, in start order, and
    how many bookable ones each day holds (what ``free_by_day`` answers).

    One query serves the session list's day and its week strip: a second statement cost
    PostgreSQL more (parsing and planning the whole rule again) than the week's extra rows
    cost here. Each row carries whether it is bookable as the rule's own seat test.
    """
    listed: dict[date, list[OpenSession]] = {day: [] for day in days}
    counts = dict.fromkeys(days, 0)
    if not days:
        return listed, counts
    bounds, _ = _day_index(tuple(days), zone)
    query = (select(_SESSION.c.id, _SESSION.c.starts_at, _SESSION.c.service_id,
                    _SESSION.c.centre_id, _SESSION.c.capacity, _SESSION.c.booked,
                    _HAS_SEAT.label("has_seat"))
             .where(open_clause(now, service), _SESSION.c.starts_at >= bounds[0],
                    _SESSION.c.starts_at < bounds[-1])
             .order_by(_SESSION.c.starts_at, _SESSION.c.id))
    if centre_id is not None:
        query = query.where(_SESSION.c.centre_id == centre_id)
    if service is not None:
        query = query.where(_SESSION.c.service_id == service.id)
    for row in db.session.execute(query):
        day = days[bisect_right(bounds, row.starts_at) - 1]
        listed[day].append(OpenSession(row.id, row.starts_at, row.service_id, row.centre_id,
                                       max(row.capacity - row.booked, 0)))
        if row.has_seat:
            counts[day] += 1
    return listed, counts


@lru_cache(maxsize=32)
def _day_index(days: tuple[date, ...],
               zone: tzinfo) -> tuple[tuple[datetime, ...], ColumnElement[int]]:
    """The days' local-midnight bounds and the CASE that numbers a session's day (the same
    for every request about the same week: built once, clause objects being immutable)."""
    bounds = (*(datetime.combine(day, time(0), zone) for day in days),
              datetime.combine(days[-1] + timedelta(days=1), time(0), zone))
    return bounds, case(*[(Session.starts_at < bounds[n + 1], n) for n in range(len(days))])


def earliest(now: datetime, *, service: AnyService | None = None, centre_id: int | None = None,
             before: datetime | None = None) -> Session | None:
    """The first bookable session (of a service, at a centre, if given), else None."""
    query = select(Session).where(bookable_clause(now, service))
    if service is not None:
        query = query.where(Session.service_id == service.id)
    if centre_id is not None:
        query = query.where(Session.centre_id == centre_id)
    if before is not None:
        query = query.where(Session.starts_at < before)
    return db.session.scalar(query.order_by(Session.starts_at, Session.id).limit(1))


def is_open(session: Session, now: datetime) -> bool:
    """Whether one session is open for booking or the waiting list now."""
    return db.session.scalar(select(Session.id).where(
        Session.id == session.id, open_clause(now, session.service))) is not None


class Placed(NamedTuple):
    """A session as a booking check reads it: with its centre, service and public event
    loaded, and whether its counsellor is on leave or its centre closed at its time."""

    session: Session
    on_leave: bool
    closed: bool


def placed(session_id: int) -> Placed | None:
    """The session and the facts a booking check gives its reasons from, in one SELECT.

    Read one by one (the session, the leave, the closure, the event) they were four
    statements on every booking; the facts are the same clauses ``take_seat`` repeats
    in its UPDATE, which has the last word.
    """
    found = db.session.execute(_placed_statement(), {"session": session_id}).first()
    if found is None:
        return None
    session, event, leave, closed = found
    know_event(session, event)  # its notices and the registration check need no 2nd read
    return Placed(session, bool(leave), bool(closed))


@lru_cache(maxsize=1)
def _placed_statement() -> Any:
    place = joinedload(Session.centre), joinedload(Session.service)
    return (select(Session, Event, _counsellor_on_leave().label("on_leave"),
                   _centre_closed().label("closed"))
            .outerjoin(Event, Event.session_id == Session.id)
            .where(Session.id == bindparam("session")).options(*place))


def take_seat(session: Session, now: datetime) -> bool:
    """The conditional UPDATE that takes one seat of a bookable session; False otherwise.

    The statement is ``bookable_clause(now, service)`` with the moments (now, and when
    the service's window opens and closes, from its notice and horizon as they are now)
    as parameters, so it is built once per service rather than on every booking (building
    it cost more CPU than the UPDATE) and an edited window needs no new statement.
    """
    ((service_id, notice, horizon),) = window_rows(session.service)
    opens, closes = window_bounds(now, notice, horizon)
    result = db.session.execute(_seat_update(service_id), {
        "seat_session": session.id, "seat_now": now, "seat_opens": opens,
        "seat_closes": closes})
    return rowcount(result) == 1


@lru_cache(maxsize=64)
def _seat_update(service_id: int) -> Update:
    moment = Session.starts_at.type
    now = bindparam("seat_now", type_=moment)
    window = (bindparam("seat_opens", type_=moment), bindparam("seat_closes", type_=moment))
    return (update(Session)
            .where(Session.id == bindparam("seat_session"),
                   _open_at(now, lambda notice, horizon: window, ((service_id, 0, 0),), True),
                   Session.booked < Session.capacity)
            .values(booked=Session.booked + 1).execution_options(synchronize_session=False))


def event_of(session: Session) -> Event | None:
    """The public event a session carries, if it is one (a lecture, a group activity),
    looked up once per session object and transaction (a commit expires the answer with
    the object): the booking rules (its registration window) and the notices (its title
    and place) of one booking share it."""
    cache = session.__dict__.setdefault("_xq_event", {})
    if "event" not in cache:
        cache["event"] = db.session.scalar(select(Event).where(Event.session_id == session.id))
    event: Event | None = cache["event"]
    return event


def know_event(session: Session, event: Event | None) -> None:
    """Tell ``event_of`` the answer read with the session (forgotten like its own)."""
    session.__dict__.setdefault("_xq_event", {})["event"] = event


@sa_event.listens_for(Session, "expire")
def _forget_event(target: Session | None, attrs: object) -> None:
    if target is not None:  # None: the object was already collected
        target.__dict__.pop("_xq_event", None)
