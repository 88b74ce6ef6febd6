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
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, insert, select, update
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts.models import User
from app.booking import mail
from app.booking.models import (
    ACTIVE_BOOKING,
    Booking,
    BookingStatus,
    Session,
    SessionStatus,
    WaitlistEntry,
    WaitStatus,
)
from app.domain import DomainError
from app.extensions import db
from app.notifications import notices
from app.reports import stats
from app.types import new_uid, rowcount, utcnow

UPCOMING = (BookingStatus.REQUESTED.value, BookingStatus.CONFIRMED.value)
HELD = tuple(s.value for s in ACTIVE_BOOKING)


class BookingError(DomainError):
    """A booking change that cannot be made; ``message`` is translated for the reader."""

    def __init__(self, message: object, *, full: bool = False, code: str = "refused") -> None:
        super().__init__(message)
        self.full = full
        self.code = "full" if full else code  # for API clients: full, already_booked...


class NotFoundError(LookupError):
    """No such object for this person (the view answers 404)."""


@dataclass(frozen=True)
class Limits:
    """Per-person rules, from the app config."""

    upcoming: int
    offer_hours: int

    @classmethod
    def current(cls) -> Limits:
        config = current_app.config
        return cls(upcoming=int(config.get("BOOKING_MAX_UPCOMING", 3)),
                   offer_hours=int(config.get("WAITLIST_OFFER_HOURS", 12)))


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def end_reads() -> None:
    """Commit the read-only checks without expiring loaded objects.

    The next transaction must begin with its write (see app/sqlite.py); expired objects
    would be reloaded by a SELECT first, which on SQLite turns the write into a failing
    lock upgrade under contention.
    """
    session = db.session()
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = True


def upcoming_count(user: User, now: datetime) -> int:
    """How many future sessions the person holds a booking for."""
    return db.session.scalar(
        select(func.count(Booking.id)).join(Session)
        .where(Booking.user_id == user.id, Booking.status.in_(UPCOMING),
               Session.starts_at > now)
    ) or 0


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


def _check_bookable(user: User, session: Session | None, now: datetime) -> Session:
    """Raise the clearest reason a person cannot book ``session``; reads only."""
    if session is None or session.status != SessionStatus.SCHEDULED.value:
        raise BookingError(_l("This session is not available."))
    service = session.service
    if session.starts_at <= now:
        raise BookingError(_l("This session has already started."))
    if session.starts_at < now + timedelta(hours=service.min_notice_hours):
        raise BookingError(_l("Bookings close %(hours)d hours before the session starts.",
                              hours=service.min_notice_hours))
    if session.starts_at > now + timedelta(days=service.horizon_days):
        raise BookingError(_l("This session cannot be booked yet: bookings open %(days)d days "
                              "ahead.", days=service.horizon_days))
    if active_booking(user, session.id):
        raise BookingError(_l("You already have a booking for this session."),
                          code="already_booked")
    if _clash(user, session):
        raise BookingError(_l("You already have a booking at that time."))
    return session


