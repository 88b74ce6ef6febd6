"""Booking, cancelling, rescheduling and the waitlist: the rules, with the database as judge.

Each change is one transaction that begins with a write (see app/sqlite.py). Taking a
seat is ``UPDATE sessions SET booked = booked + 1 WHERE ... booked < capacity``, so two
people can never both take the last seat, and the partial unique index on bookings
refuses a second active booking of one session. The checks read before the
transaction only choose a clear message; they decide nothing.

Rows that many bookings share are written last, just before the commit: the session's
seat count, the report roll-up cell and the audit-chain head (one row for every audited
write in the service). An UPDATE holds its row's lock until the commit, so everything
else (the booking row, the per-person limit, the email and its calendar file sealed
under the person's key) comes before them: a burst of bookings for one session queues
only for those last statements (``make bench`` measured it). If no seat is left, the
whole transaction, booking and email included, is rolled back.

A freed seat is not put back while somebody waits: it passes, in the cancel's own
transaction, to the first waiting person as an offer held for a set time.

What each move does (status, seat, reminder, email, statistic, audit) is the state
machine's (transitions.py); whether a session may be booked is bookable.py's. This module
checks who asks and picks the clearest message for a refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    BindParameter,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    select,
    update,
)
from sqlalchemy.orm import aliased, joinedload

from app import audit
from app.accounts.models import User
from app.booking import bookable
from app.booking.models import (
    ACTIVE_BOOKING,
    Booking,
    BookingStatus,
    Event,
    Session,
    SessionStatus,
    WaitlistEntry,
    WaitStatus,
)
from app.booking.transitions import (
    MOVES,
    UPCOMING,
    BookingError,
    apply,
    release_seat,
    too_early,
)
from app.extensions import commit_keeping_loaded, db
from app.security.roles import Role
from app.types import rowcount, utcnow

__all__ = ["HELD", "UPCOMING", "BookingError", "NotFoundError", "release_seat"]
HELD = tuple(s.value for s in ACTIVE_BOOKING)


class NotFoundError(LookupError):
    """No such object for this person (the view answers 404)."""


@dataclass(frozen=True)
class Limits:
    """Per-person rules, from the app config."""

    upcoming: int

    @classmethod
    def current(cls) -> Limits:
        return cls(upcoming=int(current_app.config.get("BOOKING_MAX_UPCOMING", 3)))


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def end_reads() -> None:
    """Commit the read-only checks without expiring loaded objects.

    The next transaction must begin with its write (see app/sqlite.py); expired objects
    would be reloaded by a SELECT first, which on SQLite turns the write into a failing
    lock upgrade under contention.
    """
    commit_keeping_loaded()


def commit_move(*seats: Session) -> None:
    """Commit a booking move, keeping what the request already loaded (the person, the
    booking, its session and service): the answer names them, and expiring them all would
    read four rows again to say "Booked: ...". Only the seat counts of ``seats`` were
    written behind the ORM's back (one conditional UPDATE each), so only they are expired
    and read again if somebody asks. The moves write every other loaded row through the
    ORM or refresh it (transitions._write_booking), so nothing kept is stale.
    """
    commit_keeping_loaded()
    for seat in seats:
        db.session.expire(seat, ["booked"])


def _at(name: str) -> BindParameter:
    """A moment passed when the statement runs (stored as the sessions' times are)."""
    return bindparam(name, type_=Session.starts_at.type)


def _written_in(name: str, statuses: tuple[str, ...]) -> BindParameter:
    """Statuses written into the statement's text rather than sent as parameters: the
    text stays the same on every run (so it is still prepared), and PostgreSQL's generic
    plan then knows them, so it picks the person's index by status and can prove a partial
    index's predicate (bench/README.md Step 15d)."""
    return bindparam(name, statuses, expanding=True, literal_execute=True)


# Built once: the booking checks run them on every booking, and building a statement
# costs more CPU than running it (SQLAlchemy caches the compiled SQL, not the building).
_UPCOMING_COUNT = (
    select(func.count(Booking.id)).join(Session)
    .where(Booking.user_id == bindparam("user"),
           Booking.status.in_(_written_in("upcoming_statuses", UPCOMING)),
           Session.starts_at > _at("now")))


def upcoming_count(user: User, now: datetime) -> int:
    """How many future sessions the person holds a booking for."""
    return db.session.scalar(_UPCOMING_COUNT, {"user": user.id, "now": now}) or 0


def active_booking(user: User, session_id: int) -> Booking | None:
    """The person's seat-holding booking of a session, if any."""
    return db.session.scalar(select(Booking).where(
        Booking.user_id == user.id, Booking.session_id == session_id, Booking.status.in_(HELD)))


def _clash(user: User, session: Session, ignore: int | None = None) -> bool:
    """True when the person holds another booking overlapping ``session``."""
    query = (select(Booking.id).join(Session)
             .where(Booking.user_id == user.id, Booking.status.in_(UPCOMING),
                    Session.starts_at < session.ends_at, Session.ends_at > session.starts_at,
                    Session.id != session.id))
    if ignore is not None:
        query = query.where(Booking.id != ignore)
    return db.session.scalar(query.limit(1)) is not None


def may_book(user: User) -> bool:
    """Seats and waiting lists are for workers: staff would take them from the people the
    service is for, and would count in the statistics (README, *Roles*)."""
    return user.has_role(Role.WORKER)


def _only_workers(user: User) -> None:
    if not may_book(user):
        raise BookingError(_l("Only workers can book sessions or join waiting lists. Staff "
                              "accounts cannot take seats."), code="workers_only")


@dataclass(frozen=True)
class Standing:
    """The person's bookings as one new booking meets them (read in one statement)."""

    already: bool   # a seat-holding booking of this very session
    clash: bool     # another upcoming booking overlapping it
    upcoming: int   # future sessions booked (the per-person limit counts these)


def standing(user: User, session: Session, now: datetime) -> Standing:
    """``active_booking``, ``_clash`` and ``upcoming_count`` in one statement.

    The clash and the count read only the person's upcoming bookings of sessions not yet
    over (a clash overlaps a session that starts after ``now``, an upcoming one starts after
    ``now``, so both end after it): the person's index by status (``ix_bookings_user_status``)
    finds exactly those, however many cancelled or attended ones the person has (bench/
    README.md Step 15d). Whether the person already holds this session is a separate
    EXISTS, so that it does not widen that read to every status.
    """
    row = db.session.execute(_STANDING, {
        "user": user.id, "session": session.id, "starts": session.starts_at,
        "ends": session.ends_at, "now": now}).one()
    return Standing(already=bool(row[0]), clash=bool(row[1]), upcoming=int(row[2] or 0))


def _standing_statement() -> Select:
    this = Booking.session_id == bindparam("session")
    # The held statuses written in as the partial unique index's predicate is (ACTIVE_SQL):
    # this EXISTS is then one probe of that index (session, person), whatever the history.
    held = aliased(Booking, name="held")
    already = select(held.id).where(
        held.session_id == bindparam("session"), held.user_id == bindparam("user"),
        held.status.in_(_written_in("held_statuses", HELD))).exists()
    one = literal(1)
    return (
        select(already,
               func.max(case((and_(~this, Session.starts_at < _at("ends"),
                                   Session.ends_at > _at("starts")), one), else_=0)),
               func.sum(case((Session.starts_at > _at("now"), one), else_=0)))
        .select_from(Booking).join(Session, Session.id == Booking.session_id)
        .where(Booking.user_id == bindparam("user"),
               Booking.status.in_(_written_in("upcoming_statuses", UPCOMING)),
               Session.ends_at > _at("now")))


_STANDING = _standing_statement()


def _check_bookable(user: User, placed: bookable.Placed | None, now: datetime) -> Standing:
    """Raise the clearest reason a person cannot book the session; reads only. Returns
    the person's standing (for the per-person limit).

    The reasons are those of bookable.open_clause, which has the last word in the UPDATE.
    """
    _only_workers(user)
    session = placed.session if placed is not None else None
    if placed is None or session is None or session.status != SessionStatus.SCHEDULED.value \
            or not session.centre.active or not session.service.active or placed.on_leave:
        raise BookingError(_l("This session is not available."))
    if placed.closed:
        raise BookingError(_l("The centre is closed on that day."))
    service = session.service
    if session.starts_at <= now:
        raise BookingError(_l("This session has already started."))
    event = bookable.event_of(session)
    if event is not None:  # an event's registration window replaces notice and horizon
        if now < event.registration_opens_at:
            raise BookingError(_l("Registration has not opened yet."))
        if now >= event.registration_closes_at:
            raise BookingError(_l("Registration is closed."))
    elif session.starts_at < now + timedelta(hours=service.min_notice_hours):
        raise BookingError(_l("Bookings close %(hours)d hours before the session starts.",
                              hours=service.min_notice_hours))
    elif session.starts_at > now + timedelta(days=service.horizon_days):
        raise BookingError(_l("This session cannot be booked yet: bookings open %(days)d days "
                              "ahead.", days=service.horizon_days))
    mine = standing(user, session, now)
    if mine.already:
        raise BookingError(_l("You already have a booking for this session."),
                           code="already_booked")
    if mine.clash:
        raise BookingError(_l("You already have a booking at that time."))
    return mine


def _lock_person(user: User) -> None:
    """PostgreSQL: serialise one person's concurrent bookings (first, before their rows
    are written). SQLite serialises all writers anyway.

    ``FOR NO KEY UPDATE``, not ``FOR UPDATE``: it conflicts with another booking's lock of
    the person (and with any change of their row) but not with a foreign key naming them.
    Others' transactions do name the person while they book, e.g. a cancel offering them
    the freed seat writes their offer email; under ``FOR UPDATE`` that cancel waited for
    the booking while holding its audit chain's head, which the booking then waited for
    (a deadlock whenever the two people's events share a chain, 1 pair in 16 (``CHAINS``);
    tests/integration/test_booking_race.py).
    """
    if _is_postgres():
        db.session.execute(_LOCK_PERSON, {"user": user.id})


# Built once, as the checks' statements are (composed per booking it cost more than it ran).
_LOCK_PERSON = (select(User.id).where(User.id == bindparam("user"))
                .with_for_update(key_share=True))


def _limit_guard(user: User, now: datetime, limits: Limits) -> Callable[[], None]:
    """Inside the transaction, after the new booking is written (and so counted): refuse
    a booking over the per-person limit."""
    def guard() -> None:
        if upcoming_count(user, now) > limits.upcoming:
            raise _limit_error(limits)
    return guard


def _limit_error(limits: Limits) -> BookingError:
    return BookingError(_l("You can hold at most %(limit)d upcoming bookings. Cancel one to "
                           "book another.", limit=limits.upcoming))


def book(user: User, session_id: int, now: datetime | None = None) -> Booking:
    """Book a seat for ``user``; raises BookingError (``full=True`` when the session is full)."""
    now = now or utcnow()
    limits = Limits.current()
    placed = bookable.placed(session_id)
    if _check_bookable(user, placed, now).upcoming >= limits.upcoming:
        db.session.rollback()
        raise _limit_error(limits)
    assert placed is not None
    session = placed.session
    end_reads()  # the transaction below starts with its write
    try:
        _lock_person(user)
        booking = apply("book", user, now=now, user=user, session=session,
                        guard=_limit_guard(user, now, limits), detail={"session": session.id})
        commit_move(session)
    except BookingError:
        db.session.rollback()
        raise
    assert isinstance(booking, Booking)
    return booking


def find_booking(user: User, uid: str) -> Booking:
    """The person's own booking by its public id; NotFound for anyone else's."""
    found = db.session.execute(_FIND_BOOKING, {"uid": uid}).first()
    if found is None or found[0].user_id != user.id:
        raise NotFoundError(uid)
    booking, event = found
    bookable.know_event(booking.session, event)  # its notices name the event: no 2nd read
    return booking


_place = joinedload(Booking.session)
# Built once; the session's public event (if any) comes in the same SELECT.
_FIND_BOOKING = (select(Booking, Event).outerjoin(Event, Event.session_id == Booking.session_id)
                 .where(Booking.uid == bindparam("uid"))
                 .options(_place.joinedload(Session.centre), _place.joinedload(Session.service)))


def can_cancel(booking: Booking, now: datetime) -> bool:
    """Whether the person may still cancel (before the session starts)."""
    return booking.status in UPCOMING and booking.session.starts_at > now


def is_late(booking: Booking, now: datetime) -> bool:
    """Whether cancelling now falls inside the service's cancellation window."""
    window = timedelta(hours=booking.session.service.cancellation_window_hours)
    return now > booking.session.starts_at - window


def cancel(user: User, uid: str, now: datetime | None = None) -> Booking:
    """Cancel the person's booking; inside the window it counts as a late cancellation."""
    return cancel_booking(user, find_booking(user, uid), now)


def cancel_booking(user: User, booking: Booking, now: datetime | None = None) -> Booking:
    """``cancel`` of a booking already found with ``find_booking`` (the person's own)."""
    now = now or utcnow()
    if booking.user_id != user.id:
        raise NotFoundError(booking.uid)
    if booking.status not in UPCOMING:
        raise BookingError(_l("This booking cannot be cancelled any more."))
    if booking.session.starts_at <= now:
        raise BookingError(_l("The session has already started; it can no longer be "
                              "cancelled."))
    late = is_late(booking, now)
    end_reads()
    if not apply("late_cancel" if late else "cancel", user, now=now, booking=booking,
                 detail={"late": late}):
        db.session.rollback()
        raise BookingError(_l("This booking cannot be cancelled any more."))
    commit_move(booking.session)
    return booking


def reschedule(user: User, uid: str, session_id: int, now: datetime | None = None) -> Booking:
    """Move a booking to another session of the same service, inside the window only."""
    now = now or utcnow()
    booking = find_booking(user, uid)
    if not can_cancel(booking, now) or is_late(booking, now):
        raise BookingError(_l("This booking can no longer be changed. You can still cancel "
                              "it before it starts."))
    old = booking.session
    placed = bookable.placed(session_id)
    target = placed.session if placed is not None else None
    if target is None or target.service_id != old.service_id or target.id == old.id:
        raise BookingError(_l("Choose another session of the same service."))
    _check_bookable(user, placed, now)
    if _clash(user, target, ignore=booking.id):
        raise BookingError(_l("You already have a booking at that time."))
    end_reads()
    try:
        if not apply("reschedule", user, now=now, booking=booking, session=target,
                     detail={"from": old.id, "to": target.id}):
            raise BookingError(_l("This booking can no longer be changed. You can still "
                                  "cancel it before it starts."))
        db.session.commit()
    except BookingError:
        db.session.rollback()
        raise
    return booking


# -- the counsellor's moves ----------------------------------------------------------------

def record(actor: User, booking: Booking, action: str, now: datetime | None = None) -> Booking:
    """Confirm, check in, mark attended or no-show (the caller checked the actor's right)."""
    now = now or utcnow()
    move = MOVES.get(action)
    if action not in STAFF_MOVES or move is None:
        raise BookingError(_l("Unknown action."))
    if too_early(move, booking.session, now):
        raise BookingError(_l("This can be recorded only when the session is about to "
                              "start or has started."))
    end_reads()
    if not apply(action, actor, now=now, booking=booking):
        db.session.rollback()
        raise BookingError(_l("This booking is no longer in a state that allows this."))
    db.session.commit()
    return booking


STAFF_MOVES = ("confirm", "check_in", "attended", "no_show")


def staff_moves_now(status: str, session: Session, now: datetime) -> tuple[str, ...]:
    """The counsellor's moves that ``record`` would accept now for a booking in ``status``:
    the state machine's sources and its "not before" time (transitions.py), nothing else."""
    return tuple(action for action in STAFF_MOVES
                 if status in MOVES[action].sources
                 and not too_early(MOVES[action], session, now))


def recording_opens(session: Session) -> datetime | None:
    """When the earliest time-bound counsellor move (check-in) opens for ``session``."""
    limits = [limit for a in STAFF_MOVES if (limit := MOVES[a].earliest) is not None]
    return session.starts_at - max(limits) if limits else None


def cancel_for_centre(actor: User, booking: Booking, now: datetime | None = None) -> Booking:
    """The centre cancels one booking (the caller checked the actor's right): the person is
    told the centre cancelled it, the seat goes to the first person waiting."""
    now = now or utcnow()
    if booking.status not in UPCOMING or booking.session.starts_at <= now:
        raise BookingError(_l("This booking cannot be cancelled any more."))
    end_reads()
    if not apply("centre_cancel", actor, now=now, booking=booking):
        db.session.rollback()
        raise BookingError(_l("This booking cannot be cancelled any more."))
    db.session.commit()
    return booking


def call_off_session(actor: User, session: Session, now: datetime | None = None) -> int:
    """Cancel a session that has not started: each booking is cancelled and its person told,
    each waiting place closed, every seat freed. Returns how many bookings were cancelled."""
    now = now or utcnow()
    refusal = BookingError(_l("Only sessions that have not started can be cancelled."))
    if session.status != SessionStatus.SCHEDULED.value or session.starts_at <= now:
        raise refusal
    end_reads()
    changed = rowcount(db.session.execute(
        update(Session).where(Session.id == session.id,
                              Session.status == SessionStatus.SCHEDULED.value,
                              Session.starts_at > now)
        .values(status=SessionStatus.CANCELLED.value)
        .execution_options(synchronize_session=False)))
    if not changed:
        db.session.rollback()
        raise refusal
    affected = db.session.scalars(select(Booking).where(
        Booking.session_id == session.id, Booking.status.in_(UPCOMING))).all()
    cancelled = sum(apply("session_cancel", actor, now=now, booking=b) is not None
                    for b in affected)
    for entry in db.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.session_id == session.id,
            WaitlistEntry.status.in_((WaitStatus.WAITING.value, WaitStatus.OFFERED.value)))):
        apply("withdraw_offer" if entry.status == WaitStatus.OFFERED.value else "withdraw",
              actor, now=now, entry=entry)
    audit.record(actor, "session.cancelled", f"sessions:{session.id}",
                 {"bookings": cancelled})
    db.session.commit()
    return cancelled


