"""Staff sign in with a second factor; every code works once."""

from __future__ import annotations

import re

import pyotp
import pytest
from sqlalchemy import select

from app.accounts.models import RecoveryCode, Role
from app.audit.models import AuditEvent
from app.extensions import db
from tests.helpers import PASSWORD, csrf_token, submit, text, totp_code


def password_step(client, login):
    response = submit(client, "/account/login", {"login": login, "password": PASSWORD})
    assert response.status_code == 303
    return response.headers["Location"]


def post_code(client, url, code):
    page = client.get(url)
    return client.post(url, data={"code": code, "csrf_token": csrf_token(text(page))})


def test_first_staff_sign_in_enrols_and_shows_recovery_codes(client, make_user):
    counsellor = make_user(Role.COUNSELLOR, mfa=False)
    assert password_step(client, counsellor.email) == "/account/mfa/setup"
    # Not signed in yet: staff pages are still closed.
    assert client.get("/account/").status_code == 302
    page = text(client.get("/account/mfa/setup"))
    assert 'src="data:image/svg+xml' in page  # the QR code is made here, not by a service
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    wrong = post_code(client, "/account/mfa/setup?lang=en", "000000")
    assert "That code did not work" in text(wrong)
    done = post_code(client, "/account/mfa/setup", pyotp.TOTP(secret).now())
    assert done.status_code == 303  # Back and Refresh never send the code again
    codes = re.findall(r"<code>([a-z2-9]{5}-[a-z2-9]{5})</code>",
                       text(client.get(done.headers["Location"])))
    assert len(codes) == 10
    assert client.get("/account/").status_code == 200
    db.session.refresh(counsellor)
    assert counsellor.mfa_enabled
    stored = db.session.scalars(select(RecoveryCode.code_hash)).all()
    assert all(code.encode() not in h for code in codes for h in stored)


def test_enrolled_staff_need_a_fresh_code_each_time(app, client, counsellor):
    assert password_step(client, counsellor.email) == "/account/mfa"
    code = totp_code(counsellor.totp_secret)
    assert post_code(client, "/account/mfa", code).status_code == 303
    assert client.get("/account/").status_code == 200
    other = app.test_client()
    password_step(other, counsellor.email)
    replay = post_code(other, "/account/mfa?lang=en", code)
    assert replay.status_code == 200
    assert "That code did not work" in text(replay)
    assert other.get("/account/").status_code == 302
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "mfa.failed"))


def test_recovery_code_works_once(app, make_user):
    user = make_user(Role.ADMIN, mfa=False)
    client = app.test_client()
    password_step(client, user.email)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<',
                       text(client.get("/account/mfa/setup"))).group(1)
    done = post_code(client, "/account/mfa/setup", pyotp.TOTP(secret).now())
    codes = re.findall(r"<code>([a-z2-9-]{11})</code>",
                       text(client.get(done.headers["Location"])))
    for attempt, expected in ((1, 303), (2, 200)):
        fresh = app.test_client()
        password_step(fresh, user.email)
        response = post_code(fresh, "/account/mfa", codes[0].upper())
        assert response.status_code == expected, attempt


def test_workers_sign_in_without_a_second_factor(client, worker):
    assert password_step(client, "13800138000") == "/"


def test_second_step_without_the_password_step_goes_back_to_sign_in(client):
    for url in ("/account/mfa", "/account/mfa/setup"):
        response = client.get(url)
        assert response.status_code == 302
        assert response.headers["Location"] == "/account/login"


@pytest.mark.parametrize("code", ["", "abc", "1234567", "12 34 5"])
def test_malformed_codes_are_refused_with_a_message(client, counsellor, code):
    password_step(client, counsellor.email)
    response = post_code(client, "/account/mfa?lang=en", code)
    assert response.status_code == 200
    assert "That code did not work" in text(response) or "This field is required" in text(response)
    assert client.get("/account/").status_code == 302
