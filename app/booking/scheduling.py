"""Turning counsellors' weekly hours into bookable sessions, and scheduling group sessions.

A counsellor is never in two places at once: every new session is checked against their
scheduled sessions here, and on PostgreSQL the exclusion constraint of migration
0003_booking refuses an overlap that two concurrent writers both missed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts.models import User
from app.booking.models import (
    Availability,
    AvailabilityException,
    Centre,
    CentreClosure,
    Room,
    Service,
    Session,
    SessionStatus,
)
from app.domain import DomainError
from app.extensions import db
from app.security.roles import Role
from app.types import rowcount


class SchedulingError(DomainError):
    """A schedule change that cannot be made; ``message`` is translated for the reader."""


def local_zone() -> ZoneInfo:
    """The zone people read times in (Asia/Shanghai)."""
    return ZoneInfo(current_app.config.get("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai"))


def slot_times(day: date, start: time, end: time, duration: int, buffer: int,
               zone: ZoneInfo) -> list[tuple[datetime, datetime]]:
    """Back-to-back slots of ``duration`` minutes plus ``buffer`` within local hours, in UTC."""
    slots = []
    cursor = datetime.combine(day, start, zone)
    close = datetime.combine(day, end, zone)
    length = timedelta(minutes=duration)
    while cursor + length <= close:
        slots.append((cursor.astimezone(UTC), (cursor + length).astimezone(UTC)))
        cursor += length + timedelta(minutes=buffer)
    return slots


def _overlaps(start: datetime, end: datetime, spans: Iterable[tuple[datetime, datetime]]) -> bool:
    return any(start < span_end and span_start < end for span_start, span_end in spans)


def counsellor_clash(counsellor_id: int, start: datetime, end: datetime) -> Session | None:
    """A scheduled session of the counsellor overlapping ``start``–``end``, if any."""
    return db.session.scalar(
        select(Session).where(Session.counsellor_id == counsellor_id,
                              Session.status == SessionStatus.SCHEDULED.value,
                              Session.starts_at < end, Session.ends_at > start).limit(1)
    )


def closure_at(centre_id: int, start: datetime, end: datetime) -> CentreClosure | None:
    """A closure of the centre (closures.py) overlapping ``start``–``end``, if any."""
    return db.session.scalar(select(CentreClosure).where(
        CentreClosure.centre_id == centre_id, CentreClosure.starts_at < end,
        CentreClosure.ends_at > start).limit(1))


def room_clash(room_id: int, start: datetime, end: datetime) -> Session | None:
    """A scheduled session holding the room at an overlapping time, if any."""
    return db.session.scalar(
        select(Session).where(Session.room_id == room_id,
                              Session.status == SessionStatus.SCHEDULED.value,
                              Session.starts_at < end, Session.ends_at > start).limit(1))


def add_unless_busy(session: Session) -> bool:
    """Add a session unless it overlaps; False when the counsellor is busy then."""
    if counsellor_clash(session.counsellor_id, session.starts_at, session.ends_at):
        return False
    if session.room_id is not None and room_clash(session.room_id, session.starts_at,
                                                  session.ends_at):
        return False
    try:
        with db.session.begin_nested():
            db.session.add(session)
    except IntegrityError:  # PostgreSQL's exclusion constraints: a concurrent writer won
        return False
    return True


def planned_slots(rules: Sequence[Availability], extras: Sequence[AvailabilityException],
                  leave: Sequence[AvailabilityException], first: date, days: int,
                  zone: ZoneInfo) -> list[tuple[Availability | AvailabilityException,
                                                datetime, datetime]]:
    """Slots the rules and extra hours give over ``days`` days, minus leave (pure)."""
    out: list = []
    off = [(x.starts_at, x.ends_at) for x in leave]
    for offset in range(days):
        day = first + timedelta(days=offset)
        for rule in rules:
            if rule.weekday != day.weekday() or day < rule.valid_from:
                continue
            if rule.valid_to and day > rule.valid_to:
                continue
            service = rule.service
            for start, end in slot_times(day, rule.start_time, rule.end_time,
                                         service.duration_minutes, service.buffer_minutes, zone):
                if not _overlaps(start, end, off):
                    out.append((rule, start, end))
    for extra in extras:
        local_start, local_end = extra.starts_at.astimezone(zone), extra.ends_at.astimezone(zone)
        if extra.service is None:  # extra hours always name a service (checked when made)
            continue
        service = extra.service
        for start, end in slot_times(local_start.date(), local_start.time(), local_end.time(),
                                     service.duration_minutes, service.buffer_minutes, zone):
            if not _overlaps(start, end, off):
                out.append((extra, start, end))
    return out


def generate_sessions(first: date, days: int = 14, counsellor: User | None = None) -> int:
    """Create the sessions availability gives for ``days`` days from ``first``; idempotent.

    Existing sessions are kept; a slot overlapping one of the counsellor's sessions is skipped.
    Returns how many sessions were created (the caller commits).
    """
    zone = local_zone()
    rules_q = select(Availability)
    exc_q = select(AvailabilityException)
    if counsellor is not None:
        rules_q = rules_q.where(Availability.counsellor_id == counsellor.id)
        exc_q = exc_q.where(AvailabilityException.counsellor_id == counsellor.id)
    window_start = datetime.combine(first, time(0), zone).astimezone(UTC)
    window_end = window_start + timedelta(days=days)
    exc_q = exc_q.where(AvailabilityException.starts_at < window_end,
                        AvailabilityException.ends_at > window_start)
    rules = db.session.scalars(rules_q).all()
    exceptions = db.session.scalars(exc_q).all()
    closed: dict[int, list[tuple[datetime, datetime]]] = {}
    for closure in db.session.scalars(select(CentreClosure).where(
            CentreClosure.starts_at < window_end, CentreClosure.ends_at > window_start)):
        closed.setdefault(closure.centre_id, []).append((closure.starts_at, closure.ends_at))
    created = 0
    by_counsellor: dict[int, tuple[list, list, list]] = {}
    for rule in rules:
        by_counsellor.setdefault(rule.counsellor_id, ([], [], []))[0].append(rule)
    for exc in exceptions:
        slot = 1 if exc.kind == "extra" else 2
        if exc.kind == "extra" and (exc.centre_id is None or exc.service_id is None):
            continue
        by_counsellor.setdefault(exc.counsellor_id, ([], [], []))[slot].append(exc)
    for counsellor_id, (own_rules, extras, leave) in by_counsellor.items():
        for source, start, end in planned_slots(own_rules, extras, leave, first, days, zone):
            service = source.service
            if service is None:  # extra hours without a service are left out above
                continue
            if _overlaps(start, end, closed.get(source.centre_id or 0, ())):
                continue  # the centre is closed then (closures.py)
            session = Session(centre_id=source.centre_id, service_id=service.id,
                              counsellor_id=counsellor_id, starts_at=start, ends_at=end,
                              capacity=service.capacity, booked=0,
                              room=getattr(source, "room", "") or "",
                              room_en=getattr(source, "room_en", "") or "", generated=True)
            created += add_unless_busy(session)
    return created


def on_leave(counsellor_id: int, start: datetime, end: datetime) -> bool:
    """Whether the counsellor has leave overlapping ``start``–``end``."""
    return db.session.scalar(select(AvailabilityException.id).where(
        AvailabilityException.counsellor_id == counsellor_id,
        AvailabilityException.kind == "leave",
        AvailabilityException.starts_at < end, AvailabilityException.ends_at > start)
        .limit(1)) is not None


def schedule_session(actor: User, *, centre: Centre, service: Service, counsellor: User,
                     starts_at: datetime, room: str, capacity: int | None = None,
                     room_en: str = "", room_row: Room | None = None) -> Session:
    """Staff schedule one session (e.g. a group) with a room and capacity.

    The rules are those of sessions made from weekly hours: the counsellor is not on
    leave, and has the service's buffer (``buffer_minutes``) free before
    and after each of their other sessions. Only admins schedule for others. The caller
    commits (admin views, app/admin/services.py).
    """
    if not actor.has_role(Role.ADMIN):
        raise SchedulingError(_l("Only an administrator can schedule sessions."))
    if starts_at.tzinfo is None:
        raise SchedulingError(_l("Give the start time with its time zone."))
    if centre is None or service is None or counsellor is None:
        raise SchedulingError(_l("Choose a centre, a service and a counsellor."))
    capacity = capacity or service.capacity
    if capacity < 1:
        raise SchedulingError(_l("Capacity must be at least 1."))
    if service not in centre.services:
        raise SchedulingError(_l("This centre does not offer this service."))
    ends_at = starts_at + timedelta(minutes=service.duration_minutes)
    closure = closure_at(centre.id, starts_at, ends_at)
    if closure is not None:
        raise SchedulingError(_l("The centre is closed then (%(reason)s).",
                                 reason=closure.reason_zh))
    if room_row is not None:
        _check_room(room_row, centre, capacity, starts_at, ends_at)
        room, room_en = room_row.name_zh, room_row.name_en
    if on_leave(counsellor.id, starts_at, ends_at):
        raise SchedulingError(_l("The counsellor is on leave at that time."))
    if counsellor_clash(counsellor.id, starts_at, ends_at):
        raise SchedulingError(_l("The counsellor already has a session at that time."))
    buffer = timedelta(minutes=service.buffer_minutes)
    if counsellor_clash(counsellor.id, starts_at - buffer, ends_at + buffer):
        raise SchedulingError(_l("The counsellor needs %(minutes)d minutes between sessions: "
                                 "choose a time further from their other sessions.",
                                 minutes=service.buffer_minutes))
    session = Session(centre_id=centre.id, service_id=service.id, counsellor_id=counsellor.id,
                      room=room, room_en=room_en, starts_at=starts_at, ends_at=ends_at,
                      capacity=capacity, booked=0,
                      room_id=room_row.id if room_row is not None else None)
    if not add_unless_busy(session):
        if room_row is not None and room_clash(room_row.id, starts_at, ends_at):
            raise ROOM_TAKEN
        raise SchedulingError(_l("The counsellor already has a session at that time."))
    audit.record(actor, "session.scheduled", f"sessions:{session.id}",
                 {"centre": centre.code, "service": service.code})
    return session


ROOM_TAKEN = SchedulingError(_l("This room is already in use at that time: choose another "
                                "room or time."))


def _check_room(room: Room, centre: Centre, capacity: int, starts_at: datetime,
                ends_at: datetime) -> None:
    """The room is the centre's, in use, large enough and free then."""
    if room.centre_id != centre.id or not room.active:
        raise SchedulingError(_l("Choose a room of this centre."))
    if capacity > room.capacity:
        raise SchedulingError(_l("This room holds at most %(seats)d people.",
                                 seats=room.capacity))
    if room_clash(room.id, starts_at, ends_at):
        raise ROOM_TAKEN


def withdraw_for_leave(counsellor: User, starts_at: datetime, ends_at: datetime) -> int:
    """Withdraw the counsellor's unbooked sessions from weekly hours inside new leave.

    Sessions scheduled by an admin, and booked ones, stay on the calendar for the
    counsellor to decide; the bookable rule (bookable.py) closes them to new bookings
    while the leave lasts. Returns how many were withdrawn (the caller commits).
    """
    return rowcount(db.session.execute(update(Session).where(
        Session.counsellor_id == counsellor.id, Session.generated.is_(True),
        Session.booked == 0, Session.status == SessionStatus.SCHEDULED.value,
        Session.starts_at < ends_at, Session.ends_at > starts_at)
        .values(status=SessionStatus.CANCELLED.value)
        .execution_options(synchronize_session=False)))
