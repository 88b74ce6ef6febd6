"""The session list's statements get prepared on PostgreSQL (bench/README.md, step 12c).

psycopg drops every prepared statement of a connection on ROLLBACK; a transaction that only
read ends with COMMIT instead (app/read_only.py), the request's own and the database session
store's read (used here; Redis in production), whose connection the view then reuses.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from app.extensions import db
from tests.booking_helpers import make_centre, make_service, make_session


@pytest.mark.postgres
def test_the_session_list_statements_get_prepared(
        client, counsellor):
    service = make_service("group-stress", capacity=3)
    hub = make_centre("qz-hub", services=[service], staff=[counsellor])
    make_session(hub, service, counsellor, starts_in=timedelta(days=1, hours=3))
    db.session.commit()
    # One pooled connection, as in a sync worker: earlier tests may have left several in
    # the pool, which hands them out in turn, so that none would reach prepare_threshold.
    db.engine.dispose()
    drivers: list[object] = []

    def on_execute(conn, cursor, statement, *args) -> None:
        if "FROM sessions" in statement:
            drivers.append(cursor.connection)

    event.listen(db.engine, "before_cursor_execute", on_execute)
    try:
        for _ in range(7):
            assert client.get("/booking").status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", on_execute)
    raw = drivers[-1]
    assert all(d is raw for d in drivers[-2:])
    prepared = raw.execute("SELECT statement FROM pg_prepared_statements").fetchall()
    raw.rollback()
    assert any("FROM sessions" in row[0] for row in prepared), prepared
