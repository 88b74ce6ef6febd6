"""``flask retention run``: delete what the retention policy says we no longer keep.

This module knows no domain table: each package registers its own steps
(``register_step``) from ``create_app``, and ``run`` applies them in that order. The helpers
here (batched deletes, the period from the configuration) are what the steps share.

Every period comes from the configuration (``RETAIN_*_DAYS``; the table is in the README).
Each step deletes in batches with a condition that is checked again in the DELETE itself,
so a rerun, a crash half-way or a second run at the same moment only finds less to do. On
PostgreSQL a session-level advisory lock keeps a second run out altogether.

Audit events older than ``RETAIN_AUDIT_DAYS`` are removed from the front of the chain:
``audit_head.anchor_seq/anchor_mac`` then name the last removed event, and an
``audit.pruned`` event written in the same transaction (itself chained and keyed) vouches
for that anchor, so ``flask audit verify`` still proves the rest of the chain and notices
anyone who trims the front by hand.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, delete, select, text

from app.extensions import db
from app.types import rowcount, utcnow

BATCH = 500
LOCK_KEY = 0x58510001  # "XQ" + 1: the advisory lock of `flask retention run`


Step = Callable[[datetime, int], int]

Recorder = Callable[[dict[str, int]], None]

# name -> step(now, batch) returning the rows it removed, in the order run applies them;
# filled from create_app (each package's ``retention.register``).
STEPS: dict[str, Step] = {}
_first: dict[str, Step] = {}
_last: dict[str, Step] = {}
_recorders: list[Recorder] = []


def register_step(name: str, step: Step, *, last: bool = False) -> None:
    """Add ``step`` to every run; ``last`` steps run after all others (the audit pruning,
    which must also see what the other steps wrote)."""
    (_last if last else _first)[name] = step
    STEPS.clear()
    STEPS.update(_first)
    STEPS.update(_last)


def register_recorder(recorder: Recorder) -> None:
    """``recorder(counts)`` notes a finished run (the audit log), in the run's transaction."""
    if recorder not in _recorders:
        _recorders.append(recorder)


def days(name: str) -> timedelta:
    """The retention period named ``name`` (``RETAIN_*_DAYS``) from the configuration."""
    return timedelta(days=int(current_app.config[name]))


def delete_batched(model: Any, condition: ColumnElement[bool], batch: int,
                    before_delete: Callable[[Any], None] | None = None) -> int:
    """Delete rows matching ``condition``, ``batch`` at a time, each batch committed.

    Each batch is one statement that picks and deletes (write first: SQLite then queues a
    concurrent run instead of failing, and PostgreSQL re-checks the rows it deletes).
    """
    total = 0
    while True:
        chosen = (select(model.id).where(condition).order_by(model.id).limit(batch)
                  .scalar_subquery())
        if before_delete:
            before_delete(chosen)
        result = db.session.execute(delete(model).where(model.id.in_(chosen)))
        db.session.commit()
        if not (removed := rowcount(result)):
            return total
        total += removed


def write_first() -> None:
    """On SQLite, take the write lock before reading (see app/sqlite.py): a no-op write on
    the audit tip, the one row every writer touches."""
    if db.engine.dialect.name == "sqlite":
        db.session.execute(text("UPDATE audit_head SET seq = seq WHERE id = 1"))


def expired_sessions(now: datetime, batch: int) -> int:
    """Server-side sessions past their expiry (Redis drops its own by TTL)."""
    from app.security.session_store import get_store

    return get_store().purge_expired(batch)


def register() -> None:
    """Security's own step: expired server-side sessions."""
    register_step("expired_sessions", expired_sessions)


class BusyError(RuntimeError):
    """Another retention run holds the lock."""


@contextmanager
def _exclusive() -> Iterator[None]:
    """On PostgreSQL, one run at a time (advisory lock on its own connection)."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
            raise BusyError("another `flask retention run` is in progress")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            conn.commit()


def run(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Apply every step; returns how many rows each removed. Audits the run itself."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    with _exclusive():
        for name, step in STEPS.items():
            counts[name] = step(now, batch)
        for recorder in _recorders:
            recorder(counts)
        db.session.commit()
    return counts
