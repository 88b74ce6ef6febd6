"""What lands on disk: contact details and names never appear in clear."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text as sql

from app.extensions import db
from tests.conftest import IS_POSTGRES
from tests.helpers import PASSWORD, submit

SECRETS = ("13912345678", "8613912345678", "mei.lin@example.com", "林小梅")


def register_two(client) -> None:
    for login, name in (("139 1234 5678", "林小梅"), ("Mei.Lin@example.com", "林小梅")):
        response = submit(client, "/account/register", {
            "login": login, "name": name, "password": PASSWORD, "confirm": PASSWORD,
            "accept_privacy": "y"})
        assert response.status_code == 302
        client.delete_cookie("session")


def test_no_row_holds_contact_or_name_in_clear(app, client):
    register_two(client)
    found = []
    for table in db.metadata.sorted_tables:
        for row in db.session.execute(table.select()):
            blob = " ".join(
                bytes(v).decode("latin-1") if isinstance(v, bytes | memoryview) else str(v)
                for v in row
            )
            found += [(table.name, s) for s in SECRETS if s in blob]
    assert found == []


def test_sqlite_file_bytes_hold_no_contact_or_name(app, client):
    if IS_POSTGRES:
        # The row scan above covers PostgreSQL; this one reads SQLite's file itself.
        return
    register_two(client)
    db.session.execute(sql("PRAGMA wal_checkpoint(FULL)"))
    path = Path(db.engine.url.database)
    raw = path.read_bytes()
    for extra in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-journal")):
        if extra.exists():
            raw += extra.read_bytes()
    for secret in SECRETS:
        assert secret.encode() not in raw, secret
        assert secret.encode("utf-16-le") not in raw, secret
