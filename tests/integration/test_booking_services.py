"""Booking rules: notice, horizon, limits, one per session, cancel windows, waitlist offers."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import event, func, select
from sqlalchemy import text as sa_text

from app.booking import bookings
from app.booking.bookings import BookingError
from app.booking.models import Booking, Session, WaitlistEntry
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401

pytestmark = pytest.mark.usefixtures("seat_invariant")


@pytest.fixture
def worker(make_user):
    """A worker with an email address, so that emails are queued."""
    return make_user()


@pytest.fixture
def group(counsellor):
    service = make_service(capacity=2)
    centre = make_centre(services=[service], staff=[counsellor])
    return make_session(centre, service, counsellor)


def seats(session: Session) -> int:
    db.session.expire_all()
    return db.session.get(Session, session.id).booked


def test_book_takes_a_seat_and_queues_email_and_reminder(group, worker):
    booking = bookings.book(worker, group.id)
    assert booking.status == "confirmed"
    assert seats(group) == 1
    kinds = db.session.scalars(select(OutboxMessage.kind)).all()
    assert sorted(kinds) == ["booking.booked", "booking.reminder"]


@pytest.mark.parametrize(("starts_in", "message"), [
    (timedelta(hours=-1), "already started"),
    (timedelta(hours=1), "Bookings close 2 hours"),
    (timedelta(days=40), "bookings open 30 days"),
])
def test_refuses_outside_notice_and_horizon(counsellor, worker, starts_in, message):
    service = make_service()
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor, starts_in=starts_in)
    with pytest.raises(BookingError, match=message):
        bookings.book(worker, session.id)
    assert seats(session) == 0
    assert db.session.scalar(select(func.count(Booking.id))) == 0


def test_second_booking_of_a_session_refused(group, worker):
    bookings.book(worker, group.id)
    with pytest.raises(BookingError, match="already have a booking for this session"):
        bookings.book(worker, group.id)
    assert seats(group) == 1


def test_full_session_offers_waitlist(group, make_user):
    for _ in range(2):
        bookings.book(make_user(), group.id)
    with pytest.raises(BookingError) as err:
        bookings.book(make_user(), group.id)
    assert err.value.full
    assert seats(group) == 2


def test_at_most_three_upcoming(counsellor, worker):
    service = make_service()
    centre = make_centre(services=[service])
    sessions = [make_session(centre, service, counsellor, starts_in=timedelta(days=d))
                for d in (2, 3, 4, 5)]
    for session in sessions[:3]:
        bookings.book(worker, session.id)
    with pytest.raises(BookingError, match="at most 3"):
        bookings.book(worker, sessions[3].id)
    assert seats(sessions[3]) == 0


def test_cancel_inside_and_after_window(counsellor, worker):
    service = make_service()
    centre = make_centre(services=[service])
    early = make_session(centre, service, counsellor, starts_in=timedelta(days=3))
    soon = make_session(centre, service, counsellor, starts_in=timedelta(hours=5))
    a = bookings.book(worker, early.id)
    b = bookings.book(worker, soon.id)
    assert bookings.cancel(worker, a.uid).status == "cancelled"
    assert bookings.cancel(worker, b.uid).status == "late_cancelled"
    assert seats(early) == 0
    assert seats(soon) == 0
    # the reminder of the cancelled booking is gone; cancellation emails carry ICS CANCEL
    assert db.session.scalar(select(func.count()).where(
        OutboxMessage.kind == "booking.reminder")) == 0
    with pytest.raises(BookingError, match="cannot be cancelled"):
        bookings.cancel(worker, a.uid)


def test_cancel_after_start_refused(counsellor, worker):
    service = make_service()
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor, starts_in=timedelta(hours=3))
    booking = bookings.book(worker, session.id)
    with pytest.raises(BookingError, match="already started"):
        bookings.cancel(worker, booking.uid, now=utcnow() + timedelta(hours=4))
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "confirmed"


def test_someone_elses_booking_is_not_found(group, worker, make_user):
    booking = bookings.book(worker, group.id)
    with pytest.raises(bookings.NotFoundError):
        bookings.cancel(make_user(), booking.uid)


def test_reschedule_moves_seat_and_refuses_a_clash(counsellor, worker, make_user):
    service = make_service()
    other_service = make_service("relaxation", kind="relaxation")
    centre = make_centre(services=[service, other_service])
    first = make_session(centre, service, counsellor, starts_in=timedelta(days=3))
    second = make_session(centre, service, counsellor, starts_in=timedelta(days=4))
    third = make_session(centre, service, make_user("counsellor"), starts_in=timedelta(days=5))
    clashing = make_session(centre, other_service, make_user("counsellor"),
                            starts_at=third.starts_at)
    booking = bookings.book(worker, first.id)
    bookings.book(worker, clashing.id)
    moved = bookings.reschedule(worker, booking.uid, second.id)
    assert moved.uid == booking.uid
    assert moved.session_id == second.id
    assert seats(first) == 0
    assert seats(second) == 1
    with pytest.raises(BookingError, match="at that time"):
        bookings.reschedule(worker, booking.uid, third.id)
    assert seats(third) == 0
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).session_id == second.id


def test_waitlist_offer_accept_and_pass_on(group, make_user):
    holders = [make_user(), make_user()]
    held = [bookings.book(u, group.id) for u in holders]
    first, second = make_user(), make_user()
    e1 = bookings.join_waitlist(first, group.id)
    e2 = bookings.join_waitlist(second, group.id)
    assert (e1.position, e2.position) == (1, 2)
    with pytest.raises(BookingError, match="already on the waiting list"):
        bookings.join_waitlist(first, group.id)

    bookings.cancel(holders[0], held[0].uid)
    assert seats(group) == 2  # the seat is held for the offer, not put back
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, e1.id).status == "offered"
    assert db.session.get(WaitlistEntry, e2.id).status == "waiting"
    assert db.session.scalar(select(func.count()).where(
        OutboxMessage.kind == "waitlist.offer")) == 1

    # the offer lapses after 12 h and passes to the second person
    later = utcnow() + timedelta(hours=13)
    assert bookings.expire_offers(later) == 1
    db.session.expire_all()
    assert db.session.get(WaitlistEntry, e1.id).status == "expired"
    assert db.session.get(WaitlistEntry, e2.id).status == "offered"
    with pytest.raises(BookingError, match="expired"):
        bookings.accept_offer(first, e1.uid, now=later)
    booking = bookings.accept_offer(second, e2.uid, now=later)
    assert booking.status == "confirmed"
    assert seats(group) == 2
    active = db.session.scalar(select(func.count(Booking.id)).where(
        Booking.session_id == group.id, Booking.status == "confirmed"))
    assert active == 2


def test_leaving_with_an_offer_puts_seat_back_when_nobody_waits(group, make_user):
    holders = [make_user(), make_user()]
    held = [bookings.book(u, group.id) for u in holders]
    waiting = make_user()
    entry = bookings.join_waitlist(waiting, group.id)
    bookings.cancel(holders[0], held[0].uid)
    bookings.leave_waitlist(waiting, entry.uid)
    assert seats(group) == 1


def _reads_of_bookings(statement: str, parameters: dict) -> list[str]:
    """How the database reads ``bookings`` for one statement: SQLite's query plan steps, or
    the index conditions and scans of PostgreSQL's generic plan (the one a prepared
    statement runs; psycopg prepares after a few runs), with sequential scans priced out."""
    conn = db.session.connection()
    conn.exec_driver_sql("ANALYZE bookings")
    if db.engine.dialect.name == "sqlite":
        steps = [row[-1] for row in conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + statement, parameters)]
        return [s for s in steps if s.startswith(("SCAN", "SEARCH")) and "bookings" in s]
    names = list(dict.fromkeys(re.findall(r"%\((\w+)\)s", statement)))
    numbered = re.sub(r"%\((\w+)\)s", lambda m: f"${names.index(m[1]) + 1}", statement)
    values = ", ".join("'" + str(parameters[n]).replace("'", "''") + "'" for n in names)
    conn.exec_driver_sql("SET LOCAL enable_seqscan = off")
    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_generic_plan")
    conn.exec_driver_sql("PREPARE xq_person_reads AS " + numbered)
    steps = [row[0].strip() for row in conn.exec_driver_sql(
        f"EXPLAIN EXECUTE xq_person_reads({values.replace('%', '%%')})")]
    conn.exec_driver_sql("DEALLOCATE xq_person_reads")
    on_bookings = False  # an index condition belongs to the scan line above it
    reads = []
    for step in steps:
        if "Scan" in step:
            on_bookings = " on bookings" in step or "bookings" in step.split(" on ")[-1]
            if "Seq Scan on bookings" in step:
                reads.append(step)
        elif on_bookings and step.startswith("Index Cond"):
            reads.append(step)
    return reads


def test_a_booking_reads_the_persons_upcoming_bookings_not_their_whole_history(
        counsellor, worker, make_user):
    """The standing and limit checks of every booking read the person's bookings: through
    an index on the person alone they read every past, cancelled or attended one too, so a
    regular's booking grows dearer with their history (bench/README.md Step 15d). Each
    read of the person's rows must be bounded by status in the index, never a scan."""
    service = make_service()
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor)
    # A history as in service: nine people each attended 100 past sessions and cancelled
    # a booking of each too (so the partial unique index holds every attended booking).
    start = utcnow().replace(microsecond=0) - timedelta(days=200)
    past = [Session(centre=centre, service=service, counsellor=counsellor, room="201",
                    starts_at=start + timedelta(days=d), capacity=10, booked=9,
                    ends_at=start + timedelta(days=d, hours=1)) for d in range(100)]
    db.session.add_all(past)
    db.session.flush()
    people = [worker.id] + [make_user().id for _ in range(8)]
    db.session.execute(sa_text(
        "INSERT INTO bookings (uid, session_id, user_id, status, created_at, changed_at, "
        "sequence) VALUES (:uid, :session, :user, :status, :at, :at, 0)"),
        [{"uid": f"p{s.id}-{person}-{status}", "session": s.id, "user": person,
          "status": status, "at": s.starts_at}
         for s in past for person in people for status in ("attended", "cancelled")])
    db.session.commit()
    sent: list[tuple[str, dict]] = []

    def catch(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", catch)
    try:
        bookings.book(worker, session.id)
    finally:
        event.remove(db.engine, "before_cursor_execute", catch)
    person = [(s, p) for s, p in sent if s.lstrip().startswith("SELECT")
              and "FROM bookings" in s and "user_id" in s]
    assert len(person) == 2, [s for s, _ in sent]  # the standing and the limit's count
    for statement, parameters in person:
        reads = _reads_of_bookings(statement, parameters)
        db.session.rollback()
        assert reads, statement
        assert all("SCAN" not in r and "Seq Scan" not in r for r in reads), reads
        # By person, then status; or the one (session, person) row of the unique index.
        assert all("status" in r or "session_id" in r for r in reads if "user_id" in r), reads
