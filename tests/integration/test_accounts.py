"""Registration, sign-in, sign-out and the rules around them, as a person meets them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import Consent, Role, User
from app.audit.models import AuditEvent
from app.extensions import db
from tests.helpers import PASSWORD, sign_in, submit, text


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def register(client, login="ming@example.com", password=PASSWORD, confirm=None, name="阿明",
             accept=True, headers=None):
    data = {"login": login, "name": name, "password": password,
            "confirm": password if confirm is None else confirm}
    if accept:
        data["accept_privacy"] = "y"
    return submit(client, "/account/register", data, headers=headers)


def test_worker_registers_with_email_and_accepts_the_privacy_notice(client):
    response = register(client, login="ming@example.com")
    assert response.status_code == 303
    user = db.session.scalar(select(User))
    assert user.email == "ming@example.com"
    assert user.roles == {Role.WORKER}
    assert user.name == "阿明"
    consent = db.session.scalar(select(Consent))
    assert (consent.purpose, consent.text_version) == ("privacy_notice", "2026-11")
    # Signed in straight away: the account page answers.
    assert client.get("/account/").status_code == 200


def test_a_mobile_number_on_the_email_form_is_sent_to_the_sms_sign_up(client):
    """Numbers are proven by an SMS code before an account exists (issue 14)."""
    response = register(client, login="+86 139-1234 5678", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    assert "We check mobile numbers with an SMS code first" in text(response)
    assert "/account/register/phone" in text(response)
    assert count(User) == 0


def test_worker_registers_with_email_and_signs_in_with_other_case(client):
    assert register(client, login="Mei.Lin@Example.COM").status_code == 303
    client.post("/account/logout", data={})  # without CSRF: refused, still signed in
    assert client.get("/account/").status_code == 200
    page = client.get("/account/")
    submit(client, "/account/logout", {}, form_url="/account/")
    assert client.get("/account/").status_code == 302
    assert sign_in(client, "mei.lin@example.com").status_code == 303
    assert "mei.lin@example.com" in text(client.get("/account/"))
    assert page.status_code == 200


@pytest.mark.parametrize(
    ("login", "password", "confirm", "accept", "field_message"),
    [
        ("12345", PASSWORD, None, True, "Enter an 11-digit mainland mobile number"),
        ("10086", PASSWORD, None, True, "Enter an 11-digit mainland mobile number"),
        ("name@", PASSWORD, None, True, "Enter a valid email address"),
        ("ming@example.com", "short", None, True, "Use at least 8 characters."),
        ("ming@example.com", "x" * 129, None, True, "Use at most 128 characters."),
        ("ming@example.com", "password123", None, True, "This password is too common"),
        ("ming@example.com", "12345678", None, True, "This password is too common"),
        ("ming@example.com", PASSWORD, "different words here", True,
         "The passwords do not match."),
        ("ming@example.com", PASSWORD, None, False, "Please read and accept the privacy notice."),
    ],
)
def test_bad_registration_is_explained_keeps_input_and_writes_nothing(
    client, login, password, confirm, accept, field_message
):
    response = register(client, login=login, password=password, confirm=confirm, accept=accept,
                        headers={"Accept-Language": "en"})
    page = text(response)
    assert response.status_code == 200
    assert field_message in page
    assert 'role="alert"' in page
    # What the person typed (other than passwords) is still there.
    assert f'value="{login}"' in page
    assert 'value="阿明"' in page
    assert count(User) == 0
    assert count(AuditEvent) == 0


def test_bad_registration_message_is_in_chinese_by_default(client):
    page = text(register(client, login="12345"))
    assert "请输入 11 位大陆手机号" in page


def test_duplicate_registration_is_refused_whatever_the_spelling(client):
    assert register(client, login="ming@example.com").status_code == 303
    client.delete_cookie("session")
    other = client.application.test_client()
    response = register(other, login="Ming@Example.com", headers={"Accept-Language": "en"})
    assert "already exists" in text(response)
    assert count(User) == 1


def test_wrong_password_and_unknown_account_get_the_same_answer(client, worker):
    wrong = text(sign_in(client, "13800138000", "not the password"))
    unknown = text(sign_in(client, "13700000000", "not the password"))
    message = "手机号、邮箱或密码不正确"
    assert message in wrong
    assert message in unknown
    assert client.get("/account/").status_code == 302
    reasons = [e.detail["reason"] for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "login.failed").order_by(AuditEvent.seq))]
    assert reasons == ["bad_password", "unknown_account"]


def test_login_keeps_what_was_typed_except_the_password(client, worker):
    page = text(sign_in(client, "13800138000", "wrong-password-1"))
    assert 'value="13800138000"' in page
    assert "wrong-password-1" not in page


def test_locked_account_cannot_sign_in(client, worker):
    worker.active = False
    db.session.commit()
    assert sign_in(client, "13800138000").status_code == 200
    assert client.get("/account/").status_code == 302


def test_session_is_renewed_at_sign_in(client, worker):
    client.get("/account/login")
    before = client.get_cookie("session").value
    sign_in(client, "13800138000")
    after = client.get_cookie("session").value
    assert before != after
    # The pre-login CSRF token does not survive: a form from before sign-in is refused.
    token_before = re.search(r'value="([^"]+)"', client.get("/account/").get_data(as_text=True))
    assert token_before is not None


@pytest.mark.parametrize(
    ("next_url", "expected"),
    [
        ("/account/", "/account/"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_next_redirects_only_to_our_own_paths(client, worker, next_url, expected):
    response = sign_in(client, "13800138000", next_url=next_url)
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_logout_ends_the_session(client, worker):
    sign_in(client, "13800138000")
    old_cookie = client.get_cookie("session").value
    response = submit(client, "/account/logout", {}, form_url="/account/")
    assert response.status_code == 303
    assert client.get("/account/").status_code == 302
    # Logout is POST-only: a link elsewhere cannot sign anyone out.
    assert client.get("/account/logout").status_code == 405
    assert old_cookie


def test_password_hash_is_argon2id_and_upgraded_at_login(app, client, worker, monkeypatch):
    assert worker.password_hash.startswith("$argon2id$")
    old_hash = worker.password_hash
    monkeypatch.setitem(app.config, "ARGON2_TIME_COST", 2)
    sign_in(client, "13800138000")
    db.session.refresh(worker)
    assert worker.password_hash != old_hash
    assert "t=2" in worker.password_hash


def test_login_is_rate_limited_with_a_translated_page(app, client, worker, monkeypatch):
    monkeypatch.setitem(app.config, "LOGIN_ACCOUNT_RATE_LIMIT", "3 per minute")
    statuses = [sign_in(client, "13800138000", "wrong-guess-99").status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    page = submit(client, "/account/login", {"login": "13800138000", "password": "x"},
                  headers={"Accept-Language": "en"})
    assert page.status_code == 429
    assert "Too many attempts" in text(page)
    # Another account from the same address is not locked out by this one.
    other = sign_in(client, "13700000000", "wrong-guess-99")
    assert other.status_code == 200


def test_every_problem_is_shown_at_once(client):
    page = text(register(client, login="12345", password="short", accept=False,
                         headers={"Accept-Language": "en"}))
    for message in ("Enter an 11-digit mainland mobile number", "Use at least 8 characters.",
                    "Please read and accept the privacy notice."):
        assert message in page
    assert count(User) == 0
