"""Race writer processes against one database and sample who waits on a lock meanwhile.

The audit-chain and booking contention benches differ only in what their writers do; the
race and the ``pg_stat_activity`` sampling (every 50 ms: backends waiting on a lock, backends
active, and the statements they wait in) are the same measurement, kept here once.
"""

from __future__ import annotations

import os
import threading
import time
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine


def race(admin: Engine, database: str, procs: list[Any], start: Any) -> dict[str, Any]:
    """Start the (already started, waiting) processes at once via ``start`` and measure."""
    samples: list[tuple[int, int]] = []
    waits: dict[str, int] = {}
    stop = threading.Event()

    def sample() -> None:
        with admin.connect() as conn:
            while not stop.is_set():
                row = conn.execute(text(
                    "SELECT count(*) FILTER (WHERE wait_event_type = 'Lock'), "
                    "count(*) FILTER (WHERE state = 'active') FROM pg_stat_activity "
                    "WHERE datname = :d AND pid <> pg_backend_pid()"), {"d": database}).one()
                samples.append((row[0], row[1]))
                for q in conn.execute(text(
                        "SELECT left(query, 40) FROM pg_stat_activity WHERE datname = :d "
                        "AND wait_event_type = 'Lock'"), {"d": database}).scalars():
                    waits[q] = waits.get(q, 0) + 1
                time.sleep(0.05)

    sampler = threading.Thread(target=sample)
    sampler.start()
    began = time.monotonic()
    start.set()
    for p in procs:
        p.join()
    seconds = time.monotonic() - began
    stop.set()
    sampler.join()
    n = max(1, len(samples))
    return {"seconds": round(seconds, 2),
            "lock_waiting_backends": round(sum(s[0] for s in samples) / n, 2),
            "active_backends": round(sum(s[1] for s in samples) / n, 2),
            "waiting_in": {q: round(c / n, 2)
                           for q, c in sorted(waits.items(), key=lambda kv: -kv[1])[:3]},
            "load_average": os.getloadavg()}
