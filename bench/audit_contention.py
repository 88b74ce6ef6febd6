"""Audited writes from many connections at once: throughput and lock waits.

Creates a scratch PostgreSQL database (dropped afterwards), runs the migrations, then
``--workers`` processes each write ``--events`` audit events, each by another person, one
transaction per event (as sign-ins, bookings and note reads do), while a sampler reads
``pg_stat_activity`` every 50 ms: how many backends wait for a lock. Prints one JSON line.

    .venv/bin/python bench/audit_contention.py --workers 16 --events 200
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


def _writer(db_url: str, key_file: str, n: int, events: int, start, done) -> None:
    from app import audit
    from app.extensions import db

    app = _app(db_url, key_file)
    with app.app_context():
        db.session.execute(db.text("SELECT 1"))
        db.session.commit()
        start.wait()
        for i in range(events):
            audit.record(f"bench-actor-{n}-{i}", "bench.write", f"thing:{i}")
            db.session.commit()
        done.put(n)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--events", type=int, default=200)
    args = parser.parse_args()
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from app.security.keyring import KeyRing

    name = f"xq_bench_audit_{uuid.uuid4().hex[:8]}"
    admin_url = args.url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    work = Path(tempfile.mkdtemp(prefix="xq-audit-"))
    key_file = str(KeyRing.generate().save(work / "keys.json"))
    os.environ.setdefault("SECRET_KEY", secrets.token_urlsafe(32))
    db_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    try:
        from flask_migrate import upgrade

        with _app(db_url, key_file).app_context():
            upgrade(directory=str(ROOT / "migrations"))
        ctx = mp.get_context("fork")
        start, done = ctx.Event(), ctx.Queue()
        procs = [ctx.Process(target=_writer, args=(db_url, key_file, n, args.events, start, done))
                 for n in range(args.workers)]
        for p in procs:
            p.start()
        time.sleep(3)  # every writer connected
        measured = lockwaits.race(admin, name, procs, start)
        total = args.workers * args.events
        print(json.dumps({"workers": args.workers, "events": total,
                          "events_per_s": round(total / measured["seconds"], 1), **measured}))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.exit(main())
