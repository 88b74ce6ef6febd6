"""A comparable picture of every table, to show that a request changed nothing."""

from __future__ import annotations

from app.extensions import db

# Rows a read may legitimately write: the audit trail of sensitive reads (and its tip),
# server-side session records, and an API token's "last used" time.
READ_BOOKKEEPING = frozenset({
    "audit_events", "audit_head", "server_sessions", "api_tokens",
    # The first view of a finished month pools its de-identified cells once and keeps them.
    "report_published", "report_published_months",
    # Every SMS code request and every wrong code is counted (limits, five tries), by design.
    "phone_codes",
    # Reading a library item counts it (item and month, no reader).
    "report_library_use",
})


def _plain(value: object) -> object:
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    return value


def snapshot(skip: frozenset[str] = frozenset()) -> dict[str, list[str]]:
    """Every row of every table (but ``skip``), as sorted text, read outside any cache."""
    db.session.commit()
    picture = {}
    with db.engine.connect() as conn:
        for table in db.metadata.sorted_tables:
            if table.name in skip:
                continue
            rows = conn.execute(table.select()).all()
            picture[table.name] = sorted(repr(tuple(_plain(v) for v in row)) for row in rows)
    return picture


def changed(before: dict[str, list[str]], after: dict[str, list[str]]) -> list[str]:
    """Names of the tables whose rows differ."""
    return sorted(name for name in before if before[name] != after.get(name))
