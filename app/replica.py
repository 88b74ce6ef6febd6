"""Read-only work on a streaming replica, when ``DATABASE_REPLICA_URL`` is set.

``read(fn, ...)`` runs ``fn`` with its SELECTs routed to the replica by ``RoutingSession``
(the class of ``db.session``); everything else, and everything outside ``read``, stays on the
primary. A read scope turns to the primary for good once it writes, so nothing reads its own
write from a replica that may not have it yet, and locking reads (``FOR UPDATE``) never leave
the primary. The replica is used only while it answers and its replay lag (measured on the
replica, at most once a ``REPLICA_CHECK_SECONDS``) is within ``REPLICA_MAX_LAG_SECONDS``;
otherwise reads go to the primary, and the change is logged once. A replica that dies in the
middle of a read costs that read a retry on the primary, never an error page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, ParamSpec, TypeVar

import flask_sqlalchemy.session
from flask import Flask, current_app
from sqlalchemy import Engine, Select, create_engine, text
from sqlalchemy.exc import DBAPIError

log = logging.getLogger("xinqing.replica")
P = ParamSpec("P")
T = TypeVar("T")

# On the replica: no lag when it has replayed all it received; else the age of the last
# replayed transaction (an idle primary sends nothing, so that age alone would mislead).
LAG_SQL = text(
    "SELECT CASE WHEN NOT pg_is_in_recovery() THEN NULL "
    "WHEN pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END")


@dataclass
class Replica:
    """The replica engine of one app, and what this process last learnt about it."""

    engine: Engine
    max_lag: float
    check_every: float
    checked_at: float = -1e9
    usable: bool = False
    kind: str = "unchecked"
    lock: threading.Lock = field(default_factory=threading.Lock)

    def check(self, *, force: bool = False) -> bool:
        """Whether reads may go to the replica now (measured at most every check_every s)."""
        now = time.monotonic()
        if not force and now - self.checked_at < self.check_every:
            return self.usable
        with self.lock:
            if not force and now - self.checked_at < self.check_every:
                return self.usable
            try:
                with self.engine.connect() as conn:
                    lag = conn.execute(LAG_SQL).scalar()
            except DBAPIError as exc:
                kind, reason = "down", f"it does not answer ({type(exc.orig).__name__})"
            else:
                if lag is None:
                    kind, reason = "not-standby", "it is not in recovery (not a replica)"
                elif float(lag) > self.max_lag:
                    kind, reason = "lag", f"it lags {float(lag):.1f} s (limit {self.max_lag:g} s)"
                else:
                    kind, reason = "ok", ""
            if kind != self.kind:  # each change is logged once, not each check
                if kind == "ok":
                    log.info("replica: reads go to the replica")
                else:
                    log.warning("replica: reads go to the primary: %s", reason)
            usable = kind == "ok"
            self.usable, self.kind, self.checked_at = usable, kind, time.monotonic()
            return usable


@dataclass
class _Scope:
    replica: Replica
    wrote: bool = False
    used_replica: bool = False


_scope: ContextVar[_Scope | None] = ContextVar("xinqing_replica_scope", default=None)


class RoutingSession(flask_sqlalchemy.session.Session):
    """``db.session``: plain SELECTs inside ``read`` go to the replica, all else the primary."""

    def get_bind(self, mapper: Any = None, clause: Any = None, bind: Any = None,
                 **kwargs: Any) -> Any:
        scope = _scope.get()
        if scope is not None and bind is None:
            if (isinstance(clause, Select) and clause._for_update_arg is None
                    and not self._flushing and not scope.wrote):
                scope.used_replica = True
                return scope.replica.engine
            if clause is not None or self._flushing:
                scope.wrote = True  # an INSERT, UPDATE, DELETE or a flush: primary from now
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


def init_app(app: Flask) -> None:
    """Make the replica engine when ``DATABASE_REPLICA_URL`` is set (no connection yet)."""
    url = app.config.get("DATABASE_REPLICA_URL")
    if not url:
        return
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            url = "postgresql+psycopg://" + url[len(prefix):]
    engine = create_engine(url, connect_args={  # dead connections: app/pool_liveness.py
        "connect_timeout": 2, "application_name": "xinqing-replica-reads"})
    app.extensions["xinqing_replica"] = Replica(
        engine, float(app.config.get("REPLICA_MAX_LAG_SECONDS", 5)),
        float(app.config.get("REPLICA_CHECK_SECONDS", 1)))


def current() -> Replica | None:
    """This app's replica, when one is configured."""
    found: Replica | None = current_app.extensions.get("xinqing_replica")
    return found


def read(fn: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``fn(*args, **kwargs)`` with its reads on the replica when it is usable.

    Call it before the work writes anything in this transaction: if the replica fails
    mid-read, the session is rolled back and ``fn`` runs again on the primary.
    """
    replica = current()
    if replica is None or _scope.get() is not None or not replica.check():
        return fn(*args, **kwargs)
    scope = _Scope(replica)
    token = _scope.set(scope)
    try:
        return fn(*args, **kwargs)
    except DBAPIError:
        if not scope.used_replica or replica.check(force=True):
            raise  # not the replica's fault
    finally:
        _scope.reset(token)
    from app.extensions import db

    db.session.rollback()
    return fn(*args, **kwargs)
