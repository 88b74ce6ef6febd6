"""The booking state machine: every change of a booking or waiting-list place, in one place.

``MOVES`` says, for each move, which statuses it starts from and ends in and what else it
does: the calendar revision (``Booking.sequence``), the 24 h reminder, the seat, the email,
the de-identified statistic and the audit event. ``apply`` is the only code that changes a
``Booking`` or ``WaitlistEntry`` status: it runs the conditional UPDATE (``WHERE status IN
sources``, so two clicks or two people at once cannot both apply one change) and then
the side effects the table names, in the caller's transaction. Callers (bookings.py for
workers, counselling/ for counsellors, privacy.py for erasure) decide who may ask; the
table decides what a move does.

The row that many bookings share, the session's seat count, is written last, just before
the commit (see bookings.py), so its lock is held for the commit alone. Everything else goes
before it: the emails and reminders (outbox rows), the audit event (its chain is the
actor's, app/audit, which other people's bookings do not share) and the de-identified
statistic; the statistic's roll-up cell, which bookings of one session share too, is
counted right after the commit (app/reports/stats.py).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import and_, bindparam, exists, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from app import audit
from app.accounts.models import User
from app.booking import bookable, mail
from app.booking.models import (
    ACTIVE_SQL,
    Booking,
    BookingStatus,
    Session,
    WaitlistEntry,
    WaitStatus,
)
from app.domain import DomainError
from app.extensions import db
from app.notifications import notices
from app.reports import stats
from app.types import new_uid, rowcount


class BookingError(DomainError):
    """A booking change that cannot be made; ``message`` is translated for the reader."""

    def __init__(self, message: object, *, full: bool = False, code: str = "refused") -> None:
        super().__init__(message)
        self.full = full
        self.code = "full" if full else code  # for API clients: full, already_booked...


class Seat(enum.StrEnum):
    """What a move does to the session's seat count."""

    KEEP = "keep"        # nothing (the seat stays held, or none was held)
    TAKE = "take"        # one more seat, only where the session is bookable
    MOVE = "move"        # take one in the new session, release the old one
    RELEASE = "release"  # free it: to the first person waiting, else back to the pool
    FREE = "free"        # back to the pool (the session itself is called off)


class Reminder(enum.StrEnum):
    """What a move does to the booking's queued 24 h reminder."""

    KEEP = "keep"
    QUEUE = "queue"
    REQUEUE = "requeue"  # drop the queued one and queue it again (new time or status)
    DROP = "drop"


BY_SERVICE = "by_service"  # requested if the service needs confirmation, else confirmed
NEW = None  # a move that creates the row
UPCOMING = (BookingStatus.REQUESTED.value, BookingStatus.CONFIRMED.value)


# Listeners told of each booking move in its transaction (``hook(name, booking, now)``), e.g.
# a course of care opening at the first individual session; registered from create_app.
BookingHook = Callable[[str, Booking, datetime], None]
BOOKING_HOOKS: list[BookingHook] = []


@dataclass(frozen=True)
class Move:
    """One allowed move and everything it does besides the status change."""

    kind: str                      # "booking" or "entry"
    sources: tuple[str | None, ...]
    target: str
    seat: Seat = Seat.KEEP
    reminder: Reminder = Reminder.KEEP
    notice: str | None = None      # mail kind (see mail.py)
    stat: str | None = None        # de-identified activity (app/reports/stats.py)
    audit: str | None = None       # audit action
    sequence: bool = False         # a new calendar revision
    earliest: timedelta | None = None  # allowed only from this long before the start


