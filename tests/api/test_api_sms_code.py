"""Tokens by SMS code: ``POST /auth/sms-code`` with a phone, then ``POST /auth/token``."""

from __future__ import annotations

from tests.api.helpers import bearer
from tests.integration.test_phone_codes import last_code


def test_worker_gets_a_token_with_the_code_sent_to_their_phone(client, worker):
    response = client.post("/api/v1/auth/sms-code", json={"phone": "138 0013 8000"})
    assert response.status_code == 202
    assert response.get_json() == {"sent": True, "expires_in": 300}
    response = client.post("/api/v1/auth/token",
                           json={"phone": "13800138000", "code": last_code("+8613800138000")})
    assert response.status_code == 201, response.get_json()
    token = response.get_json()["token"]
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["roles"] == ["worker"]


def test_wrong_code_and_unknown_number_get_the_same_401(client, worker):
    client.post("/api/v1/auth/sms-code", json={"phone": "13800138000"})
    wrong = "000000" if last_code("+8613800138000") != "000000" else "111111"
    bad = client.post("/api/v1/auth/token", json={"phone": "13800138000", "code": wrong})
    assert bad.status_code == 401
    assert bad.get_json()["type"] == "urn:xinqing:problem:bad-code"
    stranger = client.post("/api/v1/auth/sms-code", json={"phone": "13700000009"})
    assert stranger.status_code == 202  # nothing says there is no account
    unknown = client.post("/api/v1/auth/token", json={"phone": "13700000009", "code": "123456"})
    assert unknown.status_code == 401
    assert unknown.get_json()["detail"] == bad.get_json()["detail"]


def test_code_flood_answers_429_and_bad_numbers_422(client):
    assert client.post("/api/v1/auth/sms-code", json={"phone": "13512345678"}).status_code == 202
    flood = client.post("/api/v1/auth/sms-code", json={"phone": "13512345678"})
    assert flood.status_code == 429
    assert client.post("/api/v1/auth/sms-code", json={"phone": "12345"}).status_code == 422


def test_token_request_takes_password_or_code_not_both(client, worker):
    both = client.post("/api/v1/auth/token", json={"login": "13800138000", "password": "x",
                                                    "phone": "13800138000", "code": "123456"})
    assert both.status_code == 422
    half = client.post("/api/v1/auth/token", json={"phone": "13800138000"})
    assert half.status_code == 422
