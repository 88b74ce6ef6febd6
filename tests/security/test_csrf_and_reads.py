"""Forged requests and reads: a state-changing request without a CSRF token is refused with a
translated page and changes nothing; no GET changes anything but the audit trail."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from tests.security.matrix import CALLERS, STATE_CHANGING, TABLE, ordered
from tests.security.snapshot import READ_BOOKKEEPING, changed, snapshot

# JSON API routes authenticate with bearer tokens, not cookies, and have no CSRF token.
CSRF_EXEMPT_PREFIXES = ("/api/",)


def new_audit_actions(since: int) -> set[str]:
    """Actions audited after event ``since``: a refused forgery may only record its refusal."""
    db.session.commit()
    return set(db.session.scalars(select(AuditEvent.action).where(AuditEvent.seq > since)))


def last_seq() -> int:
    db.session.commit()
    return db.session.scalar(select(db.func.coalesce(db.func.max(AuditEvent.seq), 0)))


@pytest.fixture
def production_csrf(app):
    """As in production: CSRF checked (the testing config keeps it on too; make sure)."""
    saved = app.config.get("WTF_CSRF_ENABLED", True)
    app.config["WTF_CSRF_ENABLED"] = True
    yield
    app.config["WTF_CSRF_ENABLED"] = saved


@pytest.mark.parametrize("caller", CALLERS)
def test_no_csrf_token_no_change(caller, world, caller_client, production_csrf):
    client, _token = caller_client(caller)
    refused = []
    before, seq = snapshot(READ_BOOKKEEPING), last_seq()
    for (rule, method), row in ordered(TABLE):
        if method not in STATE_CHANGING or rule.startswith(CSRF_EXEMPT_PREFIXES):
            continue
        response = client.open(row.url.format(**world.ids), method=method, data=row.data)
        if response.status_code != 400 or "表单已失效" not in response.get_data(as_text=True):
            refused.append((method, rule, response.status_code))
    assert refused == [], "answered other than 400 'this form has expired'"
    assert changed(before, snapshot(READ_BOOKKEEPING)) == []
    assert new_audit_actions(seq) <= {"access.denied"}


def test_a_wrong_token_is_refused_too(world, caller_client, production_csrf):
    client, token = caller_client("owner")
    before, seq = snapshot(READ_BOOKKEEPING), last_seq()
    url = "/bookings/{booking}/cancel".format(**world.ids)
    forged = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert client.post(url, data={"csrf_token": forged}).status_code == 400
    assert changed(before, snapshot(READ_BOOKKEEPING)) == []
    assert new_audit_actions(seq) == {"access.denied"}  # the refusal itself is on record
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    # the same request with its token does cancel
    assert changed(before, snapshot(READ_BOOKKEEPING)) != []


@pytest.mark.parametrize("caller", CALLERS)
def test_reading_changes_nothing(caller, world, caller_client):
    client, _token = caller_client(caller)
    before = snapshot(READ_BOOKKEEPING)
    for (_rule, method), row in ordered(TABLE):
        if method == "GET":
            client.get(row.url.format(**world.ids)).close()
    assert changed(before, snapshot(READ_BOOKKEEPING)) == []


def test_state_changing_routes_refuse_get(app, world, caller_client):
    """A link or prefetch (GET) to a state-changing route is not allowed to act."""
    client, _token = caller_client("owner")
    answered = {}
    for (rule, method), row in TABLE.items():
        if method in STATE_CHANGING and (rule, "GET") not in TABLE:
            answered[rule] = client.get(row.url.format(**world.ids)).status_code
    assert answered
    assert {rule: code for rule, code in answered.items() if code != 405} == {}