_B, _E = "booking", "entry"
_HOUR = timedelta(hours=1)
MOVES: dict[str, Move] = {
    # -- bookings: the worker ------------------------------------------------------------------
    "book": Move(_B, (NEW,), BY_SERVICE, Seat.TAKE, Reminder.QUEUE, "booked", stats.BOOKED,
                 "booking.created"),
    "claim": Move(_B, (NEW,), BY_SERVICE, Seat.KEEP, Reminder.QUEUE, "booked", stats.BOOKED,
                  "waitlist.accepted"),  # a new booking in the seat an offer held
    "reschedule": Move(_B, UPCOMING, BY_SERVICE, Seat.MOVE, Reminder.REQUEUE, "changed", None,
                       "booking.rescheduled", sequence=True),
    "cancel": Move(_B, UPCOMING, "cancelled", Seat.RELEASE, Reminder.DROP, "cancelled",
                   stats.CANCELLED, "booking.cancelled", sequence=True),
    "late_cancel": Move(_B, UPCOMING, "late_cancelled", Seat.RELEASE, Reminder.DROP,
                        "cancelled", stats.LATE_CANCELLED, "booking.cancelled", sequence=True),
    # -- bookings: the counsellor ----------------------------------------------------------------
    "confirm": Move(_B, ("requested",), "confirmed", Seat.KEEP, Reminder.REQUEUE, "confirmed",
                    None, "booking.confirm", sequence=True),
    "check_in": Move(_B, UPCOMING, "checked_in", audit="booking.check_in", earliest=_HOUR),
    "attended": Move(_B, ("confirmed", "checked_in"), "attended", stat=stats.ATTENDED,
                     audit="booking.attended", earliest=_HOUR),
    "no_show": Move(_B, UPCOMING, "no_show", stat=stats.NO_SHOW, audit="booking.no_show",
                    earliest=_HOUR),
    "session_cancel": Move(_B, UPCOMING, "cancelled", Seat.FREE, Reminder.DROP, "cancelled",
                           stats.CENTRE_CANCELLED, "booking.session_cancelled", sequence=True),
    # one booking called off by its counsellor (or an admin): the seat goes to the next waiting
    "centre_cancel": Move(_B, UPCOMING, "cancelled", Seat.RELEASE, Reminder.DROP,
                          "centre_cancelled", stats.CENTRE_CANCELLED, "booking.centre_cancelled",
                          sequence=True),
    # the centre is closed that day (closures.py): one notice per person for all their
    # bookings in the closure, sent by closures.py instead of one per booking
    "closure_cancel": Move(_B, UPCOMING, "cancelled", Seat.FREE, Reminder.DROP, None,
                           stats.CENTRE_CANCELLED, "booking.closure_cancelled", sequence=True),
    # -- bookings: the account is deleted (its emails go with it) ------------------------------
    "erase": Move(_B, UPCOMING, "cancelled", Seat.RELEASE, Reminder.DROP),
    # -- waiting-list places --------------------------------------------------------------------
    "join": Move(_E, (NEW,), "waiting", stat=stats.WAITLIST, audit="waitlist.joined"),
    "offer": Move(_E, ("waiting",), "offered", notice="offer",  # holds the freed seat
                  audit="waitlist.offered"),
    "accept": Move(_E, ("offered",), "accepted"),  # followed by "claim"
    "lapse": Move(_E, ("offered",), "expired", Seat.RELEASE, audit="waitlist.lapsed"),
    "leave": Move(_E, ("waiting",), "left", audit="waitlist.left"),
    "decline": Move(_E, ("offered",), "left", Seat.RELEASE, audit="waitlist.left"),
    "withdraw": Move(_E, ("waiting",), "expired"),  # the session was called off
    "withdraw_offer": Move(_E, ("offered",), "expired", Seat.FREE),
}


def _offer_hours() -> int:
    return int(current_app.config.get("WAITLIST_OFFER_HOURS", 12))


def offer_expiry(session: Session, now: datetime) -> datetime | None:
    """When an offer made now lapses: the set hold, cut short by the booking notice."""
    latest = session.starts_at - timedelta(hours=session.service.min_notice_hours)
    expires = min(now + timedelta(hours=_offer_hours()), latest)
    return expires if expires > now else None


def release_seat(session: Session, now: datetime, by: User | None = None) -> WaitlistEntry | None:
    """Give a freed seat to the first person waiting (as an offer), else put it back.

    ``by``: who freed it; the offer's audit event goes in their chain (``audit.record``'s
    ``chain_by``), which their own move has already claimed.

    Most seats freed have nobody waiting for them: one UPDATE frees the seat unless
    somebody waits (where a SELECT of the first waiting entry came first on every
    cancel). Only when it frees nothing is the first waiting entry read and offered the
    seat; the conditional UPDATE of the "offer" move makes sure one waiting entry
    receives it even when two seats free at once on PostgreSQL.
    """
    expires = offer_expiry(session, now)
    while expires is not None:
        if rowcount(db.session.execute(_FREE_UNLESS_WAITING, {"session": session.id})):
            return None
        candidate = db.session.scalar(_FIRST_WAITING, {"session": session.id})
        if candidate is None:  # the waiting entry left meanwhile (or no seat was held)
            break
        if apply("offer", None, entry=candidate, now=now, chain_by=by,
                 values={"offered_at": now, "offer_expires_at": expires}):
            return candidate
    _free_seat(session)
    return None


# Built once (a cancel runs them; building a statement cost more CPU than running it).
_WAITING = and_(WaitlistEntry.session_id == bindparam("session"),
                WaitlistEntry.status == WaitStatus.WAITING.value)
_FIRST_WAITING = (select(WaitlistEntry).where(_WAITING)
                  .order_by(WaitlistEntry.position, WaitlistEntry.id).limit(1))
_FREE_SEAT = (update(Session).where(Session.id == bindparam("session"), Session.booked > 0)
              .values(booked=Session.booked - 1).execution_options(synchronize_session=False))
