"""Profile pages in-process with pyinstrument (``pip install -r bench/requirements.txt``).

Builds the same scratch world as ``bench/run.py`` (PostgreSQL, production configuration),
then requests each path ``--n`` times through the test client and prints pyinstrument's
tree. For looking, not for figures: ``make bench`` measures.

    .venv/bin/python bench/profile_pages.py / /screening/phq9 /booking
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import tempfile
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/13")
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--login", help="sign in as this bench account first")
    args = parser.parse_args()
    from pyinstrument import Profiler
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"xq_bench_prof_{uuid.uuid4().hex[:8]}"
    admin_url = args.url.replace("postgresql://", "postgresql+psycopg://", 1)
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    work = Path(tempfile.mkdtemp(prefix="xq-prof-"))
    try:
        db_url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
        os.environ.update({"XINQING_CONFIG": "production", "DATABASE_URL": db_url,
                           "SMS_PROVIDER": "tencent",  # production refuses "file"
                           "REDIS_URL": args.redis, "SECRET_KEY": secrets.token_urlsafe(48),
                           "XINQING_KEY_FILE": str(work / "keys.json"),
                           "SESSION_REDIS_PREFIX": f"xqprof:{name}:"})
        from app.security.keyring import KeyRing

        KeyRing.generate().save(work / "keys.json")
        import run

        run.build_world(10000)
        from app import create_app

        app = create_app()
        client = app.test_client()
        base = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/"}}
        for path in args.paths:
            for _ in range(3):
                client.get(path, **base)
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.n):
                status = client.get(path, **base).status_code
            profiler.stop()
            print(f"==== {path} ({status}) x{args.n}")
            print(profiler.output_text(unicode=False, color=False, show_all=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    sys.exit(main())
