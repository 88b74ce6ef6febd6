"""TRUSTED_PROXY_HOPS (issue 22): behind nginx each client keeps its own per-address budget,
and an X-Forwarded-For entry the client wrote itself buys no fresh one. (The same runs
against gunicorn with the production configuration in tests/security/test_behind_the_proxy.)"""

from __future__ import annotations

import pytest

from app.extensions import db, limiter

NGINX = "127.0.0.1"


@pytest.fixture
def proxied(make_app, databases):
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new(), TRUSTED_PROXY_HOPS=1,
                   LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
        limiter.reset()
        yield app
        db.session.remove()
        db.engine.dispose()


def _try(app, forwarded: str | None, remote: str = NGINX) -> int:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    return app.test_client().post(
        "/api/v1/auth/token", json={"login": "13700000000", "password": "wrong-guess"},
        headers=headers, environ_base={"REMOTE_ADDR": remote}).status_code


def test_each_forwarded_client_has_its_own_budget(proxied):
    assert [_try(proxied, "203.0.113.1") for _ in range(4)] == [401, 401, 401, 429]
    assert _try(proxied, "203.0.113.2") == 401  # not the same budget as .1


def test_a_spoofed_extra_hop_gets_no_fresh_budget(proxied):
    for _ in range(3):
        _try(proxied, "203.0.113.1")
    # The client sent "X-Forwarded-For: 198.51.100.7"; nginx appended the real address.
    assert _try(proxied, "198.51.100.7, 203.0.113.1") == 429
    assert _try(proxied, "10.0.0.1, 198.51.100.7, 203.0.113.1") == 429


def test_without_trusted_hops_the_header_is_ignored(make_app, databases):
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new(), LOGIN_RATE_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
        limiter.reset()
        statuses = [_try(app, f"203.0.113.{n}", remote="192.0.2.50") for n in range(4)]
        db.session.remove()
        db.engine.dispose()
    assert statuses == [401, 401, 401, 429]  # a client cannot mint addresses by header
