"""Bookings of one session from many connections at once: throughput and lock waits.

Creates a scratch PostgreSQL database (dropped afterwards), runs the migrations, makes one
large group session, then ``--workers`` processes (one person each) book it and cancel
again ``--events`` times through ``app.booking.bookings`` (no HTTP: only the database work
of the booking service), while a sampler reads ``pg_stat_activity`` every 50 ms: how many
backends wait for a lock, and in which statement. Every booking of every process takes and
frees a seat of the same row, as in a campaign burst. Prints one JSON line.

    .venv/bin/python bench/booking_contention.py --workers 16 --events 40
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import secrets
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import lockwaits  # noqa: E402  (bench/, put on the path above)


def _app(db_url: str, key_file: str):
    from app import create_app
    from config import TestingConfig

    return create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=db_url, KEY_FILE=key_file)


def _world(people: int) -> int:
    """A counsellor, a centre, a large session and ``people`` workers; the session's id."""
    from app.accounts import services as accounts
    from app.accounts.models import Role
    from tests.booking_helpers import make_centre, make_service, make_session

    counsellor = accounts.create_staff(email="bench-c@example.com", password=PASSWORD,
                                       roles=[Role.COUNSELLOR], name="Bench")
    service = make_service("lecture", capacity=100000)
    centre = make_centre("hub", services=[service], staff=[counsellor])
    for n in range(people):
        accounts.register_worker(f"bench-{n}@example.com", PASSWORD, name=f"B{n}",
                                 accepted_privacy_notice=True)
    return make_session(centre, service, counsellor).id


PASSWORD = "Bench-password-2026"  # noqa: S105  (scratch accounts in a scratch database)


def _writer(db_url: str, key_file: str, n: int, events: int, start, done) -> None:
    from app.accounts.services import find_by_login
    from app.booking import bookings
    from app.extensions import db

    app = _app(db_url, key_file)
    with app.app_context():
        user = find_by_login(f"bench-{n}@example.com")
        session_id = int(db.session.execute(db.text("SELECT min(id) FROM sessions")).scalar())
        db.session.commit()
        start.wait()
        for _ in range(events):
            booking = bookings.book(user, session_id)
            bookings.cancel(user, booking.uid)
        done.put(n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--events", type=int, default=40, help="bookings (and cancels) each")
    args = parser.parse_args()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.security.keyring import KeyRing

    name = f"xq_bench_booking_{uuid.uuid4().hex[:8]}"
    admin_url = args.url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    work = Path(tempfile.mkdtemp(prefix="xq-booking-"))
    key_file = str(KeyRing.generate().save(work / "keys.json"))
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    db_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        from flask_migrate import upgrade

        with _app(db_url, key_file).app_context():
            upgrade(directory=str(ROOT / "migrations"))
            _world(args.workers)
        ctx = mp.get_context("fork")
        start, done = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_writer, args=(db_url, key_file, n, args.events, start, done))
                 for n in range(args.workers)]
        for p in procs:
            p.start()
        time.sleep(3)  # every writer connected
        measured = lockwaits.race(admin, name, procs, start)
        total = args.workers * args.events
        print(json.dumps({"workers": args.workers, "bookings_and_cancels": total,
                          "bookings_per_s": round(total / measured["seconds"], 1), **measured}))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