_FREE_UNLESS_WAITING = _FREE_SEAT.where(~exists().where(_WAITING))


def _free_seat(session: Session) -> None:
    db.session.execute(_FREE_SEAT, {"session": session.id})


def _drop_reminder(key: str) -> None:
    """Remove a booking's unsent, unclaimed reminder from the outbox, on every channel."""
    notices.drop_unsent(key)


def _target(move: Move, session: Session) -> str:
    if move.target != BY_SERVICE:
        return move.target
    return (BookingStatus.REQUESTED if session.service.requires_confirmation
            else BookingStatus.CONFIRMED).value


def _full() -> BookingError:
    return BookingError(_l("This session is full. You can join the waiting list."), full=True)


def _already_booked() -> BookingError:
    return BookingError(_l("You already have a booking for this session."),
                        code="already_booked")


def _write_booking(move: Move, booking: Booking | None, user: User | None,
                   session: Session | None, now: datetime) -> Booking | None:
    """Insert the booking, or move its status with a conditional UPDATE; None if it lost."""
    if booking is None:  # a new booking
        assert user is not None
        assert session is not None
        return _insert_booking(move, user, session, now)
    target_session = session or booking.session
    values: dict[str, Any] = {"status": _target(move, target_session), "changed_at": now}
    if move.target in ("cancelled", "late_cancelled"):
        values["cancelled_at"] = now
    if move.seat == Seat.MOVE:
        values["session_id"] = target_session.id
    params = {**values, "b_id": booking.id, "b_session": booking.session_id}
    if move.seat != Seat.MOVE:
        # Every source status is active: a row that keeps its session keeps its place in
        # the one-active-booking index, so no SAVEPOINT is needed to catch a clash.
        written = db.session.execute(_status_update(move), params).first()
    else:
        try:
            with db.session.begin_nested():
                written = db.session.execute(_status_update(move), params).first()
        except IntegrityError:  # the person already holds the target session
            written = None
    if written is None:
        return None
    if move.seat == Seat.MOVE:  # another session: its relationship is read again too
        db.session.refresh(booking)
        return booking
    # The row is what the UPDATE wrote (RETURNING gives the one value computed in SQL):
    # set it as loaded rather than reading the row back.
    values["sequence"] = written.sequence
    for key, value in values.items():
        set_committed_value(booking, key, value)
    return booking


_STATUS_UPDATES: dict[int, Any] = {}


def _status_update(move: Move) -> Any:
    """The move's conditional UPDATE of one booking, built once per move: its values are
    parameters named as the columns (``b_id`` and ``b_session`` name the row)."""
    statement = _STATUS_UPDATES.get(id(move))
    if statement is None:
        table = Booking.__table__
        values: dict[str, Any] = {"status": bindparam("status"),
                                  "changed_at": bindparam("changed_at")}
        if move.sequence:
            values["sequence"] = table.c.sequence + 1
        if move.target in ("cancelled", "late_cancelled"):
            values["cancelled_at"] = bindparam("cancelled_at")
        if move.seat == Seat.MOVE:
            values["session_id"] = bindparam("session_id")
        statement = (update(table)
                     .where(table.c.id == bindparam("b_id"),
                            table.c.session_id == bindparam("b_session"),
                            table.c.status.in_(move.sources))
                     .values(**values).returning(table.c.sequence))
        _STATUS_UPDATES[id(move)] = statement
    return statement


_BOOKING_INSERTS: dict[str, Any] = {}


def _insert_booking(move: Move, user: User, session: Session, now: datetime) -> Booking:
    """The new booking in one INSERT; "already booked" when the person holds an active
    booking of the session (the partial unique index: ``ON CONFLICT DO NOTHING`` where a
    SAVEPOINT and the ORM's flush cost more CPU than the rest of the write)."""
    booking = Booking(uid=new_uid(), session_id=session.id, user_id=user.id,
                      status=_target(move, session), created_at=now, changed_at=now,
                      cancelled_at=None, sequence=0)
    row = {key: getattr(booking, key) for key in (
        "uid", "session_id", "user_id", "status", "created_at", "changed_at", "sequence")}
    new_id = db.session.execute(_booking_insert(), row).scalar()
    if new_id is None:
        raise _already_booked()
    booking.id = new_id
    booking.session, booking.user = session, user
    make_transient_to_detached(booking)  # loaded as written: nothing left to flush
    db.session.add(booking)
    return booking


def _booking_insert() -> Any:
    dialect = db.session.get_bind().dialect.name
    statement = _BOOKING_INSERTS.get(dialect)
    if statement is None:
        table = Booking.__table__
        build = pg_insert if dialect == "postgresql" else sqlite_insert
        statement = (build(table)
                     .on_conflict_do_nothing(index_elements=["session_id", "user_id"],
                                             index_where=text(ACTIVE_SQL))
                     .returning(table.c.id))
        _BOOKING_INSERTS[dialect] = statement
    return statement


