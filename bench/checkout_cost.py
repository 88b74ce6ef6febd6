"""What one pool checkout costs with each way of finding dead connections (bench/README, Step 14a).

Interleaved in one process against the shared PostgreSQL: check out a connection, run
``SELECT 1``, commit, return it; per variant the median wall time, this process's CPU and the
backend's CPU (``/proc/<pid>/stat``; 10 ms ticks, so use a few thousand rounds):

- ``pre_ping``: ``pool_pre_ping=True`` (main before Step 14a: one more round trip);
- ``socket_poll``: app/pool_liveness.py's checkout check (no round trip);
- ``nothing``: no check at all (the floor);
- ``autocommit``: the socket check with the driver in autocommit (no BEGIN and no COMMIT:
  what a "BEGIN only before the first write" rule could save; not done, see Step 14a).

    .venv/bin/python bench/checkout_cost.py [--rounds 5000] [--url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.pool import Pool

from app import pool_liveness


def backend_ticks(engine: Engine) -> int:
    """CPU clock ticks used so far by the backend behind ``engine``'s one pooled connection."""
    with engine.connect() as conn:
        pid = conn.connection.dbapi_connection.info.backend_pid  # type: ignore[union-attr]
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def one(engine: Engine) -> tuple[float, float]:
    """Wall and CPU milliseconds of one checkout, statement and commit."""
    wall, cpu = time.perf_counter(), time.process_time()
    with engine.connect() as conn:
        conn.execute(text("SELECT 1")).scalar()
        conn.commit()
    return (time.perf_counter() - wall) * 1e3, (time.process_time() - cpu) * 1e3


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parser.add_argument("--rounds", type=int, default=5000)
    args = parser.parse_args()
    check = pool_liveness._replace_if_ended
    event.remove(Pool, "checkout", check)  # attached per engine below instead
    engines = {"pre_ping": create_engine(args.url, pool_pre_ping=True),
               "socket_poll": create_engine(args.url),
               "nothing": create_engine(args.url),
               "autocommit": create_engine(args.url, isolation_level="AUTOCOMMIT")}
    event.listen(engines["socket_poll"], "checkout", check)
    event.listen(engines["autocommit"], "checkout", check)
    for _ in range(50):
        for engine in engines.values():
            one(engine)
    ticks = {name: backend_ticks(engine) for name, engine in engines.items()}
    timings: dict[str, list[tuple[float, float]]] = {name: [] for name in engines}
    for _ in range(args.rounds):
        for name, engine in engines.items():
            timings[name].append(one(engine))
    tick_ms = 1000 / os.sysconf("SC_CLK_TCK")
    print(f"load average {os.getloadavg()[0]:.2f}, {args.rounds} rounds")
    for name, engine in engines.items():
        pg_ms = (backend_ticks(engine) - ticks[name]) * tick_ms / args.rounds
        print(f"{name:12} wall median {statistics.median(w for w, _ in timings[name]):.3f} ms, "
              f"client CPU mean {statistics.mean(c for _, c in timings[name]):.4f} ms, "
              f"PostgreSQL CPU mean {pg_ms:.4f} ms")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
