"""The counsellor's actions on their own sessions; every object is checked against the actor.

Booking and session changes go through booking/'s state machine (a conditional UPDATE
each, so two clicks or two counsellors at once cannot both apply one change); this
package writes no Booking, Session or WaitlistEntry row itself. Notes are read only by
their author, and every read is written to the audit log.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update

from app import audit
from app.accounts.models import Role, User
from app.booking import bookings
from app.booking.bookings import BookingError, NotFoundError
from app.booking.models import (
    Availability,
    AvailabilityException,
    Booking,
    Centre,
    Service,
    Session,
    SessionStatus,
)
from app.booking.scheduling import (
    SchedulingError,
    generate_sessions,
    local_zone,
    withdraw_for_leave,
)
from app.booking.transitions import MOVES
from app.counselling.models import NOTE_MAX_CHARS, NoteHandover, SessionNote
from app.domain import DomainError
from app.extensions import db
from app.types import rowcount, utcnow

# The moves a counsellor records on a booking (URL action names; see booking/transitions.py).
TRANSITIONS: dict[str, tuple[tuple[str | None, ...], str]] = {
    action: (MOVES[action].sources, MOVES[action].target) for action in bookings.STAFF_MOVES}


class CounsellingError(DomainError):
    """An action that cannot be taken; ``message`` is translated for the reader."""


def own_session(actor: User, session_id: int) -> Session:
    """A session the actor runs; NotFoundError otherwise (admins may see every session)."""
    session = db.session.get(Session, session_id)
    if session is None or (session.counsellor_id != actor.id and not actor.has_role(Role.ADMIN)):
        raise NotFoundError(session_id)
    return session


def own_booking(actor: User, uid: str) -> Booking:
    """A booking in one of the actor's sessions; NotFoundError otherwise."""
    booking = db.session.scalar(select(Booking).where(Booking.uid == uid))
    if booking is None or booking.session.counsellor_id != actor.id:
        raise NotFoundError(uid)
    return booking


def sessions_for(actor: User, first: date, days: int) -> Sequence[Session]:
    """The actor's sessions (any status) in ``days`` local days from ``first``."""
    zone = local_zone()
    start = datetime.combine(first, time(0), zone)
    end = start + timedelta(days=days)
    return db.session.scalars(
        select(Session).where(Session.counsellor_id == actor.id, Session.starts_at >= start,
                              Session.starts_at < end)
        .order_by(Session.starts_at)).all()


# How far back unrecorded check-ins and outcomes are still counted as needing action.
ACTION_LOOKBACK = timedelta(days=7)
_RECORDED_LATER = {a for a in bookings.STAFF_MOVES if MOVES[a].earliest is not None}
_OPEN_SOURCES = {s for a in bookings.STAFF_MOVES for s in MOVES[a].sources if s}


@dataclass(frozen=True)
class CalendarEntry:
    """One session on the counsellor's calendar and what its bookings need now."""

    session: Session
    people: int = 0    # bookings holding a seat or already seen (attended, no-show)
    pending: int = 0   # awaiting the counsellor's confirmation
    due: int = 0       # check-in, attended or no-show can be recorded now
    action: int = 0    # bookings with any of the counsellor's moves possible now


def _entry(session: Session, counts: Counter[str], now: datetime) -> CalendarEntry:
    """Count a session's bookings by what the state machine allows on them now."""
    pending = due = action = 0
    for status, number in counts.items():
        moves = bookings.staff_moves_now(status, session, now)
        action += number if moves else 0
        pending += number if "confirm" in moves else 0
        due += number if _RECORDED_LATER.intersection(moves) else 0
    people = sum(number for status, number in counts.items() if status in bookings.HELD)
    return CalendarEntry(session, people, pending, due, action)


def calendar_entries(sessions: Iterable[Session], now: datetime) -> list[CalendarEntry]:
    """The sessions with their bookings counted by status (one grouped query)."""
    sessions = list(sessions)
    counts: dict[int, Counter[str]] = {s.id: Counter() for s in sessions}
    if sessions:
        for session_id, status, number in db.session.execute(
                select(Booking.session_id, Booking.status, func.count(Booking.id))
                .where(Booking.session_id.in_(counts))
                .group_by(Booking.session_id, Booking.status)):
            counts[session_id][status] = number
    return [_entry(s, counts[s.id], now) for s in sessions]


@dataclass(frozen=True)
class ToDo:
    """What waits for the counsellor: bookings to confirm, check-ins and outcomes due."""

    entries: list[CalendarEntry] = field(default_factory=list)

    @property
    def pending(self) -> int:
        return sum(e.pending for e in self.entries)

    @property
    def due(self) -> int:
        return sum(e.due for e in self.entries)

    @property
    def total(self) -> int:
        return sum(e.action for e in self.entries)