# -- waitlist ------------------------------------------------------------------------------

def join_waitlist(user: User, session_id: int, now: datetime | None = None) -> WaitlistEntry:
    """Queue for a full session."""
    now = now or utcnow()
    placed = bookable.placed(session_id)
    _check_bookable(user, placed, now)
    assert placed is not None
    session = placed.session
    if session.booked < session.capacity:
        raise BookingError(_l("This session still has free seats: book one instead."))
    end_reads()
    try:
        entry = apply("join", user, now=now, user=user, session=session)
    except BookingError:
        db.session.rollback()
        raise
    db.session.commit()
    assert isinstance(entry, WaitlistEntry)
    return entry


def find_entry(user: User, uid: str) -> WaitlistEntry:
    """The person's own waitlist entry; NotFound for anyone else's."""
    entry = db.session.scalar(select(WaitlistEntry).where(WaitlistEntry.uid == uid))
    if entry is None or entry.user_id != user.id:
        raise NotFoundError(uid)
    return entry


def leave_waitlist(user: User, uid: str, now: datetime | None = None) -> None:
    """Leave the queue; an offer the person held passes on to the next."""
    now = now or utcnow()
    entry = find_entry(user, uid)
    end_reads()
    if not apply("decline", user, now=now, entry=entry):
        apply("leave", user, now=now, entry=entry)
    db.session.commit()


