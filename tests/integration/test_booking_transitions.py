"""The booking state table: every move from every status, allowed or refused, with what it
does besides the status (the seat, the 24 h reminder, the email, the statistic, the audit).

The expectations below are written out by hand, not read from ``transitions.MOVES``: a
change to the machine must change this table too. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.booking import bookings, mail
from app.booking.bookings import BookingError
from app.booking.invariants import seat_mismatches
from app.booking.models import (
    ACTIVE_BOOKING,
    Booking,
    BookingStatus,
    Session,
    WaitlistEntry,
    WaitStatus,
)
from app.booking.transitions import MOVES, apply
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.reports.models import ActivityStat
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401

pytestmark = pytest.mark.usefixtures("seat_invariant")

UP = {"requested", "confirmed"}
# move: (allowed from, to, seat, reminder after, email kind, statistic, audit action)
# seat: "keep", "release" (the seat goes to the first person waiting), "free" (back to the
# pool even though someone waits: the session is called off).
BOOKING_TABLE = {
    "confirm": ({"requested"}, "confirmed", "keep", "queued", "booking.confirmed", None,
                "booking.confirm"),
    "check_in": (UP, "checked_in", "keep", "kept", None, None, "booking.check_in"),
    "attended": ({"confirmed", "checked_in"}, "attended", "keep", "kept", None, "attended",
                 "booking.attended"),
    "no_show": (UP, "no_show", "keep", "kept", None, "no_show", "booking.no_show"),
    "cancel": (UP, "cancelled", "release", "none", "booking.cancelled", "cancelled",
               "booking.cancelled"),
    "late_cancel": (UP, "late_cancelled", "release", "none", "booking.cancelled",
                    "late_cancelled", "booking.cancelled"),
    "session_cancel": (UP, "cancelled", "free", "none", "booking.cancelled",
                       "centre_cancelled", "booking.session_cancelled"),
    "centre_cancel": (UP, "cancelled", "release", "none", "booking.centre_cancelled",
                      "centre_cancelled", "booking.centre_cancelled"),
    # A closure tells each person once for all their bookings (closures.py), not per move.
    "closure_cancel": (UP, "cancelled", "free", "none", None, "centre_cancelled",
                       "booking.closure_cancelled"),
    "erase": (UP, "cancelled", "release", "none", None, None, None),
}
ENTRY_TABLE = {
    "offer": ({"waiting"}, "offered", "keep", "waitlist.offer", "waitlist.offered"),
    "accept": ({"offered"}, "accepted", "keep", None, None),
    "lapse": ({"offered"}, "expired", "release", None, "waitlist.lapsed"),
    "leave": ({"waiting"}, "left", "keep", None, "waitlist.left"),
    "decline": ({"offered"}, "left", "release", None, "waitlist.left"),
    "withdraw": ({"waiting"}, "expired", "keep", None, None),
    "withdraw_offer": ({"offered"}, "expired", "free", None, None),
}
ACTIVE = {s.value for s in BookingStatus} - {"cancelled", "late_cancelled"}


def test_table_covers_every_move():
    assert set(MOVES) == set(BOOKING_TABLE) | set(ENTRY_TABLE) | {"book", "claim", "join",
                                                                  "reschedule"}


def test_every_booking_move_starts_from_an_active_status():
    """``_write_booking`` takes no SAVEPOINT for a move within one session: a row that was
    already in the one-active-booking index cannot clash there. A move from an inactive
    status would need it back."""
    active = {s.value for s in ACTIVE_BOOKING}
    for name, move in MOVES.items():
        if move.kind == "booking":
            assert {s for s in move.sources if s is not None} <= active, name


@pytest.fixture
def world(counsellor, make_user):
    service = make_service("group", capacity=3)
    centre = make_centre(services=[service], staff=[counsellor])
    session = make_session(centre, service, counsellor, starts_in=timedelta(days=3))
    return {"session": session, "person": make_user(), "other": make_user(),
            "counsellor": counsellor}


def _waiting(session: Session, user, status: str = "waiting", position: int = 2,
             now=None) -> WaitlistEntry:
    now = now or utcnow()
    entry = WaitlistEntry(session_id=session.id, user_id=user.id, position=position,
                          status=status, created_at=now,
                          offered_at=now if status == "offered" else None,
                          offer_expires_at=now + timedelta(hours=1)
                          if status == "offered" else None)
    db.session.add(entry)
    return entry


def _state(session: Session):
    db.session.expire_all()
    kinds = sorted(db.session.scalars(select(OutboxMessage.kind)).all())
    stats = sorted(db.session.scalars(select(ActivityStat.event)).all())
    audits = db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)).all()
    return db.session.get(Session, session.id).booked, kinds, stats, list(audits)


def _reminders(booking: Booking) -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.dedupe_key == mail.reminder_key(booking))) or 0


@pytest.mark.parametrize("status", [s.value for s in BookingStatus])
@pytest.mark.parametrize("name", sorted(BOOKING_TABLE))
def test_booking_move(world, name, status):
    sources, target, seat, reminder, notice, stat, action = BOOKING_TABLE[name]
    session, person = world["session"], world["person"]
    booking = Booking(session_id=session.id, user_id=person.id, status=status)
    db.session.add(booking)
    session.booked = 1 if status in ACTIVE else 0
    waiting = _waiting(session, world["other"])
    db.session.flush()
    if status in UP:
        mail.queue_reminder(booking)
    db.session.commit()
    before = _state(session)
    had_reminder = _reminders(booking)
    # Attendance is recorded from an hour before; a freed seat is offered only before
    # the booking notice closes.
    now = (session.starts_at - timedelta(minutes=30)
           if name in ("check_in", "attended", "no_show") else utcnow())

    result = apply(name, world["counsellor"], now=now, booking=booking)
    db.session.commit()
    booked, kinds, stats, audits = _state(session)
    if status not in sources:
        assert result is None
        assert db.session.get(Booking, booking.id).status == status
        assert (booked, kinds, stats, audits) == before
        return
    assert db.session.get(Booking, booking.id).status == target
    entry_status = db.session.get(WaitlistEntry, waiting.id).status
    if seat == "release":  # the seat passes to the first person waiting
        assert (booked, entry_status) == (before[0], "offered")
    elif seat == "free":
        assert (booked, entry_status) == (before[0] - 1, "waiting")
    else:
        assert (booked, entry_status) == (before[0], "waiting")
    new_kinds = sorted(set(kinds) - set(before[1])) if kinds != before[1] else []
    expected = {"queued": 1, "kept": had_reminder, "none": 0}[reminder]
    assert _reminders(booking) == expected
    emails = [k for k in new_kinds if k not in ("booking.reminder", "waitlist.offer")]
    assert emails == ([notice] if notice else [])
    assert stats == sorted(before[2] + ([stat] if stat else []))
    offered = ["waitlist.offered"] if seat == "release" else []  # the seat passed on
    # The move is recorded before the seat it frees is offered on (the seat goes last).
    assert audits[len(before[3]):] == ([action] if action else []) + offered
    assert seat_mismatches() == []


@pytest.mark.parametrize("status", [s.value for s in WaitStatus])
@pytest.mark.parametrize("name", sorted(ENTRY_TABLE))
def test_waitlist_move(world, name, status):
    sources, target, seat, notice, action = ENTRY_TABLE[name]
    session = world["session"]
    now = utcnow()
    entry = _waiting(session, world["person"], status, position=1, now=now)
    behind = _waiting(session, world["other"], position=2, now=now)
    # An open offer holds a seat; "offer" is made for a seat just freed (and so held).
    session.booked = 1 if status == "offered" or (name, status) == ("offer", "waiting") else 0
    db.session.commit()
    before = _state(session)
    values = {"offered_at": now, "offer_expires_at": now + timedelta(hours=2)} \
        if name == "offer" else None
    result = apply(name, world["person"], now=now, entry=entry, values=values)
    if name == "accept" and result is not None:  # always followed by its booking
        apply("claim", world["person"], now=now, user=world["person"], session=session)
    db.session.commit()
    booked, kinds, stats, audits = _state(session)
    if status not in sources:
        assert result is None
        assert db.session.get(WaitlistEntry, entry.id).status == status
        assert (booked, kinds, stats, audits) == before
        return
    assert db.session.get(WaitlistEntry, entry.id).status == target
    behind_status = db.session.get(WaitlistEntry, behind.id).status
    if seat == "release":
        assert (booked, behind_status) == (before[0], "offered")
    elif seat == "free":
        assert (booked, behind_status) == (before[0] - 1, "waiting")
    else:
        assert (booked, behind_status) == (before[0], "waiting")
    offers = kinds.count("waitlist.offer") - before[1].count("waitlist.offer")
    assert offers == (1 if notice or seat == "release" else 0)
    claimed = ["waitlist.accepted"] if name == "accept" else []
    offered = ["waitlist.offered"] if seat == "release" else []  # the seat passed on
    assert audits[len(before[3]):] == ([action] if action else claimed) + offered


def test_new_rows_and_reschedule(world, counsellor):
    """book takes a seat, queues the email and reminder; claim uses the seat an offer held;
    reschedule moves the seat and the reminder, a new calendar revision."""
    session, person = world["session"], world["person"]
    booking = bookings.book(person, session.id)
    booked, kinds, stats, audits = _state(session)
    assert (booking.status, booked) == ("confirmed", 1)
    assert kinds == ["booking.booked", "booking.reminder"]
    assert (stats, audits[-1]) == (["booked"], "booking.created")

    later = make_session(session.centre, session.service, counsellor,
                         starts_in=timedelta(days=5))
    sequence = booking.sequence
    bookings.reschedule(person, booking.uid, later.id)
    db.session.expire_all()
    moved = db.session.get(Booking, booking.id)
    assert moved.session_id == later.id
    assert moved.sequence == sequence + 1
    assert db.session.get(Session, session.id).booked == 0
    assert db.session.get(Session, later.id).booked == 1
    assert _reminders(moved) == 1
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.kind == "booking.reminder")) == 1  # the old one is gone
    assert _state(session)[3][-1] == "booking.rescheduled"

    entry = _waiting(later, world["other"], "offered", position=1)
    later.booked += 1  # the offer holds a seat
    db.session.commit()
    claimed = bookings.accept_offer(world["other"], entry.uid)
    db.session.expire_all()
    assert claimed.status == "confirmed"
    assert db.session.get(Session, later.id).booked == 2  # no second seat taken
    assert db.session.get(WaitlistEntry, entry.id).status == "accepted"
    assert seat_mismatches() == []


@pytest.mark.parametrize("action", ["check_in", "attended", "no_show"])
def test_attendance_only_from_an_hour_before(world, action):
    session = world["session"]
    booking = bookings.book(world["person"], session.id)
    with pytest.raises(BookingError, match="about to start"):
        bookings.record(world["counsellor"], booking, action,
                        now=session.starts_at - timedelta(hours=2))
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "confirmed"