def needs_action(actor: User, now: datetime) -> ToDo:
    """Sessions of the actor's with a booking to confirm or record now, soonest first.

    Whether a move is possible is the state machine's rule (bookings.staff_moves_now);
    outcomes of sessions older than ACTION_LOOKBACK are no longer chased here.
    """
    rows = db.session.execute(
        select(Session, Booking.status, func.count(Booking.id))
        .join(Booking, Booking.session_id == Session.id)
        .where(Session.counsellor_id == actor.id,
               Session.status == SessionStatus.SCHEDULED.value,
               Session.starts_at >= now - ACTION_LOOKBACK,
               Booking.status.in_(_OPEN_SOURCES))
        .group_by(Session.id, Booking.status)
        .order_by(Session.starts_at, Session.id)).all()
    counts: dict[Session, Counter[str]] = {}
    for session, status, number in rows:
        counts.setdefault(session, Counter())[status] = number
    entries = [_entry(s, c, now) for s, c in counts.items()]
    return ToDo([e for e in entries if e.action])


def attendees(session: Session) -> Sequence[Booking]:
    """Bookings of a session, for its counsellor (never shown to other attendees)."""
    return db.session.scalars(select(Booking).where(Booking.session_id == session.id)
                              .order_by(Booking.created_at)).all()


def set_status(actor: User, uid: str, action: str, now: datetime | None = None) -> Booking:
    """Confirm, check in, mark attended or no-show one booking in the actor's session."""
    booking = own_booking(actor, uid)
    try:
        return bookings.record(actor, booking, action, now)
    except BookingError as exc:
        db.session.rollback()
        raise CounsellingError(exc.message) from None


def cancellable_booking(actor: User, uid: str) -> Booking:
    """A booking the actor may cancel: in a session the actor runs, or any for an admin."""
    booking = db.session.scalar(select(Booking).where(Booking.uid == uid))
    if booking is None or (booking.session.counsellor_id != actor.id
                           and not actor.has_role(Role.ADMIN)):
        raise NotFoundError(uid)
    return booking


def cancel_booking(actor: User, uid: str, now: datetime | None = None) -> Booking:
    """Cancel one booking for the centre; its person is told (booking/'s state machine)."""
    booking = cancellable_booking(actor, uid)
    try:
        return bookings.cancel_for_centre(actor, booking, now)
    except BookingError as exc:
        db.session.rollback()
        raise CounsellingError(exc.message) from None


def cancel_session(actor: User, session_id: int, now: datetime | None = None) -> int:
    """Call one of the actor's sessions off: every active booking is cancelled, its person
    told, its reminder dropped and its seat freed (booking/'s state machine does it)."""
    session = own_session(actor, session_id)
    try:
        return bookings.call_off_session(actor, session, now)
    except BookingError as exc:
        db.session.rollback()
        raise CounsellingError(exc.message) from None


def add_availability(actor: User, *, centre: Centre, service: Service, weekday: int,
                     start: time, end: time, valid_from: date, room: str = "",
                     room_en: str = "") -> Availability:
    """Add a weekly rule at a centre the actor works at, and create its sessions."""
    if actor not in centre.staff:
        raise SchedulingError(_l("You do not work at this centre."))
    if service not in centre.services:
        raise SchedulingError(_l("This centre does not offer this service."))
    if not 0 <= weekday <= 6 or start >= end:
        raise SchedulingError(_l("The end time must be after the start time."))
    rule = Availability(counsellor_id=actor.id, centre_id=centre.id, service_id=service.id,
                        weekday=weekday, start_time=start, end_time=end, valid_from=valid_from,
                        room=room, room_en=room_en)
    db.session.add(rule)
    db.session.flush()
    generate_sessions(max(valid_from, utcnow().astimezone(local_zone()).date()), 28, actor)
    audit.record(actor, "availability.added", f"availability:{rule.id}")
    db.session.commit()
    return rule


def remove_availability(actor: User, rule_id: int) -> None:
    """End a weekly rule; sessions already made stay (cancel them one by one if needed)."""
    rule = db.session.get(Availability, rule_id)
    if rule is None or rule.counsellor_id != actor.id:
        raise NotFoundError(rule_id)
    db.session.delete(rule)
    audit.record(actor, "availability.removed", f"availability:{rule_id}")
    db.session.commit()


def add_leave(actor: User, starts_at: datetime, ends_at: datetime) -> AvailabilityException:
    """Record leave: unbooked sessions from weekly hours in it are withdrawn; every other
    session in it stays on the calendar but closes to new bookings (booking/bookable.py)."""
    if starts_at >= ends_at:
        raise SchedulingError(_l("The end time must be after the start time."))
    leave = AvailabilityException(counsellor_id=actor.id, kind="leave", starts_at=starts_at,
                                  ends_at=ends_at)
    db.session.add(leave)
    withdraw_for_leave(actor, starts_at, ends_at)
    audit.record(actor, "availability.leave", None)
    db.session.commit()
    return leave


