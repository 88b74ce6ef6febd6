"""A transaction that only read ends with COMMIT, whatever ends it: the rule's one home.

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

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine, ExceptionContext

_WROTE = "xinqing_wrote"  # in Connection.info (one per driver connection), until the end
_READ = re.compile(r"\s*(?:SELECT|BEGIN)\b", re.IGNORECASE)  # BEGIN: app/sqlite.py's
_LASTING = re.compile(r"\b(?:INTO|pg_notify|set_config|nextval|setval)\b", re.IGNORECASE)


@lru_cache(maxsize=2048)  # the same few statement texts, over and over
def writes(statement: str) -> bool:
    """Whether ``statement`` may change anything (all but a plain SELECT may)."""
    return not _READ.match(statement) or bool(_LASTING.search(statement))


def mark_written(conn: Connection) -> None:
    """``conn``'s transaction wrote behind SQLAlchemy's back: it must end in a ROLLBACK."""
    if not (conn.closed or conn.invalidated):
        conn.info[_WROTE] = True


@event.listens_for(Engine, "before_cursor_execute")
def _note(conn: Connection, _cursor: Any, statement: str, *_args: Any) -> None:
    if writes(statement):
        conn.info[_WROTE] = True


@event.listens_for(Engine, "handle_error")
def _note_failure(context: ExceptionContext) -> None:
    if context.connection is not None:
        mark_written(context.connection)


@event.listens_for(Engine, "commit")
def _forget(conn: Connection) -> None:
    if not (conn.closed or conn.invalidated):
        conn.info.pop(_WROTE, None)


@event.listens_for(Engine, "rollback")
def _commit_if_only_read(conn: Connection) -> None:
    if conn.closed or conn.invalidated or conn.info.pop(_WROTE, False):
        return
    try:
        conn.dialect.do_commit(conn.connection)
    except conn.dialect.loaded_dbapi.Error:
        return  # the ROLLBACK that follows meets the same fault, and SQLAlchemy handles it
