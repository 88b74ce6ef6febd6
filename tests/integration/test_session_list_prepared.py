"""The session list ends its read-only transaction with a COMMIT (bench/README.md, step 12c).

psycopg drops every prepared statement of a connection on ROLLBACK, and a request's
session is rolled back when it closes: a page that only reads would never reach
``prepare_threshold`` and PostgreSQL would parse and plan its statements on every view.
The database session store's read (used here; Redis in production) commits for the same
reason: the view reuses its connection.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from app.extensions import db
from tests.booking_helpers import make_centre, make_service, make_session


def test_the_session_list_commits_its_reads_and_its_statements_get_prepared(
        client, counsellor):
    service = make_service("group-stress", capacity=3)
    hub = make_centre("qz-hub", services=[service], staff=[counsellor])
    make_session(hub, service, counsellor, starts_in=timedelta(days=1, hours=3))
    db.session.commit()
    # One pooled connection, as in a sync worker: earlier tests may have left several in
    # the pool, which hands them out in turn, so that none would reach prepare_threshold.
    db.engine.dispose()
    ends: list[str] = []
    drivers: list[object] = []

    def on_commit(conn) -> None:
        ends.append("commit")

    def on_rollback(conn) -> None:
        ends.append("rollback")

    def on_execute(conn, cursor, statement, *args) -> None:
        if "FROM sessions" in statement:
            drivers.append(cursor.connection)

    for name, listener in (("commit", on_commit), ("rollback", on_rollback),
                           ("before_cursor_execute", on_execute)):
        event.listen(db.engine, name, listener)
    try:
        for _ in range(7):
            ends.clear()
            assert client.get("/booking").status_code == 200
    finally:
        for name, listener in (("commit", on_commit), ("rollback", on_rollback),
                               ("before_cursor_execute", on_execute)):
            event.remove(db.engine, name, listener)
    # Only commits: the list's (and the session store's read, when the visitor has a
    # session; the anonymous list holds no form, so it no longer starts one).
    assert ends
    assert set(ends) == {"commit"}
    if db.engine.dialect.name != "postgresql":
        return
    raw = drivers[-1]
    assert all(d is raw for d in drivers[-2:])
    prepared = raw.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    raw.rollback()
    assert any("FROM sessions" in row[0] for row in prepared), prepared