def _write_entry(move: Move, entry: WaitlistEntry | None, user: User | None,
                 session: Session | None, now: datetime,
                 values: dict[str, Any]) -> WaitlistEntry | None:
    """Insert a waiting-list place, or move its status; None if it lost."""
    if entry is None:
        assert user is not None
        assert session is not None
        position = (select(func.coalesce(func.max(WaitlistEntry.position), 0) + 1)
                    .where(WaitlistEntry.session_id == session.id).scalar_subquery())
        try:
            with db.session.begin_nested():
                db.session.execute(insert(WaitlistEntry).values(
                    uid=new_uid(), session_id=session.id,
                    user_id=user.id, position=position, status=move.target, created_at=now))
        except IntegrityError:
            raise BookingError(_l("You are already on the waiting list for this session.")
                               ) from None
        return db.session.scalar(select(WaitlistEntry).where(
            WaitlistEntry.session_id == session.id, WaitlistEntry.user_id == user.id,
            WaitlistEntry.status == move.target))
    query = update(WaitlistEntry).where(WaitlistEntry.id == entry.id,
                                        WaitlistEntry.status.in_(move.sources))
    if move is MOVES["accept"]:
        query = query.where(WaitlistEntry.offer_expires_at > now)
    changed = rowcount(db.session.execute(query.values(status=move.target, **values)
                                 .execution_options(synchronize_session=False)))
    if not changed:
        return None
    db.session.refresh(entry)
    return entry


def too_early(move: Move, session: Session, now: datetime) -> bool:
    """Whether the move is asked for before the time it may be recorded."""
    return move.earliest is not None and session.starts_at - move.earliest > now


def apply(name: str, actor: User | None, *, now: datetime, booking: Booking | None = None,
          entry: WaitlistEntry | None = None, user: User | None = None,
          session: Session | None = None, guard: Callable[[], None] | None = None,
          detail: dict[str, Any] | None = None, values: dict[str, Any] | None = None,
          chain_by: User | None = None) -> Booking | WaitlistEntry | None:
    """Make move ``name`` and its side effects; None when the row was no longer in a source
    status (the caller says why). Raises BookingError when no seat can be taken.

    ``user`` and ``session`` name the new row's person and session (for a reschedule,
    ``session`` is the new one); ``guard`` runs right after the write (e.g. a per-person
    limit that must count the new row); ``chain_by`` is for a system move made on someone's
    behalf (see ``release_seat``); the caller commits or rolls back.
    """
    move = MOVES[name]
    old_session: Session | None = None
    if move.kind == _E:
        row: Booking | WaitlistEntry | None = _write_entry(move, entry, user, session, now,
                                                           values or {})
        if row is None:
            return None
        where = session or row.session
    else:
        old_session = booking.session if booking is not None else None
        old_key = mail.reminder_key(booking) if booking is not None else None
        row = _write_booking(move, booking, user, session, now)
        if row is None:
            return None
        if move.reminder in (Reminder.DROP, Reminder.REQUEUE) and old_key is not None:
            _drop_reminder(old_key)  # keyed by the session it was queued for
        where = row.session
    if guard is not None:
        guard()
    if isinstance(row, Booking):
        with mail.one_calendar(row):  # the email and reminders share one calendar
            if move.notice:
                mail.booking_changed(row, move.notice)
            if move.reminder in (Reminder.QUEUE, Reminder.REQUEUE):
                mail.queue_reminder(row)
    elif move.notice == "offer":
        mail.offer_made(row)
    if move.audit:  # system moves (offer, lapse) are recorded without an actor
        target: Any = row if isinstance(row, Booking) else f"sessions:{where.id}"
        audit.record(actor, move.audit, target, detail,  # the actor's chain: not shared
                     chain_by=chain_by)
    if move.stat:  # its shared roll-up cell is counted after the commit (app/reports/stats)
        stats.record_booking(move.stat, where, now)
    if isinstance(row, Booking):
        for hook in BOOKING_HOOKS:  # e.g. a course of care opens (app/counselling/courses)
            hook(name, row, now)
    # The seat last: its UPDATE is the last statement before the commit (bookings.py).
    if move.seat in (Seat.TAKE, Seat.MOVE) and not bookable.take_seat(where, now):
        raise _full()
    if move.seat == Seat.MOVE and old_session is not None:
        release_seat(old_session, now, actor)
    elif move.seat == Seat.RELEASE:
        release_seat(where, now, actor)
    elif move.seat == Seat.FREE:
        _free_seat(where)
    return row
