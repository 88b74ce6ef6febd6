"""What a transaction that only reads costs: the rules' one home.

On PostgreSQL (psycopg) a transaction at the default READ COMMITTED level begins only when it
first needs to: its connection runs in autocommit until a statement that may write or lock
(anything ``needs_transaction`` flags, or ``mark_written``), and psycopg sends the BEGIN
right before that statement. A request that only reads therefore sends neither BEGIN nor
COMMIT (psycopg's commit and rollback send nothing on an idle connection): two round trips
fewer on every such page (bench/README.md, step 17a). The reads see the same data as before:
under READ COMMITTED every statement takes its own snapshot, in a transaction or not, and a
plain SELECT holds no lock past its end. What a transaction must keep for more than one
statement begins it first: row locks (``FOR UPDATE``/``SHARE``), transaction-level advisory
locks, ``set_config``, a server-side cursor (``yield_per``) and every write; a stricter level
(``extensions.read_in_one_snapshot``) or a connection someone set to AUTOCOMMIT is left as it
is. When the transaction ends, the connection leaves autocommit again, so whoever takes it
from the pool next (a raw connection included) finds the driver's usual state.

Where the transaction did begin (SQLite, a stricter level, or after a write), one that only
read ends with COMMIT, whatever ends it.

psycopg forgets every prepared statement of a connection (and its counts towards
``prepare_threshold``) on each ROLLBACK, and a request's session is rolled back when it
closes, so a page that only reads never kept one: PostgreSQL parsed and planned each of its
statements on every request (bench/README.md, steps 12c and 13a). For a transaction that
wrote nothing COMMIT and ROLLBACK leave the database the same, so when SQLAlchemy rolls such
a transaction back, the driver's connection is committed first and the ROLLBACK then has
nothing left to end (neither psycopg nor sqlite3 sends one). The session and its hooks still
see a rollback: objects are expired and after-rollback work runs as before.

Having written is judged conservatively, per connection and transaction: any statement but
a SELECT (or the BEGIN that opens it), a SELECT that could change something that outlives
it (``INTO``, ``pg_notify``, ``set_config``, ``nextval``, ``setval``), any statement that
failed, and work done on the driver's connection behind SQLAlchemy's back
(``mark_written``, e.g. COPY). A flush, a Core UPDATE or a SAVEPOINT therefore still ends
in a real ROLLBACK.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from psycopg import IsolationLevel, ServerCursor
from psycopg.pq import TransactionStatus
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext

_READ_COMMITTED = (None, IsolationLevel.READ_COMMITTED)  # None: the server's, ours READ COMMITTED
_IDLE = TransactionStatus.IDLE
_WROTE = "xinqing_wrote"  # in Connection.info (one per driver connection), until the end
_READ = re.compile(r"\s*(?:SELECT|BEGIN)\b", re.IGNORECASE)  # BEGIN: app/sqlite.py's
_LASTING = re.compile(r"\b(?:INTO|pg_notify|set_config|nextval|setval)\b", re.IGNORECASE)
# What a plain SELECT may keep until the transaction ends: row locks and xact advisory locks.
_HOLDS = re.compile(r"\bFOR\s+(?:NO\s+KEY\s+UPDATE|UPDATE|SHARE|KEY\s+SHARE)\b"
                    r"|\bpg_(?:try_)?advisory_xact_lock", re.IGNORECASE)
_LAZY = "xinqing_lazy_begin"  # in Connection.info: autocommit was set by us, BEGIN is owed


@lru_cache(maxsize=2048)  # the same few statement texts, over and over
def writes(statement: str) -> bool:
    """Whether ``statement`` may change anything (all but a plain SELECT may)."""
    return not _READ.match(statement) or bool(_LASTING.search(statement))


@lru_cache(maxsize=2048)
def needs_transaction(statement: str) -> bool:
    """Whether ``statement`` must run inside the transaction (it writes, or holds a lock)."""
    return writes(statement) or bool(_HOLDS.search(statement))


def mark_written(conn: Connection) -> None:
    """``conn``'s transaction writes behind SQLAlchemy's back (call it before, e.g. before a
    COPY): the transaction begins now if it had not, and it must end in a ROLLBACK."""
    if not (conn.closed or conn.invalidated):
        _leave_autocommit(conn)
        conn.info[_WROTE] = True


def _leave_autocommit(conn: Connection) -> None:
    """End our autocommit, if on: psycopg sends BEGIN before the next statement, if any."""
    if _LAZY not in conn.info:
        return
    driver: Any = conn.connection.dbapi_connection
    if driver.info.transaction_status != _IDLE:
        return  # a broken connection, about to be discarded: the mark stays with it
    driver.autocommit = False
    del conn.info[_LAZY]


@event.listens_for(Engine, "begin")
def _begin_lazily(conn: Connection) -> None:
    if conn.dialect.driver != "psycopg":
        return  # SQLite: app/sqlite.py begins every transaction itself
    driver: Any = conn.connection.dbapi_connection
    ours = conn.info.pop(_LAZY, False)  # set by an earlier transaction that never wrote
    if driver.autocommit and not ours:
        return  # AUTOCOMMIT asked for through SQLAlchemy: not ours to change
    lazy = (driver.isolation_level in _READ_COMMITTED
            and driver.info.transaction_status == _IDLE)
    if lazy != driver.autocommit:
        driver.autocommit = lazy
    if lazy:
        conn.info[_LAZY] = True


@event.listens_for(Engine, "before_cursor_execute")
def _note(conn: Connection, cursor: Any, statement: str, *_args: Any) -> None:
    if writes(statement):
        conn.info[_WROTE] = True
    if _LAZY in conn.info and (needs_transaction(statement) or isinstance(cursor, ServerCursor)):
        _leave_autocommit(conn)  # a server-side cursor (yield_per) lives in a transaction


@event.listens_for(Engine, "handle_error")
def _note_failure(context: ExceptionContext) -> None:
    conn = context.connection
    if conn is not None and not (conn.closed or conn.invalidated):
        conn.info[_WROTE] = True  # a failed statement in a transaction: end it with ROLLBACK


@event.listens_for(Engine, "commit")
def _forget(conn: Connection) -> None:
    if not (conn.closed or conn.invalidated):
        conn.info.pop(_WROTE, None)
        _leave_autocommit(conn)


@event.listens_for(Engine, "rollback")
def _commit_if_only_read(conn: Connection) -> None:
    if conn.closed or conn.invalidated:
        return
    _leave_autocommit(conn)
    if conn.info.pop(_WROTE, False):
        return
    try:
        conn.dialect.do_commit(conn.connection)
    except conn.dialect.loaded_dbapi.Error:
        return  # the ROLLBACK that follows meets the same fault, and SQLAlchemy handles it
