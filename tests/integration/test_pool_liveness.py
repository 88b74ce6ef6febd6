"""A pooled connection the server ended is replaced unseen; a live one costs no round trip.

``pool_pre_ping`` sent an empty query before every checkout's first statement, a round trip per
request (bench/README.md, Steps 12b and 14a). ``app/pool_liveness.py`` checks the pooled
connection's socket instead. What goes over the wire is read from libpq's own trace of the
driver connection, so a ping SQLAlchemy sends behind its statement events is seen too.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, event, text
from sqlalchemy.pool import QueuePool

from app.accounts.models import User
from app.extensions import db
from tests.conftest import IS_POSTGRES

PAGE = "/screening/history?lang=en"  # signed in only: a lost session would redirect
ENDS = ('Query "BEGIN"', 'Query "COMMIT"', 'Query "ROLLBACK"')

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES, reason="PostgreSQL only: backends are terminated and the wire is traced")


def pooled_driver_connection() -> Any:
    """The psycopg connection the next request will get (the pool holds only that one)."""
    pool = db.engine.pool
    assert isinstance(pool, QueuePool)
    assert pool.checkedout() == 0, pool.status()
    assert pool.checkedin() == 1, pool.status()
    record = pool._pool.queue[0]  # type: ignore[attr-defined]  # QueuePool's idle records
    return record.dbapi_connection


@contextmanager
def wire(driver: Any) -> Iterator[list[str]]:
    """The frontend messages (what the client sent) on ``driver`` while the block runs."""
    import psycopg

    sent: list[str] = []
    with tempfile.TemporaryFile() as trace:
        driver.pgconn.trace(trace.fileno())
        driver.pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS)
        try:
            yield sent
        finally:
            if not driver.closed:
                driver.pgconn.untrace()
            trace.seek(0)
            for line in trace.read().decode(errors="replace").splitlines():
                parts = line.split("\t")
                if parts[0] == "F" and len(parts) > 2:
                    sent.append(parts[2].strip() + " " + (parts[3].strip() if len(parts) > 3
                                                          else ""))


def round_trips(sent: list[str]) -> list[str]:
    """Each message that waits for the server's answer: a simple Query or an extended Sync."""
    return [m for m in sent if m.startswith(("Query", "Sync"))]


@pytest.fixture
def warm(client: FlaskClient, signed_in: Callable[[User], FlaskClient],
         worker: User) -> FlaskClient:
    """A signed-in client whose pool holds one connection, used by a request already."""
    signed_in(worker)
    db.session.commit()
    db.engine.dispose()
    assert client.get(PAGE).status_code == 200
    return client


def test_a_request_on_a_live_pooled_connection_sends_no_ping(app: Flask, warm: FlaskClient):
    statements: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    driver = pooled_driver_connection()
    event.listen(db.engine, "before_cursor_execute", note)
    try:
        with wire(driver) as sent:
            response = warm.get(PAGE)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    assert response.status_code == 200
    assert statements, "the page read nothing: the check below would prove nothing"
    # Each round trip is a transaction's BEGIN or end, or one of the page's own statements:
    # no ping (SQLAlchemy's is the empty query ";").
    own = [m for m in round_trips(sent) if m not in ENDS]
    assert len(own) == len(statements), (sent, statements)
    assert 'Query ";"' not in sent


def test_a_pooled_connection_the_server_ended_is_replaced_before_the_request_uses_it(
        app: Flask, warm: FlaskClient):
    driver = pooled_driver_connection()
    pid = driver.info.backend_pid
    killer = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
            for _ in range(100):  # the backend ends asynchronously
                if not conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = :p"),
                                    {"p": pid}).first():
                    break
                time.sleep(0.02)
            else:
                pytest.fail("the backend did not end")
    finally:
        killer.dispose()

    response = warm.get(PAGE)

    assert response.status_code == 200, response.status_code
    assert pooled_driver_connection().info.backend_pid != pid


def test_after_every_pooled_connection_was_ended_as_in_a_restart_no_request_fails(
        app: Flask, warm: FlaskClient):
    """Each dead connection is found at its own checkout: no request meets one."""
    held = [db.engine.connect() for _ in range(3)]  # three connections into the pool
    for conn in held:
        conn.close()
    pids = [record.dbapi_connection.info.backend_pid
            for record in db.engine.pool._pool.queue]  # type: ignore[attr-defined]
    assert len(pids) == 3
    killer = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    try:
        with killer.connect() as conn:
            conn.execute(text("SELECT pg_terminate_backend(pid) FROM unnest(:p) AS pid"),
                         {"p": pids})
            while conn.execute(text("SELECT 1 FROM pg_stat_activity WHERE pid = ANY(:p)"),
                               {"p": pids}).first():
                time.sleep(0.02)
    finally:
        killer.dispose()

    assert [warm.get(PAGE).status_code for _ in range(4)] == [200] * 4
