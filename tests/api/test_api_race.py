"""The last seats, raced through the API: gunicorn workers on PostgreSQL, clients in processes.

Exactly ``capacity`` requests get 201, every other one 409, and the database agrees.
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import select

from app.api import tokens
from app.booking.models import Booking, Session
from app.extensions import db
from tests.api.race_client import fire
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401
from tests.conftest import IS_POSTGRES, free_port

pytestmark = pytest.mark.usefixtures("seat_invariant")

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 24
CAPACITY = 4
PROCESSES = 4
GUNICORN_WORKERS = 4


def wait_until_up(base_url: str, server: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited early")
        try:
            with urllib.request.urlopen(f"{base_url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer /healthz in time")


@pytest.fixture
def gunicorn(app, key_file, tmp_path):
    """The app under gunicorn with several sync workers, on the test's PostgreSQL database."""
    port = free_port()
    env = {**os.environ, "XINQING_CONFIG": "development",
           "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
           "XINQING_KEY_FILE": str(key_file), "XINQING_INSTANCE_DIR": str(tmp_path),
           "SECRET_KEY": "race-test-secret-key-0123456789abcdef",
           "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(GUNICORN_WORKERS)}
    log = (tmp_path / "gunicorn.log").open("w")
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base_url = f"http://127.0.0.1:{port}"
    try:
        wait_until_up(base_url, server)
        yield base_url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.postgres
@pytest.mark.slow
@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL pass only (gunicorn workers racing)")
def test_many_tokens_race_for_the_last_seats(app, counsellor, make_user, gunicorn):
    service = make_service(capacity=CAPACITY)
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor)
    people = [make_user() for _ in range(PEOPLE)]
    bearer = [tokens.issue(person).token for person in people]
    db.session.commit()

    ctx = multiprocessing.get_context("spawn")
    start, results = ctx.Event(), ctx.Queue()
    clients = [ctx.Process(target=fire, args=(gunicorn, bearer[i::PROCESSES], session.id,
                                              start, results))
               for i in range(PROCESSES)]
    for client in clients:
        client.start()
    time.sleep(1)  # every client process is up and waiting
    start.set()
    codes = Counter(results.get(timeout=120) for _ in bearer)
    for client in clients:
        client.join(timeout=60)

    assert codes == {201: CAPACITY, 409: PEOPLE - CAPACITY}, codes
    db.session.expire_all()
    holders = db.session.scalars(select(Booking.user_id).where(
        Booking.session_id == session.id, Booking.status == "confirmed")).all()
    assert len(holders) == len(set(holders)) == CAPACITY
    assert db.session.scalar(select(Booking.id).where(Booking.status != "confirmed")) is None
    assert db.session.get(Session, session.id).booked == CAPACITY
