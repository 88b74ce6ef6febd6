"""A transaction that only read ends with COMMIT on the wire, one that wrote with ROLLBACK.

psycopg drops every prepared statement of a connection on ROLLBACK, and a request's session
is rolled back when it closes: a page that only reads would never reach ``prepare_threshold``
and PostgreSQL would parse and plan each of its statements on every request
(bench/README.md, steps 12c and 13a). ``app/read_only.py`` is the rule's one home. (On
PostgreSQL a transaction that only reads no longer begins at all, and its commit sends
nothing: tests/integration/test_lazy_begin.py.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, text, update

from app.accounts.models import User
from app.extensions import db
from app.security.access import public
from tests.helpers import prepared_after


@pytest.fixture
def probe_app(make_app: Callable[..., Flask], app: Flask) -> Iterator[Flask]:
    """A second app on the test database with views that change things and never commit."""
    other = make_app(SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"])

    def person() -> User:
        found = db.session.scalars(select(User)).first()
        assert found is not None
        return found

    @other.get("/probe/reads")
    @public
    def reads() -> str:
        person()
        return "ok"

    @other.get("/probe/unflushed")
    @public
    def unflushed() -> str:
        person().sector = "changed"  # e.g. a form applied to an object, then invalid
        return "ok"

    @other.get("/probe/flushed")
    @public
    def flushed() -> str:
        person().sector = "changed"
        db.session.flush()
        return "ok"

    @other.get("/probe/core")
    @public
    def core() -> str:
        db.session.execute(update(User).values(sector="changed"))
        return "ok"

    @other.get("/probe/text")
    @public
    def raw_text() -> str:
        db.session.execute(text("UPDATE users SET sector = 'changed'"))
        return "ok"

    @other.get("/probe/fails")
    @public
    def fails() -> str:
        person().sector = "changed"
        db.session.flush()
        raise RuntimeError("after the flush")

    yield other
    with other.app_context():
        db.engine.dispose()


@pytest.mark.parametrize("path", ["unflushed", "flushed", "core", "text", "fails"])
def test_a_request_that_changed_things_but_did_not_commit_changes_nothing(
        probe_app: Flask, worker: User, path: str) -> None:
    sector = worker.sector
    db.session.commit()  # and below: a fresh snapshot (SQLite keeps one per transaction)
    client = probe_app.test_client()
    client.get(f"/probe/{path}")
    db.session.commit()
    assert db.session.scalars(select(User.sector)).all() == [sector]


def test_a_read_only_request_commits_and_one_that_wrote_rolls_back(
        probe_app: Flask, worker: User, monkeypatch: pytest.MonkeyPatch) -> None:
    db.session.commit()
    with probe_app.app_context():
        dialect = db.engine.dialect
    commits: list[object] = []
    real_commit = dialect.do_commit

    def do_commit(dbapi_connection: object) -> None:
        commits.append(dbapi_connection)
        real_commit(dbapi_connection)

    monkeypatch.setattr(dialect, "do_commit", do_commit)
    client = probe_app.test_client()
    for path, committed in (("reads", True), ("flushed", False), ("fails", False)):
        commits.clear()
        client.get(f"/probe/{path}")
        assert bool(commits) is committed, path


@pytest.mark.postgres
def test_a_signed_in_page_keeps_the_person_query_prepared(
        client: FlaskClient, signed_in: Callable[..., FlaskClient], worker: User) -> None:
    signed_in(worker)
    prepared = prepared_after(client, "/screening/history", 8, "FROM users")
    assert any("FROM users" in s for s in prepared), prepared
