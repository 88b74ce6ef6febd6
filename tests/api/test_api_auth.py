"""API tokens: issued like a sign-in, stored hashed, ended with the password or by revoking."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta

from sqlalchemy import select

from app.accounts import services as accounts
from app.api.models import ApiToken
from app.audit.models import AuditEvent
from app.extensions import db
from app.types import utcnow
from tests.api.helpers import bearer, get_token
from tests.helpers import PASSWORD, sign_in, totp_code


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_worker_gets_a_token_that_is_stored_only_as_a_hash(client, worker):
    response = client.post("/api/v1/auth/token", json={"login": "138 0013 8000",
                                                      "password": PASSWORD})
    assert response.status_code == 201
    body = response.get_json()
    assert body["token_type"] == "Bearer"
    assert body["user"]["roles"] == ["worker"]
    assert body["expires_at"].endswith("+00:00")
    token = body["token"]
    row = db.session.scalar(select(ApiToken))
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in {row.prefix, row.token_hash}
    assert client.get("/api/v1/me", headers=bearer(token)).get_json()["roles"] == ["worker"]
    assert "login.succeeded" in actions()
    assert "api.token_issued" in actions()


def test_wrong_password_is_a_translated_problem_and_audited(client, worker):
    response = client.post("/api/v1/auth/token", json={"login": "13800138000",
                                                      "password": "not my password"})
    assert response.status_code == 401
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith("bad-credentials")
    assert "密码" in problem["detail"]  # Chinese by default
    english = client.post("/api/v1/auth/token", json={"login": "13800138000", "password": "x"},
                          headers={"Accept-Language": "en"}).get_json()
    assert english["detail"].startswith("The mobile number, email or password is not right")
    assert actions().count("login.failed") == 2


def test_missing_fields_are_422_with_field_errors(client):
    response = client.post("/api/v1/auth/token", json={"login": "a"},
                           headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert response.get_json()["errors"] == {"password": ["This field is required."]}
    assert client.post("/api/v1/auth/token", data="not json",
                       content_type="application/json").status_code == 400


def test_revoked_token_no_longer_works(client, worker):
    token = get_token(client, "13800138000")
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_password_change_and_ending_sessions_end_tokens(client, worker, admin):
    token = get_token(client, "13800138000")
    accounts.change_password(worker, PASSWORD, "a brand new long phrase")
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    token = get_token(client, "13800138000", "a brand new long phrase")
    accounts.end_sessions(admin, worker)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    token = get_token(client, "13800138000", "a brand new long phrase")
    accounts.set_locked(admin, worker, True)
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_expired_and_made_up_tokens_are_refused(client, worker):
    token = get_token(client, "13800138000")
    row = db.session.scalar(select(ApiToken))
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
    prefix = token.split("_")[1]
    for fake in (f"xq_{prefix}_guess", "xq_zz_zz", "", "Basic abc"):
        assert client.get("/api/v1/me", headers=bearer(fake)).status_code == 401


def test_staff_need_a_fresh_authenticator_code(client, counsellor):
    body = {"login": counsellor.email, "password": PASSWORD}
    response = client.post("/api/v1/auth/token", json=body)
    assert response.status_code == 401
    assert response.get_json()["type"].endswith("otp-required")
    code = totp_code(counsellor.totp_secret, counsellor.totp_last_step)
    assert client.post("/api/v1/auth/token", json={**body, "otp": code}).status_code == 201
    replay = client.post("/api/v1/auth/token", json={**body, "otp": code})
    assert replay.status_code == 401
    assert replay.get_json()["type"].endswith("bad-otp")
    assert "mfa.failed" in actions()


def test_staff_without_an_authenticator_are_sent_to_the_website(client, make_user):
    staff = make_user("admin", mfa=False)
    response = client.post("/api/v1/auth/token", json={"login": staff.email,
                                                      "password": PASSWORD, "otp": "123456"})
    assert response.status_code == 403
    assert response.get_json()["type"].endswith("mfa-setup-required")
    assert db.session.scalar(select(ApiToken)) is None


def test_token_guesses_share_the_sign_in_page_limit(app, client, worker, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "3 per minute")
    assert sign_in(client, "13800138000", "wrong-guess-1").status_code == 200
    assert sign_in(client, "13800138000", "wrong-guess-2").status_code == 200
    wrong = {"login": "13800138000", "password": "wrong-guess-3"}
    assert client.post("/api/v1/auth/token", json=wrong).status_code == 401
    limited = client.post("/api/v1/auth/token", json={**wrong, "password": PASSWORD})
    assert limited.status_code == 429
    assert limited.get_json()["type"].endswith("rate-limited")
    assert sign_in(client, "13800138000").status_code == 429  # and the page too


def test_a_signed_in_browser_session_is_not_accepted_by_the_api(client, worker, signed_in):
    signed_in(worker)
    assert client.get("/account/").status_code == 200  # the page session works
    response = client.get("/api/v1/bookings")
    assert response.status_code == 401
    assert "Set-Cookie" not in response.headers
    assert client.post("/api/v1/bookings", json={"session_id": 1}).status_code == 401


def test_role_rules_are_the_pages(client, counsellor):
    token = get_token(client, counsellor.email,
                      otp=totp_code(counsellor.totp_secret, counsellor.totp_last_step))
    response = client.get("/api/v1/screenings", headers=bearer(token))
    assert response.status_code == 403
    assert response.headers["Content-Type"] == "application/problem+json"
    assert "access.denied" in actions()


def test_requests_are_limited_per_token(app, client, worker, make_user, monkeypatch):
    other = make_user()
    mine, theirs = get_token(client, "13800138000"), get_token(client, other.email)
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")
    codes = [client.get("/api/v1/me", headers=bearer(mine)).status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/me", headers=bearer(theirs)).status_code == 200


def test_errors_everywhere_under_the_api_are_problem_objects(app, client, monkeypatch):
    assert client.get("/api/v1/nowhere").headers["Content-Type"] == "application/problem+json"
    response = client.put("/api/v1/centres")
    assert response.status_code == 405
    assert response.get_json()["status"] == 405

    def broken() -> list:
        raise RuntimeError("boom")

    monkeypatch.setattr("app.api.views.active_centres", broken)
    response = client.get("/api/v1/centres", headers={"Accept-Language": "en"})
    assert response.status_code == 500
    assert response.get_json()["detail"].startswith("Something went wrong on our side")
    assert "boom" not in response.get_data(as_text=True)
    assert client.get("/nowhere").headers["Content-Type"].startswith("text/html")


def test_cors_is_off_unless_origins_are_configured(client, make_app, databases):
    headers = {"Origin": "https://app.example.org"}
    assert "Access-Control-Allow-Origin" not in client.get("/api/v1/centres",
                                                           headers=headers).headers
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new(),
                   API_CORS_ORIGINS="https://app.example.org")
    preflight = app.test_client().options("/api/v1/bookings", headers={
        **headers, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "Authorization, Content-Type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    other = app.test_client().options("/api/v1/bookings", headers={
        "Origin": "https://evil.example", "Access-Control-Request-Method": "POST"})
    assert "Access-Control-Allow-Origin" not in other.headers


def test_a_staff_token_lapses_when_left_unused(client, counsellor):
    token = get_token(client, counsellor.email,
                      otp=totp_code(counsellor.totp_secret, counsellor.totp_last_step))
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 200
    row = db.session.scalar(select(ApiToken))
    row.last_used_at = utcnow() - timedelta(minutes=40)
    db.session.commit()
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_unknown_query_parameters_are_ignored(client):
    assert client.get("/api/v1/sessions?lang=en&_=123").status_code == 200


def test_tokens_are_in_my_data_and_go_with_the_account(client, worker):
    from app.accounts import privacy

    token = get_token(client, "13800138000")
    copy = privacy.export(worker)
    assert len(copy["api_tokens"]) == 1
    assert token not in json.dumps(copy)
    privacy.delete_account(worker, PASSWORD)
    assert db.session.scalar(select(ApiToken)) is None
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401
