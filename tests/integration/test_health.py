"""The health endpoint and request logs a load balancer and an operator rely on."""

from __future__ import annotations

import json
import logging

from tests.helpers import sign_in


def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "checks": {"database": "ok"}}


def test_healthz_says_503_when_redis_is_down(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:1/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["redis"].startswith("down")


def test_request_log_names_the_endpoint_and_holds_no_personal_data(client, worker, caplog):
    with caplog.at_level(logging.INFO, logger="xinqing.requests"):
        response = sign_in(client, "13800138000", "the wrong password", next_url="/account/")
    lines = [json.loads(r.getMessage()) for r in caplog.records
             if r.name == "xinqing.requests"]
    assert lines[-1]["endpoint"] == "accounts.login"
    assert lines[-1]["request_id"] == response.headers["X-Request-ID"]
    logged = caplog.text
    for secret in ("13800138000", "the wrong password", "/account/", "next="):
        assert secret not in logged
