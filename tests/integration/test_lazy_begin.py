"""A request that only reads opens no transaction on PostgreSQL; one that writes or locks does.

``app/read_only.py`` runs a connection in autocommit until a statement needs the transaction,
so a read-only page saves the BEGIN and COMMIT round trips (bench/README.md, step 17a). What
must hold for more than one statement (a row lock, an advisory lock, a write) still begins a
transaction first, and holds until it ends. The wire is read from libpq's own trace.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.exc import OperationalError

from app.accounts.models import User
from app.extensions import db
from app.security.access import public
from tests.conftest import IS_POSTGRES
from tests.integration.test_pool_liveness import PAGE, pooled_driver_connection, round_trips, wire

pytestmark = pytest.mark.skipif(
    not IS_POSTGRES, reason="PostgreSQL only: transactions are read off the wire")


def test_a_signed_in_page_that_only_reads_sends_no_begin_and_no_commit(
        client: FlaskClient, signed_in: Callable[[User], FlaskClient], worker: User) -> None:
    signed_in(worker)
    db.session.commit()
    db.engine.dispose()
    for _ in range(2):  # the first views keep a form token and the time seen in the session
        assert client.get(PAGE).status_code == 200
    with wire(pooled_driver_connection()) as sent:
        assert client.get(PAGE).status_code == 200
    trips = round_trips(sent)
    assert trips, "the page read nothing: the check below would prove nothing"
    assert not [m for m in trips if m.startswith('Query "BEGIN') or m in (
        'Query "COMMIT"', 'Query "ROLLBACK"')], trips


@pytest.fixture
def other(app: Flask) -> Iterator[object]:
    """A second connection, as another request in another process would hold."""
    engine = create_engine(db.engine.url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text("SET lock_timeout = '100ms'"))
        yield conn
    engine.dispose()


@pytest.fixture
def probe_app(make_app: Callable[..., Flask], app: Flask, other) -> Iterator[Flask]:
    """Views that read, lock, then ask the other connection what it can still do."""
    probe = make_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])
    seen: dict[str, object] = {}

    def first_id() -> int:
        found = db.session.scalars(select(User.id).order_by(User.id)).first()
        assert found is not None
        return found

    @probe.get("/probe/row-lock")
    @public
    def row_lock() -> str:
        person = first_id()
        db.session.execute(select(User.id).where(User.id == person).with_for_update()).one()
        first_id()  # a plain read after the lock: the lock is still held
        try:
            other.execute(text("SELECT 1 FROM users WHERE id = :i FOR UPDATE"), {"i": person})
            seen["other"] = "got the row"
        except OperationalError:
            seen["other"] = "waited"
        db.session.commit()
        other.execute(text("SELECT 1 FROM users WHERE id = :i FOR UPDATE"), {"i": person})
        return "ok"

    @probe.get("/probe/advisory")
    @public
    def advisory() -> str:
        first_id()
        db.session.execute(text("SELECT pg_advisory_xact_lock(4242)"))
        first_id()
        seen["other"] = other.execute(text("SELECT pg_try_advisory_lock(4242)")).scalar()
        db.session.commit()
        return "ok"

    @probe.get("/probe/write-then-fail")
    @public
    def write_then_fail() -> str:
        person = first_id()
        db.session.execute(text("UPDATE users SET sector = 'changed' WHERE id = :i"),
                           {"i": person})
        first_id()
        raise RuntimeError("after the write")

    probe.extensions["probe_seen"] = seen
    yield probe
    with probe.app_context():
        db.engine.dispose()


def test_a_row_lock_taken_after_reads_holds_until_the_commit(
        probe_app: Flask, worker: User) -> None:
    db.session.commit()
    assert probe_app.test_client().get("/probe/row-lock").status_code == 200
    assert probe_app.extensions["probe_seen"]["other"] == "waited"


def test_an_advisory_transaction_lock_taken_after_reads_holds_until_the_commit(
        probe_app: Flask, worker: User) -> None:
    db.session.commit()
    assert probe_app.test_client().get("/probe/advisory").status_code == 200
    assert probe_app.extensions["probe_seen"]["other"] is False


def test_a_write_after_reads_is_undone_when_the_request_fails(
        probe_app: Flask, worker: User) -> None:
    sector = worker.sector
    db.session.commit()
    probe_app.config["PROPAGATE_EXCEPTIONS"] = False
    assert probe_app.test_client().get("/probe/write-then-fail").status_code == 500
    db.session.commit()
    assert db.session.scalars(select(User.sector)).all() == [sector]