def accept_offer(user: User, uid: str, now: datetime | None = None) -> Booking:
    """Turn a live offer into a booking; the seat was already held for the person."""
    now = now or utcnow()
    entry = find_entry(user, uid)
    _only_workers(user)
    session = entry.session
    limits = Limits.current()
    if upcoming_count(user, now) >= limits.upcoming:
        db.session.rollback()
        raise _limit_error(limits)
    end_reads()
    try:
        if not apply("accept", user, now=now, entry=entry):
            raise BookingError(_l("This offer has expired or was already used."))
        booking = apply("claim", user, now=now, user=user, session=session,
                        detail={"session": session.id})
    except BookingError:
        db.session.rollback()
        raise
    db.session.commit()
    assert isinstance(booking, Booking)
    return booking


def expire_offers(now: datetime | None = None) -> int:
    """Lapse offers past their time and pass each seat on; returns how many lapsed."""
    now = now or utcnow()
    due = db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.status == WaitStatus.OFFERED.value,
        WaitlistEntry.offer_expires_at <= now)).all()
    end_reads()
    lapsed = 0
    for entry in due:
        lapsed += apply("lapse", None, now=now, entry=entry) is not None
        db.session.commit()
    return lapsed


def my_bookings(user: User) -> list[Booking]:
    """The person's bookings, newest session first."""
    return list(db.session.scalars(
        select(Booking).join(Session).where(Booking.user_id == user.id)
        .order_by(Session.starts_at.desc())).all())


def late_cancellations(user: User) -> int:
    """How many times the person cancelled inside a cancellation window."""
    return db.session.scalar(select(func.count(Booking.id)).where(
        Booking.user_id == user.id, Booking.status == BookingStatus.LATE_CANCELLED.value)) or 0


def my_waitlist(user: User) -> list[WaitlistEntry]:
    """The person's open waitlist places."""
    return list(db.session.scalars(
        select(WaitlistEntry).where(WaitlistEntry.user_id == user.id,
                                    WaitlistEntry.status.in_(("waiting", "offered")))
        .order_by(WaitlistEntry.id)).all())