def add_extra_hours(actor: User, *, centre: Centre, service: Service, starts_at: datetime,
                    ends_at: datetime) -> AvailabilityException:
    """One-off extra hours at a centre the actor works at; their sessions open at once."""
    if actor not in centre.staff:
        raise SchedulingError(_l("You do not work at this centre."))
    if service not in centre.services:
        raise SchedulingError(_l("This centre does not offer this service."))
    if starts_at >= ends_at:
        raise SchedulingError(_l("The end time must be after the start time."))
    extra = AvailabilityException(counsellor_id=actor.id, kind="extra", centre_id=centre.id,
                                  service_id=service.id, starts_at=starts_at, ends_at=ends_at)
    db.session.add(extra)
    db.session.flush()
    generate_sessions(starts_at.astimezone(local_zone()).date(), 1, actor)
    audit.record(actor, "availability.extra", None)
    db.session.commit()
    return extra


def note_too_long(length: int) -> str:
    """The refusal of a note over the limit, with both numbers (nothing is saved)."""
    return _l("A note can be at most %(max)s characters; this one has %(num)s. Please shorten "
              "it or save it as two notes.", max=f"{NOTE_MAX_CHARS:,}", num=f"{length:,}")


def add_note(author: User, uid: str, body: str) -> SessionNote:
    """Write a note on a booking in the author's session, sealed under the worker's key."""
    booking = own_booking(author, uid)
    body = (body or "").strip()
    if not body:
        raise CounsellingError(_l("Write something first."))
    if len(body) > NOTE_MAX_CHARS:
        raise CounsellingError(note_too_long(len(body)))
    note = SessionNote(booking_id=booking.id, worker_id=booking.user_id, author_id=author.id)
    note.worker = booking.user
    note.body = body
    db.session.add(note)
    audit.record(author, "note.written", note)
    db.session.commit()
    return note


def read_notes(reader: User, uid: str) -> list[SessionNote]:
    """Notes the reader may see for a booking's worker; the read is audit-logged.

    That is the reader's own notes on this booking, plus every note on the same worker
    written by a colleague whose handover to the reader the worker agreed to.
    """
    booking = own_booking(reader, uid)
    handed_from = select(NoteHandover.from_id).where(
        NoteHandover.worker_id == booking.user_id, NoteHandover.to_id == reader.id,
        NoteHandover.agreed_at.is_not(None))
    notes = list(db.session.scalars(select(SessionNote).where(
        ((SessionNote.booking_id == booking.id) & (SessionNote.author_id == reader.id))
        | ((SessionNote.worker_id == booking.user_id)
           & SessionNote.author_id.in_(handed_from)))
        .order_by(SessionNote.created_at)).all())
    audit.record(reader, "note.read", booking, {"count": len(notes)})
    db.session.commit()
    return notes


def colleagues(actor: User) -> Sequence[User]:
    """Other counsellors a handover may go to."""
    from app.accounts.models import UserRole

    return db.session.scalars(select(User).join(UserRole).where(
        UserRole.role == Role.COUNSELLOR.value, User.id != actor.id)
        .distinct().order_by(User.id)).all()  # a counsellor at two centres is listed once


def request_handover(actor: User, uid: str, to_id: int) -> NoteHandover:
    """Ask the worker of a booking to let ``to_id`` read the actor's notes on them."""
    booking = own_booking(actor, uid)
    target = db.session.get(User, to_id)
    if target is None or target.id == actor.id or not target.has_role(Role.COUNSELLOR):
        raise CounsellingError(_l("Choose another counsellor."))
    handover = NoteHandover(worker_id=booking.user_id, from_id=actor.id, to_id=target.id)
    db.session.add(handover)
    audit.record(actor, "note.handover_requested", booking, {"to": target.uid})
    db.session.commit()
    return handover


def pending_handovers(worker: User) -> Sequence[NoteHandover]:
    """Handover requests waiting for the worker's answer."""
    return db.session.scalars(select(NoteHandover).where(
        NoteHandover.worker_id == worker.id, NoteHandover.agreed_at.is_(None),
        NoteHandover.declined_at.is_(None)).order_by(NoteHandover.id)).all()


def answer_handover(worker: User, uid: str, agree: bool, now: datetime | None = None) -> None:
    """The worker agrees or declines; only their own, unanswered requests."""
    now = now or utcnow()
    handover = db.session.scalar(select(NoteHandover).where(NoteHandover.uid == uid))
    if handover is None or handover.worker_id != worker.id:
        raise NotFoundError(uid)
    column = "agreed_at" if agree else "declined_at"
    changed = rowcount(db.session.execute(
        update(NoteHandover).where(NoteHandover.id == handover.id,
                                   NoteHandover.agreed_at.is_(None),
                                   NoteHandover.declined_at.is_(None))
        .values({column: now}).execution_options(synchronize_session=False)))
    if changed:
        audit.record(worker, "note.handover_agreed" if agree else "note.handover_declined",
                     f"note_handovers:{handover.uid}")
    db.session.commit()

