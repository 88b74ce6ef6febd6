"""Read-only pages on a real PostgreSQL streaming replica (``DATABASE_REPLICA_URL``): they read
it, turn to the primary when it lags or dies, and never fail for it. The replica is made by
tools/replica.py (``pg_basebackup -R`` into a private directory on a free port)."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from app import replica
from app.accounts.models import Role
from app.extensions import db
from app.reports.models import PublishedCell
from tests.conftest import TEST_DATABASE_URL, free_port, sqlalchemy_url
from tests.helpers import text as page_text
from tests.integration.test_library import publish
from tests.integration.test_reports import counts_on, network  # noqa: F401  (a fixture)
from tools import replica as replica_tool

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="session")
def streaming_replica() -> Iterator[tuple[int, Path, str]]:
    """A hot standby of the test server, private to this test process."""
    port = free_port()
    directory = Path(tempfile.mkdtemp(prefix=f"xq-replica-{port}-"))
    primary = make_url(sqlalchemy_url(TEST_DATABASE_URL)).set(
        drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    replica_tool.up(primary, port, directory)
    yield port, directory, primary
    replica_tool.down(port, directory, mode="immediate")
    shutil.rmtree(directory, ignore_errors=True)


@pytest.fixture
def on_replica(app: Flask, streaming_replica: tuple[int, Path, str]
               ) -> Iterator[replica.Replica]:
    """The test app reading its read-only pages from the replica."""
    port, directory, primary = streaming_replica
    replica_tool.up(primary, port, directory)  # back up after a kill
    url = make_url(db.engine.url).set(port=port, host="127.0.0.1")
    app.config.update(DATABASE_REPLICA_URL=url.render_as_string(hide_password=False),
                      REPLICA_MAX_LAG_SECONDS=60, REPLICA_CHECK_SECONDS=0)
    replica.init_app(app)
    yield app.extensions["xinqing_replica"]
    found = app.extensions.pop("xinqing_replica")
    found.engine.dispose()
    app.config["DATABASE_REPLICA_URL"] = None


def caught_up(replica_url: object) -> None:
    """Wait until the replica has replayed everything the primary has written so far.

    Each poll is its own autocommit statement: a transaction held open across polls keeps a
    snapshot that the standby cancels when replay must remove rows it might see ("conflict
    with recovery"), which a loaded machine made happen. Such a cancellation is polled again.
    """
    target = db.session.execute(text("SELECT pg_current_wal_lsn()")).scalar()
    db.session.commit()
    engine = create_engine(replica_url, isolation_level="AUTOCOMMIT")  # type: ignore[call-overload]
    deadline = time.monotonic() + 30
    try:
        while time.monotonic() < deadline:
            try:
                with engine.connect() as conn:
                    if conn.execute(text("SELECT pg_last_wal_replay_lsn() >= CAST(:t AS pg_lsn)"),
                                    {"t": target}).scalar():
                        return
            except OperationalError:
                pass  # cancelled by replay, or the replica restarting: ask again
            time.sleep(0.05)
        raise AssertionError("the replica did not catch up")
    finally:
        engine.dispose()


def replay(found: replica.Replica, action: str) -> None:
    with found.engine.connect() as conn:
        conn.execute(text(f"SELECT pg_wal_replay_{action}()"))
        conn.commit()


def test_the_library_list_is_read_on_the_replica_and_on_the_primary_past_the_lag(
        app, client, make_user, on_replica):
    author, reviewer = make_user(Role.COUNSELLOR), make_user(Role.COUNSELLOR)
    publish(author, reviewer, title="在复制库上的文章")
    caught_up(on_replica.engine.url)
    replay(on_replica, "pause")
    try:
        publish(author, reviewer, title="只在主库上的文章")
        page = page_text(client.get("/library"))
        # the replica has the first article and not yet the second: the page read the replica
        assert "在复制库上的文章" in page
        assert "只在主库上的文章" not in page
        # a replica further behind than the setting is passed over for the primary
        time.sleep(1.1)
        on_replica.max_lag = 1
        page = page_text(client.get("/library"))
        assert "只在主库上的文章" in page
    finally:
        replay(on_replica, "resume")


def test_pages_still_answer_when_the_replica_is_killed_mid_run(
        app, client, make_user, on_replica, streaming_replica, caplog):
    author, reviewer = make_user(Role.COUNSELLOR), make_user(Role.COUNSELLOR)
    publish(author, reviewer, title="断电前的文章")
    caught_up(on_replica.engine.url)
    assert "断电前的文章" in page_text(client.get("/library"))
    # the replica was checked a moment ago and is believed healthy when it dies
    on_replica.check_every = 3600
    port, directory, _primary = streaming_replica
    replica_tool.down(port, directory, mode="immediate")
    publish(author, reviewer, title="断电后的文章")
    caplog.set_level(logging.WARNING, logger="xinqing.replica")
    # the first read fails on the replica and is read again on the primary
    response = client.get("/library")
    assert response.status_code == 200
    assert "断电后的文章" in page_text(response)
    on_replica.check_every = 0  # later requests look again, find it down, read the primary
    for _ in range(3):
        response = client.get("/library")
        assert response.status_code == 200
        assert "断电后的文章" in page_text(response)  # from the primary
    warnings = [r for r in caplog.records if r.name == "xinqing.replica"]
    assert len(warnings) == 1
    assert "does not answer" in warnings[0].getMessage()


def test_the_dashboard_and_its_csv_read_the_replica_and_its_first_view_writes_the_primary(
        app, network, social_worker, signed_in, on_replica):  # noqa: F811  (the fixture)
    """The first view of a month pools it and keeps the cells (a write inside the read):
    from that write on, the view reads the primary, so it shows the cells it just kept."""
    caught_up(on_replica.engine.url)
    client = signed_in(social_worker)
    month = network["month"]
    page = page_text(client.get(f"/reports/?period={month}&lang=en"))
    assert sum(counts_on(page)) > 6000
    assert db.session.scalar(select(func.count()).select_from(PublishedCell)) > 0  # primary
    response = client.get(f"/reports/export.csv?period={month}&lang=en")
    assert response.status_code == 200
    assert len(response.get_data(as_text=True).splitlines()) > 20
    assert on_replica.usable
