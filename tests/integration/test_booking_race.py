"""Many people racing for the last seats: the database keeps capacity and one booking each.

Threads (each with its own app context, connection and transaction) on both databases;
in the PostgreSQL pass also separate processes, each with its own app, as gunicorn
workers would be.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.booking import bookings
from app.booking.bookings import BookingError
from app.booking.models import Booking, Session
from app.extensions import db
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.usefixtures("seat_invariant")

THREADS = 24
CAPACITY = 5


def _race(app, jobs) -> list[str]:
    """Run each job (a callable) in its own thread at the same moment; their outcomes."""
    db.session.commit()  # end the test's own transaction: it would pin an old snapshot
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(job) -> None:
        with app.app_context():
            barrier.wait()
            try:
                outcome = job()
            except BookingError as exc:
                outcome = "full" if exc.full else f"refused: {exc}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.commit()
    return outcomes


def _book(user_id: int, session_id: int):
    def job() -> str:
        bookings.book(db.session.get(User, user_id), session_id)
        return "booked"
    return job


def _active(session_id: int) -> list[int]:
    db.session.expire_all()
    return db.session.scalars(select(Booking.user_id).where(
        Booking.session_id == session_id,
        Booking.status.in_(("requested", "confirmed")))).all()


@pytest.fixture
def last_seats(counsellor):
    service = make_service(capacity=CAPACITY)
    centre = make_centre(services=[service])
    return make_session(centre, service, counsellor)


def test_threads_never_overbook(app, last_seats, make_user):
    users = [make_user().id for _ in range(THREADS)]
    outcomes = _race(app, [_book(u, last_seats.id) for u in users])
    counts = Counter(outcomes)
    assert counts == {"booked": CAPACITY, "full": THREADS - CAPACITY}, counts
    holders = _active(last_seats.id)
    assert len(holders) == CAPACITY == len(set(holders))
    assert db.session.get(Session, last_seats.id).booked == CAPACITY


def test_one_person_racing_themself_gets_one_booking(app, last_seats, make_user):
    user = make_user().id
    outcomes = _race(app, [_book(user, last_seats.id) for _ in range(8)])
    assert outcomes.count("booked") == 1, outcomes
    assert _active(last_seats.id) == [user]
    assert db.session.get(Session, last_seats.id).booked == 1


def test_cancel_and_promotion_give_a_seat_to_exactly_one(app, counsellor, make_user):
    service = make_service(capacity=1)
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor)
    holder = make_user()
    booking = bookings.book(holder, session.id)
    waiting = [make_user() for _ in range(6)]
    entries = [bookings.join_waitlist(u, session.id) for u in waiting]
    # cancel (twice at once), while everyone waiting also tries to book the freed seat
    holder_id, booking_uid, session_id = holder.id, booking.uid, session.id

    def cancel() -> str:
        bookings.cancel(db.session.get(User, holder_id), booking_uid)
        return "cancelled"

    jobs = [cancel, cancel] + [_book(u.id, session_id) for u in waiting]
    outcomes = _race(app, jobs)
    assert outcomes.count("cancelled") == 1, outcomes
    assert "booked" not in outcomes  # the freed seat is held for the first in the queue
    db.session.expire_all()
    offered = db.session.scalars(select(func.count()).select_from(
        select(bookings.WaitlistEntry).where(bookings.WaitlistEntry.status == "offered")
        .subquery())).one()
    assert offered == 1
    assert db.session.get(bookings.WaitlistEntry, entries[0].id).status == "offered"
    assert db.session.get(Session, session.id).booked == 1


def _process_book(url: str, key_file: str, user_ids: list[int], session_id: int,
                  start, results) -> None:
    """One 'gunicorn worker': its own app and connection pool, booking for several people."""
    from app import create_app
    from config import TestingConfig

    app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, KEY_FILE=key_file)
    with app.app_context():
        start.wait()
        for user_id in user_ids:
            try:
                bookings.book(db.session.get(User, user_id), session_id)
                results.put("booked")
            except BookingError as exc:
                results.put("full" if exc.full else str(exc))
            finally:
                db.session.remove()
        db.engine.dispose()


@pytest.mark.postgres
@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL pass only")
def test_processes_never_overbook(app, last_seats, make_user, key_file):
    users = [make_user().id for _ in range(20)]
    db.session.commit()
    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    procs = [ctx.Process(target=_process_book,
                         args=(url, str(key_file), users[i::4], last_seats.id, start, results))
             for i in range(4)]
    for proc in procs:
        proc.start()
    start.set()
    outcomes = [results.get(timeout=120) for _ in users]
    for proc in procs:
        proc.join(timeout=60)
    assert Counter(outcomes) == {"booked": CAPACITY, "full": len(users) - CAPACITY}, outcomes
    holders = _active(last_seats.id)
    assert len(holders) == CAPACITY == len(set(holders))
    assert db.session.get(Session, last_seats.id).booked == CAPACITY


def test_limit_holds_under_a_race(app, counsellor, make_user):
    service = make_service()
    centre = make_centre(services=[service])
    sessions = [make_session(centre, service, counsellor, starts_in=timedelta(days=d))
                for d in range(2, 8)]
    user = make_user().id
    outcomes = _race(app, [_book(user, s.id) for s in sessions])
    assert outcomes.count("booked") == 3, outcomes
    assert db.session.scalar(select(func.count(Booking.id))) == 3


def test_accepting_an_offer_twice_at_once_gives_one_booking(app, counsellor, make_user):
    service = make_service(capacity=1)
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor)
    holder = make_user()
    booking = bookings.book(holder, session.id)
    waiting = make_user()
    entry = bookings.join_waitlist(waiting, session.id)
    bookings.cancel(holder, booking.uid)
    user_id, entry_uid = waiting.id, entry.uid

    def accept() -> str:
        bookings.accept_offer(db.session.get(User, user_id), entry_uid)
        return "booked"

    outcomes = _race(app, [accept] * 6)
    assert outcomes.count("booked") == 1, outcomes
    assert _active(session.id) == [user_id]
    assert db.session.get(Session, session.id).booked == 1