def _take_seat(session: Session, now: datetime) -> bool:
    """The conditional UPDATE that takes one seat; False when none is left."""
    notice = timedelta(hours=session.service.min_notice_hours)
    result = db.session.execute(
        update(Session).where(Session.id == session.id, Session.booked < Session.capacity,
                              Session.status == SessionStatus.SCHEDULED.value,
                              Session.starts_at > now + notice)
        .values(booked=Session.booked + 1).execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def _lock_person(user: User) -> None:
    """PostgreSQL: serialise one person's concurrent bookings (first, before any foreign
    key locks the person's row in share mode). SQLite serialises all writers anyway."""
    if _is_postgres():
        db.session.execute(select(User.id).where(User.id == user.id).with_for_update())


def _check_limit(user: User, now: datetime, limits: Limits) -> None:
    """Inside the transaction, after the new booking is written (and so counted): refuse
    a booking over the per-person limit."""
    if upcoming_count(user, now) > limits.upcoming:
        raise _limit_error(limits)


def _limit_error(limits: Limits) -> BookingError:
    return BookingError(_l("You can hold at most %(limit)d upcoming bookings. Cancel one to "
                           "book another.", limit=limits.upcoming))


def _add_booking(user: User, session: Session, now: datetime) -> Booking:
    status = (BookingStatus.REQUESTED if session.service.requires_confirmation
              else BookingStatus.CONFIRMED)
    booking = Booking(session_id=session.id, user_id=user.id, status=status.value,
                      created_at=now, changed_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError:
        raise BookingError(_l("You already have a booking for this session."),
                          code="already_booked") from None
    booking.session, booking.user = session, user
    return booking


def book(user: User, session_id: int, now: datetime | None = None) -> Booking:
    """Book a seat for ``user``; raises BookingError (``full=True`` when the session is full)."""
    now = now or utcnow()
    limits = Limits.current()
    session = _check_bookable(user, db.session.get(Session, session_id), now)
    if upcoming_count(user, now) >= limits.upcoming:
        db.session.rollback()
        raise _limit_error(limits)
    end_reads()  # the transaction below starts with its write
    try:
        _lock_person(user)
        booking = _add_booking(user, session, now)
        _check_limit(user, now, limits)
        mail.booking_changed(booking, "booked")
        # The seat and the other shared rows last (see the module docstring).
        if not _take_seat(session, now):
            raise BookingError(_l("This session is full. You can join the waiting list."),
                               full=True)
        stats.record_booking(stats.BOOKED, session, now)
        audit.record(user, "booking.created", booking, {"session": session.id})
        db.session.commit()
    except BookingError:
        db.session.rollback()
        raise
    db.session.refresh(session)
    return booking


def find_booking(user: User, uid: str) -> Booking:
    """The person's own booking by its public id; NotFound for anyone else's."""
    booking = db.session.scalar(select(Booking).where(Booking.uid == uid))
    if booking is None or booking.user_id != user.id:
        raise NotFoundError(uid)
    return booking


def can_cancel(booking: Booking, now: datetime) -> bool:
    """Whether the person may still cancel (before the session starts)."""
    return booking.status in UPCOMING and booking.session.starts_at > now


def is_late(booking: Booking, now: datetime) -> bool:
    """Whether cancelling now falls inside the service's cancellation window."""
    window = timedelta(hours=booking.session.service.cancellation_window_hours)
    return now > booking.session.starts_at - window


def _offer_expiry(session: Session, now: datetime, limits: Limits) -> datetime | None:
    """When an offer made now lapses: the set hold, cut short by the booking notice."""
    latest = session.starts_at - timedelta(hours=session.service.min_notice_hours)
    expires = min(now + timedelta(hours=limits.offer_hours), latest)
    return expires if expires > now else None


def release_seat(session: Session, now: datetime) -> WaitlistEntry | None:
    """Give a freed seat to the first person waiting (as an offer), else put it back.

    Runs inside the caller's write transaction; the conditional UPDATE makes sure one
    waiting entry receives the seat even when two seats free at once on PostgreSQL.
    """
    limits = Limits.current()
    expires = _offer_expiry(session, now, limits)
    while expires is not None:
        candidate = db.session.scalar(
            select(WaitlistEntry).where(WaitlistEntry.session_id == session.id,
                                        WaitlistEntry.status == WaitStatus.WAITING.value)
            .order_by(WaitlistEntry.position, WaitlistEntry.id).limit(1)
        )
        if candidate is None:
            break
        taken = rowcount(db.session.execute(
            update(WaitlistEntry).where(WaitlistEntry.id == candidate.id,
                                        WaitlistEntry.status == WaitStatus.WAITING.value)
            .values(status=WaitStatus.OFFERED.value, offered_at=now, offer_expires_at=expires)
            .execution_options(synchronize_session=False)
        ))
        if taken:
            db.session.refresh(candidate)
            mail.offer_made(candidate)
            return candidate
    db.session.execute(update(Session).where(Session.id == session.id, Session.booked > 0)
                       .values(booked=Session.booked - 1)
                       .execution_options(synchronize_session=False))
    return None


def _drop_reminder(booking: Booking) -> None:
    """Remove the booking's unsent, unclaimed reminder (every channel) from the outbox."""
    notices.drop_unsent(mail.reminder_key(booking))


def cancel(user: User, uid: str, now: datetime | None = None) -> Booking:
    """Cancel the person's booking; inside the window it counts as a late cancellation."""
    now = now or utcnow()
    booking = find_booking(user, uid)
    if booking.status not in UPCOMING:
        raise BookingError(_l("This booking cannot be cancelled any more."))
    if booking.session.starts_at <= now:
        raise BookingError(_l("The session has already started; it can no longer be "
                              "cancelled."))
    status = BookingStatus.LATE_CANCELLED if is_late(booking, now) else BookingStatus.CANCELLED
    session = booking.session
    end_reads()
    changed = rowcount(db.session.execute(
        update(Booking).where(Booking.id == booking.id, Booking.status.in_(UPCOMING))
        .values(status=status.value, cancelled_at=now, changed_at=now,
                sequence=Booking.sequence + 1)
        .execution_options(synchronize_session=False)
    ))
    if not changed:
        db.session.rollback()
        raise BookingError(_l("This booking cannot be cancelled any more."))
    db.session.refresh(booking)
    _drop_reminder(booking)
    mail.booking_changed(booking, "cancelled")
    # The seat and the other shared rows last (see the module docstring).
    release_seat(session, now)
    stats.record_booking(stats.CANCELLED if status == BookingStatus.CANCELLED
                         else stats.LATE_CANCELLED, session, now)
    audit.record(user, "booking.cancelled", booking, {"late": status.value != "cancelled"})
    db.session.commit()
    return booking


def reschedule(user: User, uid: str, session_id: int, now: datetime | None = None) -> Booking:
    """Move a booking to another session of the same service, inside the window only."""
    now = now or utcnow()
    booking = find_booking(user, uid)
    if not can_cancel(booking, now) or is_late(booking, now):
        raise BookingError(_l("This booking can no longer be changed. You can still cancel "
                              "it before it starts."))
    old = booking.session
    target = db.session.get(Session, session_id)
    if target is None or target.service_id != old.service_id or target.id == old.id:
        raise BookingError(_l("Choose another session of the same service."))
    _check_bookable(user, target, now)
    if _clash(user, target, ignore=booking.id):
        raise BookingError(_l("You already have a booking at that time."))
    end_reads()
    try:
        if not _take_seat(target, now):
            raise BookingError(_l("This session is full. You can join the waiting list."),
                               full=True)
        status = (BookingStatus.REQUESTED if target.service.requires_confirmation
                  else BookingStatus.CONFIRMED)
        try:
            with db.session.begin_nested():
                moved = rowcount(db.session.execute(
                    update(Booking).where(Booking.id == booking.id, Booking.session_id == old.id,
                                          Booking.status.in_(UPCOMING))
                    .values(session_id=target.id, status=status.value, changed_at=now,
                            sequence=Booking.sequence + 1)
                    .execution_options(synchronize_session=False)
                ))
        except IntegrityError:
            moved = 0
        if not moved:
            raise BookingError(_l("This booking can no longer be changed. You can still "
                                  "cancel it before it starts."))
        _drop_reminder(booking)
        db.session.refresh(booking)
        release_seat(old, now)
        audit.record(user, "booking.rescheduled", booking, {"from": old.id, "to": target.id})
        mail.booking_changed(booking, "changed")
        db.session.commit()
    except BookingError:
        db.session.rollback()
        raise
    return booking


# -- waitlist ------------------------------------------------------------------------------

def join_waitlist(user: User, session_id: int, now: datetime | None = None) -> WaitlistEntry:
    """Queue for a full session."""
    now = now or utcnow()
    session = _check_bookable(user, db.session.get(Session, session_id), now)
    if session.booked < session.capacity:
        raise BookingError(_l("This session still has free seats: book one instead."))
    end_reads()
    next_position = (select(func.coalesce(func.max(WaitlistEntry.position), 0) + 1)
                     .where(WaitlistEntry.session_id == session_id).scalar_subquery())
    try:
        with db.session.begin_nested():
            db.session.execute(insert(WaitlistEntry).values(
                uid=new_uid(), session_id=session_id, user_id=user.id,
                position=next_position, status=WaitStatus.WAITING.value, created_at=now))
    except IntegrityError:
        db.session.rollback()
        raise BookingError(_l("You are already on the waiting list for this session.")) from None
    stats.record_booking(stats.WAITLIST, session, now)
    audit.record(user, "waitlist.joined", f"sessions:{session_id}")
    db.session.commit()
    return db.session.scalars(select(WaitlistEntry).where(
        WaitlistEntry.session_id == session_id, WaitlistEntry.user_id == user.id,
        WaitlistEntry.status == WaitStatus.WAITING.value)).one()


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
    session = entry.session
    end_reads()
    offered = rowcount(db.session.execute(
        update(WaitlistEntry).where(WaitlistEntry.id == entry.id,
                                    WaitlistEntry.status == WaitStatus.OFFERED.value)
        .values(status=WaitStatus.LEFT.value).execution_options(synchronize_session=False)
    ))
    if offered:
        release_seat(session, now)
    else:
        db.session.execute(
            update(WaitlistEntry).where(WaitlistEntry.id == entry.id,
                                        WaitlistEntry.status == WaitStatus.WAITING.value)
            .values(status=WaitStatus.LEFT.value).execution_options(synchronize_session=False))
    audit.record(user, "waitlist.left", f"sessions:{session.id}")
    db.session.commit()


def accept_offer(user: User, uid: str, now: datetime | None = None) -> Booking:
    """Turn a live offer into a booking; the seat was already held for the person."""
    now = now or utcnow()
    entry = find_entry(user, uid)
    session = entry.session
    limits = Limits.current()
    if upcoming_count(user, now) >= limits.upcoming:
        db.session.rollback()
        raise _limit_error(limits)
    end_reads()
    accepted = rowcount(db.session.execute(
        update(WaitlistEntry).where(WaitlistEntry.id == entry.id,
                                    WaitlistEntry.status == WaitStatus.OFFERED.value,
                                    WaitlistEntry.offer_expires_at > now)
        .values(status=WaitStatus.ACCEPTED.value).execution_options(synchronize_session=False)
    ))
    if not accepted:
        db.session.rollback()
        raise BookingError(_l("This offer has expired or was already used."))
    try:
        booking = _add_booking(user, session, now)
    except BookingError:
        db.session.rollback()
        raise
    stats.record_booking(stats.BOOKED, session, now)
    audit.record(user, "waitlist.accepted", booking, {"session": session.id})
    mail.booking_changed(booking, "booked")
    db.session.commit()
    return booking


def expire_offers(now: datetime | None = None) -> int:
    """Lapse offers past their time and pass each seat on; returns how many lapsed."""
    now = now or utcnow()
    due = db.session.scalars(select(WaitlistEntry.id).where(
        WaitlistEntry.status == WaitStatus.OFFERED.value,
        WaitlistEntry.offer_expires_at <= now)).all()
    end_reads()
    lapsed = 0
    for entry_id in due:
        changed = rowcount(db.session.execute(
            update(WaitlistEntry).where(WaitlistEntry.id == entry_id,
                                        WaitlistEntry.status == WaitStatus.OFFERED.value)
            .values(status=WaitStatus.EXPIRED.value).execution_options(synchronize_session=False)
        ))
        if changed:
            entry = db.session.get_one(WaitlistEntry, entry_id)
            release_seat(entry.session, now)
            lapsed += 1
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
