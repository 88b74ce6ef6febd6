"""Make SQLite behave like a transactional database worth developing against.

Python's sqlite3 driver starts transactions late and on its own terms, which breaks
SAVEPOINTs (a released savepoint would commit everything). Here the driver's handling
is switched off and SQLAlchemy's own BEGIN is sent. WAL lets readers go on while one
connection writes, and foreign keys are enforced as on PostgreSQL.

A transaction that reads and then writes under contention should start with its write
(e.g. the conditional UPDATE that takes a seat): SQLite then queues it for the lock,
whereas upgrading a read transaction that another writer overtook fails at once.
Web requests therefore begin IMMEDIATE: most read and then write (an audit event, a
session, a note), and any other writer (another request, a cron job, key rotation)
would otherwise turn them into errors. Commands and scripts keep a deferred BEGIN.
"""

from __future__ import annotations

import sqlite3

from flask import has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine


@event.listens_for(Engine, "connect")
def _on_connect(dbapi_connection: object, _record: object) -> None:
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()


@event.listens_for(Engine, "begin")
def _on_begin(conn: Connection) -> None:
    if conn.dialect.name == "sqlite":
        conn.exec_driver_sql("BEGIN IMMEDIATE" if has_request_context() else "BEGIN")
