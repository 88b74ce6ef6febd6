"""Refusals leave a trace in the audit log (without personal data), cannot flood it, and
many at once still leave one unbroken chain."""

from __future__ import annotations

import threading

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from app import audit
from app.audit.models import AuditEvent
from app.extensions import db
from tests.conftest import IsolatedClient
from tests.helpers import sign_in, text


def refusals() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "access.denied").order_by(AuditEvent.seq)))


def test_someone_elses_object_is_404_and_audited(worker, signed_in):
    client = signed_in(worker)
    response = client.get("/screening/results/0123456789abcdef0123456789abcdef")
    assert response.status_code == 404
    [event] = refusals()
    assert event.actor == worker.uid
    assert event.target == "screening.result"
    assert event.detail == {"status": 404, "reason": "not_found_or_not_owner",
                            "method": "GET"}
    assert "0123456789abcdef" not in str(event.detail)


def test_unknown_addresses_from_visitors_are_not_logged(client):
    assert client.get("/no/such/page").status_code == 404
    assert refusals() == []


def test_role_refusal_is_logged_once(worker, signed_in):
    client = signed_in(worker)
    assert client.get("/admin/").status_code == 403
    [event] = refusals()
    assert event.detail["reason"] == "role"


def test_rate_limited_sign_in_is_logged(app, client, worker, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "2 per minute")
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT", "2 per minute")
    statuses = [sign_in(client, "13800138000", "wrong guess 1").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    [event] = refusals()
    assert event.actor is None
    assert event.target == "accounts.login"
    assert event.detail["reason"] == "rate_limited"
    failed = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "login.failed"))
    assert failed == 2


def test_csrf_failure_is_logged(client):
    response = client.post("/account/login", data={"login": "x", "password": "y"})
    assert response.status_code == 400
    assert "表单已失效" in text(response)
    [event] = refusals()
    assert event.detail["reason"] == "csrf"


def test_refusals_cannot_flood_the_log(app, worker, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "REFUSAL_AUDIT_LIMIT", "5 per minute")
    client = signed_in(worker)
    for _ in range(12):
        assert client.get("/admin/staff").status_code == 403
    for n in range(12):
        assert client.get(f"/screening/results/{n:032x}").status_code == 404
    reasons = [e.detail["reason"] for e in refusals()]
    assert reasons == ["role"] * 5 + ["not_found_or_not_owner"] * 5


@pytest.mark.slow
def test_many_refusals_at_once_keep_one_chain(app, make_user):
    users = [make_user() for _ in range(6)]
    db.session.commit()
    clients = []
    for user in users:
        signed = IsolatedClient(app, app.response_class, use_cookies=True)
        assert sign_in(signed, user.email).status_code == 303
        # A plain client: in a thread, each request brings its own app context and session.
        client = FlaskClient(app, app.response_class, use_cookies=True)
        client.set_cookie("session", signed.get_cookie("session").value)
        clients.append(client)
    errors: list[BaseException] = []

    def hammer(client) -> None:
        try:
            for n in range(5):
                assert client.get(f"/screening/results/{n:032x}").status_code == 404
        except BaseException as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=hammer, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    db.session.expire_all()
    assert len(refusals()) == 30
    verdict = audit.verify()
    assert verdict.ok, verdict
