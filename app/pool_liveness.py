"""A pooled connection the server has ended is replaced at checkout, without a round trip.

``pool_pre_ping`` sent an empty query before the first statement of every checkout: one
round trip per request (and per session-store access), the largest fixed database cost of a
signed-in page (bench/README.md, Steps 12b and 14a). It was there so that a PostgreSQL
restart passes without errors (``bench/faults.py``). This checks the same thing locally.

A connection idle in the pool has nothing to read: the driver read every reply up to
ReadyForQuery before it was returned. When the server ends it (a restart, a fast or
immediate shutdown, ``pg_terminate_backend``, ``idle_session_timeout``), the backend sends
a FATAL message and closes the socket, or the kernel closes it; either way the socket turns
readable. So a zero-timeout ``poll`` of the socket at checkout tells a dead connection from a
live one without sending anything. A readable socket raises ``DisconnectionError`` from the
pool's ``checkout`` event, which SQLAlchemy documents as "discard this connection and
connect again" (up to its own retry limit; if the server is still down, connecting fails and
``app/errors.py`` answers 503, as before).

What this cannot see, and pre-ping only partly saw: a server that vanished without a word (its
host lost power, a firewall dropped the flow). The request's first statement then fails with
a disconnect error: that request gets the 503 page and SQLAlchemy invalidates every older
connection of the pool, so the next request connects afresh. Anything unexpected that arrived
on an idle socket (a NOTICE; the app never LISTENs) costs one new connection, never an error.

SQLite connections have no socket and are left alone.
"""

from __future__ import annotations

import select

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.pool import ConnectionPoolEntry, Pool, PoolProxiedConnection

_READABLE = select.POLLIN | select.POLLPRI  # POLLHUP and POLLERR are always reported


def server_ended(dbapi_connection: DBAPIConnection) -> bool:
    """Whether the server closed (or wrote to) this idle driver connection: nothing is sent."""
    if getattr(dbapi_connection, "closed", False):
        return True
    fileno = getattr(dbapi_connection, "fileno", None)
    if fileno is None:  # sqlite3: no server
        return False
    try:
        fd = fileno()
    except Exception:  # psycopg: the connection is lost or closed
        return True
    poller = select.poll()
    poller.register(fd, _READABLE)
    return bool(poller.poll(0))


@event.listens_for(Pool, "checkout")
def _replace_if_ended(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry,
                      _proxy: PoolProxiedConnection) -> None:
    if server_ended(dbapi_connection):
        raise DisconnectionError("the server ended this pooled connection while it was idle")
