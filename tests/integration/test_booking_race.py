"""Many people racing for the last seats: the database keeps capacity and one booking each.

Threads (each with its own app context, connection and transaction) on both databases;
in the PostgreSQL pass also separate processes, each with its own app, as gunicorn
workers would be.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.accounts.models import User
from app.audit import services as audit_services
from app.booking import bookings, mail
from app.booking.bookings import BookingError
from app.booking.models import Booking, Session
from app.extensions import db
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.usefixtures("seat_invariant")

THREADS = 24
CAPACITY = 5


def _outcome(app, job) -> str:
    """Run ``job`` in its own app context (connection, transaction): what it returned,
    "full", "refused: ...", or "error: ..." for anything else (a deadlock, say).

    An error is an outcome like the others, so that a failing assertion shows every job's
    outcome; a thread's uncaught exception would show only a warning naming the thread.
    """
    with app.app_context():
        try:
            return job()
        except BookingError as exc:
            return "full" if exc.full else f"refused: {exc}"
        except Exception as exc:  # reported as an outcome, and asserted on
            return f"error: {type(exc).__name__}: {str(exc).splitlines()[0]}"
        finally:
            db.session.remove()


def _race(app, jobs) -> list[str]:
    """Run each job (a callable) in its own thread at the same moment; their outcomes.
    No job may fail with anything but a BookingError."""
    db.session.commit()  # end the test's own transaction: it would pin an old snapshot
    barrier = threading.Barrier(len(jobs))
    outcomes: list[str] = []
    lock = threading.Lock()

    def run(job) -> None:
        barrier.wait()
        outcome = _outcome(app, job)
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    db.session.commit()
    assert len(outcomes) == len(jobs), outcomes
    assert not [o for o in outcomes if o.startswith("error")], outcomes
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
    """Two cancels of one booking at once, while everyone waiting tries to book the seat.

    It failed now and then on PostgreSQL, not on an assertion: a thread's deadlock error
    (the booking of the first person waiting against the cancel offering them the seat,
    when their audit chains were one). The next test pins that interleaving down.
    """
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


def _waiting_for_a_lock() -> bool:
    """Whether another connection to the test database waits for a row lock now."""
    waiting = db.session.scalar(text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"))
    db.session.commit()
    return bool(waiting)


def _pinned(app, first: tuple[str, object], second: tuple[str, object],
            holding: threading.Event, go: threading.Event) -> dict[str, str]:
    """Run two named jobs in one pinned order: ``first`` until it sets ``holding`` (and
    waits for ``go``), then ``second`` until it waits for a row lock (or ends), then both
    on. Each thread is named after its job; their outcomes by name (``_outcome``)."""
    outcomes: dict[str, str] = {}

    def run(name: str, job) -> None:
        outcomes[name] = _outcome(app, job)

    db.session.commit()
    threads = [threading.Thread(target=run, args=pair, name=pair[0]) for pair in (first, second)]
    threads[0].start()
    assert holding.wait(30)
    threads[1].start()
    deadline = time.monotonic() + 30
    while threads[1].is_alive() and not _waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.02)
    go.set()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


@pytest.mark.postgres
@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL pass only")
def test_an_offer_never_deadlocks_with_the_offered_persons_own_booking(
        app, counsellor, make_user, monkeypatch):
    """The race above failed on PostgreSQL in 5 of 87 runs (2026-12-02, none in 250
    since this fix), each time with a deadlock, not a wrong seat: one interleaving of it,
    pinned down.

    The first person waiting books the freed seat themself while the holder cancels. The
    booking locks its person's row first (``_lock_person``), then claims its audit chain's
    head. The cancel claims its own audit chain's head, then offers the seat to that same
    person, whose offer email is an outbox row: its foreign key locks the person's row in
    share mode. When the two people's events go to the same chain (1 pair in 16,
    ``CHAINS`` in app/audit/models.py), each transaction waited for the other and
    PostgreSQL ended one of them (the booking, or the cancel, answered with an error).
    In the race above that made a thread's error, not a failed assertion. The lock is
    ``FOR NO KEY UPDATE``: it still serialises the person's own bookings, but no longer
    stops a foreign key from naming the person. Here every actor's events go to one
    chain, as such a pair's do.
    """
    service = make_service(capacity=1)
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor)
    holder, first = make_user(), make_user()
    booking = bookings.book(holder, session.id)
    entry = bookings.join_waitlist(first, session.id)
    holder_id, first_id, booking_uid = holder.id, first.id, booking.uid
    monkeypatch.setattr(audit_services, "chain_of", lambda actor: 5)
    locked, go = threading.Event(), threading.Event()
    lock_person = bookings._lock_person

    def lock_then_wait(user: User) -> None:  # the booking holds its person's row, then waits
        lock_person(user)
        locked.set()
        go.wait(30)

    monkeypatch.setattr(bookings, "_lock_person", lock_then_wait)

    def cancel() -> str:
        bookings.cancel(db.session.get(User, holder_id), booking_uid)
        return "cancelled"

    outcomes = _pinned(app, ("book", _book(first_id, session.id)), ("cancel", cancel),
                       locked, go)
    assert outcomes == {"cancel": "cancelled", "book": "full"}, outcomes
    db.session.expire_all()
    assert db.session.get(bookings.WaitlistEntry, entry.id).status == "offered"
    assert _active(session.id) == []
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


@pytest.mark.postgres
@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL pass only")
def test_a_lapsing_offer_and_a_cancel_pass_seats_on_without_a_deadlock(
        app, counsellor, make_user, monkeypatch):
    """An offer lapses (the cron's expire_offers) while another booking of the session is
    cancelled, and both pass a seat to the queue: one interleaving pinned down.

    This deadlocked every time when every event without an actor (the offer, the lapse)
    went to one shared audit chain: the lapse claimed that chain's head for its own event,
    then offered the seat to the next entry; the cancel offered first (locking that entry),
    then claimed the same head for its offer event. Now an offer's event goes in the chain
    of the move that freed the seat, which that move has already claimed (``release_seat``'s
    ``by``), so the cancel waits for the lapse and both pass their seat on.
    """
    service = make_service(capacity=2)
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor)
    holder, other = make_user(), make_user()
    booking = bookings.book(holder, session.id)
    freed = bookings.book(other, session.id)
    entries = [bookings.join_waitlist(make_user(), session.id) for _ in range(3)]
    bookings.cancel(other, freed.uid)  # the first one waiting holds this seat
    db.session.expire_all()
    first = db.session.get(bookings.WaitlistEntry, entries[0].id)
    assert first.status == "offered"
    lapse_at = first.offer_expires_at
    holder_id, booking_uid = holder.id, booking.uid
    offered, go = threading.Event(), threading.Event()
    offer_made = mail.offer_made

    def offer_then_wait(entry) -> None:  # the cancel holds the next entry, then waits
        offer_made(entry)
        if threading.current_thread().name == "cancel":
            offered.set()
            go.wait(30)

    monkeypatch.setattr(mail, "offer_made", offer_then_wait)

    def cancel() -> str:
        bookings.cancel(db.session.get(User, holder_id), booking_uid)
        return "cancelled"

    def lapse() -> str:
        return f"lapsed {bookings.expire_offers(lapse_at)}"

    outcomes = _pinned(app, ("cancel", cancel), ("lapse", lapse), offered, go)
    assert outcomes == {"cancel": "cancelled", "lapse": "lapsed 1"}, outcomes
    db.session.expire_all()
    statuses = [db.session.get(bookings.WaitlistEntry, e.id).status for e in entries]
    assert statuses == ["expired", "offered", "offered"], statuses
    assert db.session.get(Session, session.id).booked == 2
