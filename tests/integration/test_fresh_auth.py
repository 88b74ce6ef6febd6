"""Sensitive changes ask again for the password (and code) when the last proof is old;
contact details, recovery codes and the authenticator app can be changed by their owner."""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from sqlalchemy import select

from app.accounts import mfa
from app.accounts import services as accounts
from app.accounts.models import RecoveryCode
from app.audit.models import AuditEvent
from app.extensions import db
from tests.helpers import PASSWORD, csrf_token, sign_in, submit, text, totp_code


def go_stale(client, minutes: float = 6) -> None:
    with client.session_transaction() as session:
        session["auth_at"] = time.time() - minutes * 60


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def confirm(client, next_path: str, password: str = PASSWORD, code: str = ""):
    url = f"/account/confirm?next={next_path}"
    return submit(client, url, {"password": password, "code": code})


def test_fresh_sign_in_changes_contact_without_asking_again(worker, signed_in):
    client = signed_in(worker)
    response = submit(client, "/account/contact", {"phone": "139 0013 9000",
                                                   "email": "li@example.com"})
    assert response.status_code == 303
    db.session.expire_all()
    assert accounts.find_by_login("13900139000").id == worker.id
    assert accounts.find_by_login("li@example.com").id == worker.id
    assert accounts.find_by_login("13800138000") is None
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "account.contact_changed"))
    assert event.detail == {"fields": ["email", "phone"]}
    assert "139" not in str(event.detail)


def test_stale_session_must_confirm_the_password_first(worker, signed_in):
    client = signed_in(worker)
    go_stale(client)
    response = client.get("/account/contact")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/confirm")
    wrong = confirm(client, "/account/contact", password="not my password")
    assert wrong.status_code == 200
    assert "reauth.failed" in actions()
    response = confirm(client, "/account/contact")
    assert response.headers["Location"] == "/account/contact"
    assert client.get("/account/contact").status_code == 200


def test_staff_confirm_with_password_and_a_code(counsellor, signed_in):
    client = signed_in(counsellor)
    go_stale(client)
    page = text(client.get("/account/confirm?next=/account/security"))
    assert 'name="code"' in page
    assert confirm(client, "/account/security").status_code == 200  # no code: refused
    db.session.refresh(counsellor)
    code = totp_code(counsellor.totp_secret, counsellor.totp_last_step)
    response = confirm(client, "/account/security", code=code)
    assert response.status_code == 303
    # Changing the password now goes straight to the form (the proof is fresh).
    assert client.get("/account/password").status_code == 200


def test_staff_password_change_needs_the_code_when_stale(counsellor, signed_in):
    client = signed_in(counsellor)
    go_stale(client)
    assert client.get("/account/password").headers["Location"].startswith("/account/confirm")


def test_worker_password_change_form_itself_asks_the_password(worker, signed_in):
    client = signed_in(worker)
    go_stale(client)
    assert client.get("/account/password").status_code == 200


@pytest.mark.parametrize(("data", "field_error"), [
    ({"email": "not an email", "phone": ""}, "有效的邮箱地址"),
    ({"email": "", "phone": "12345"}, "11 位"),
    ({"email": "", "phone": ""}, "至少"),
])
def test_bad_contact_input_explains_and_changes_nothing(worker, signed_in, data, field_error):
    client = signed_in(worker)
    response = submit(client, "/account/contact", data)
    assert response.status_code == 400
    assert field_error in text(response)
    db.session.expire_all()
    assert accounts.find_by_login("13800138000").id == worker.id


def test_someone_elses_contact_is_refused(worker, make_user, signed_in):
    make_user(login="taken@example.com")
    client = signed_in(worker)
    response = submit(client, "/account/contact", {"email": "TAKEN@example.com",
                                                   "phone": "13800138000"})
    assert response.status_code == 400
    db.session.expire_all()
    assert accounts.find_by_login("taken@example.com").id != worker.id


def test_staff_keep_an_email(counsellor, signed_in):
    client = signed_in(counsellor)
    response = submit(client, "/account/contact", {"email": "", "phone": "13900139000"})
    assert response.status_code == 400
    db.session.refresh(counsellor)
    assert counsellor.email


def test_new_recovery_codes_replace_the_old_ones(counsellor, signed_in):
    client = signed_in(counsellor)
    old = set(db.session.scalars(select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == counsellor.id)))
    page = client.get("/account/security")
    response = client.post("/account/security/recovery-codes",
                           data={"csrf_token": csrf_token(text(page))})
    response = client.get(response.headers["Location"])
    codes = re.findall(r"<code>([a-z0-9]{5}-[a-z0-9]{5})</code>", text(response))
    assert len(codes) == mfa.RECOVERY_CODES
    new = set(db.session.scalars(select(RecoveryCode.code_hash).where(
        RecoveryCode.user_id == counsellor.id)))
    assert len(new) == mfa.RECOVERY_CODES
    assert not old & new
    assert "mfa.recovery_codes_renewed" in actions()


def test_moving_to_a_new_authenticator(counsellor, signed_in, app):
    client = signed_in(counsellor)
    other = app.test_client()
    sign_in(other, counsellor.email)
    old_secret = counsellor.totp_secret
    page = text(client.get("/account/security/authenticator"))
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    bad = client.post("/account/security/authenticator",
                      data={"code": "000000", "csrf_token": csrf_token(page)})
    assert bad.status_code == 400
    db.session.refresh(counsellor)
    assert counsellor.totp_secret == old_secret  # the old app still works
    response = client.post("/account/security/authenticator", data={
        "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert "recovery-codes" in text(client.get(response.headers["Location"]))
    db.session.refresh(counsellor)
    assert counsellor.totp_secret == secret
    assert "mfa.reenrolled" in actions()
    assert client.get("/account/").status_code == 200  # still signed in here
    assert other.get("/account/").status_code == 302  # signed out elsewhere


def test_worker_can_add_an_authenticator_and_then_needs_it(worker, signed_in, app):
    client = signed_in(worker)
    page = text(client.get("/account/security/authenticator"))
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    client.post("/account/security/authenticator", data={
        "code": pyotp.TOTP(secret).now(), "csrf_token": csrf_token(page)})
    fresh = app.test_client()
    response = submit(fresh, "/account/login", {"login": "13800138000", "password": PASSWORD})
    assert response.headers["Location"].startswith("/account/mfa")


def test_changing_the_email_warns_the_old_address(make_user, signed_in):
    from app.notifications.models import OutboxMessage

    person = make_user(login="old@example.com")
    client = signed_in(person)
    submit(client, "/account/contact", {"email": "new@example.com", "phone": ""})
    [message] = db.session.scalars(select(OutboxMessage)).all()
    assert message.kind == "security_change"
    assert message.payload["to"] == "old@example.com"
