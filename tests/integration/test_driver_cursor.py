"""psycopg's result descriptions are built only when read (``app/driver_cursor.py``).

A statement SQLAlchemy has run before needs no description of its columns; building one per
statement was ~5 % of a signed-in request's instructions (bench/README.md, Step 17b). What
anyone reads of a description is still psycopg's own, for the result it was made for.
"""

from __future__ import annotations

import psycopg
import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.extensions import db
from tests.conftest import IS_POSTGRES

pytestmark = pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL only: psycopg's cursors")


@pytest.fixture
def columns_built(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many ``psycopg.Column`` objects were made while the test ran."""
    made: list[int] = []
    original = psycopg.Column.__init__

    def counting(self, cursor, index):  # type: ignore[no-untyped-def]
        made.append(index)
        original(self, cursor, index)

    monkeypatch.setattr(psycopg.Column, "__init__", counting)
    return made


def _person_ids() -> list[int]:
    return list(db.session.scalars(select(User.id).order_by(User.id)))


def _read_people(worker: User) -> None:
    assert _person_ids() == [worker.id]
    person = db.session.get(User, worker.id, populate_existing=True)
    assert person is not None
    assert person.email == worker.email
    db.session.rollback()


def test_a_statement_run_before_builds_no_column_descriptions(
        app, worker: User, columns_built: list[int]) -> None:
    _read_people(worker)  # compiled and cached here, their columns described once
    assert columns_built, "the first run described nothing: the check below proves nothing"
    columns_built.clear()
    _read_people(worker)
    assert columns_built == []


def test_a_description_read_is_psycopgs_own_even_after_the_cursor_moved_on(app) -> None:
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT 1 AS one, 'x'::text AS letter")
        described = cursor.description
        cursor.execute("SELECT now() AS moment")
        assert [c.name for c in described] == ["one", "letter"]
        assert len(described) == 2
        assert described[1].type_code == psycopg.adapters.types["text"].oid
        assert [c.name for c in cursor.description] == ["moment"]
        plain = psycopg.ClientCursor(raw.driver_connection)
        plain.execute("SELECT 1 AS one, 'x'::text AS letter")
        assert [tuple(c) for c in plain.description] == [tuple(c) for c in described]
        cursor.execute("CREATE TEMPORARY TABLE xq_scratch (n int)")
        assert cursor.description is None  # a command returns no rows: None, as psycopg's
        cursor.execute("SELECT")
        assert cursor.description is not None
        assert len(cursor.description) == 0
    finally:
        raw.rollback()
        raw.close()
