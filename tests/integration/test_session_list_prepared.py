"""The session list's statements get prepared on PostgreSQL (bench/README.md, step 12c).

psycopg drops every prepared statement of a connection on ROLLBACK; a transaction that only
read ends with COMMIT instead (app/read_only.py), the request's own and the database session
store's read (used here; Redis in production), whose connection the view then reuses.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.extensions import db
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import prepared_after


@pytest.mark.postgres
def test_the_session_list_statements_get_prepared(
        client, counsellor):
    service = make_service("group-stress", capacity=3)
    hub = make_centre("qz-hub", services=[service], staff=[counsellor])
    make_session(hub, service, counsellor, starts_in=timedelta(days=1, hours=3))
    db.session.commit()
    prepared = prepared_after(client, "/booking", 7, "FROM sessions")
    assert any("FROM sessions" in s for s in prepared), prepared
