"""Staff-assisted recovery: a worker who lost phone and password gets back in through their
centre, once, and sees who helped them in their access history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts import recovery
from app.accounts.models import Role
from app.accounts.phone_models import PhoneCode
from app.audit.models import AuditEvent
from app.extensions import db
from app.types import utcnow
from tests.booking_helpers import make_centre
from tests.helpers import sign_in, submit, text

NEW_PASSWORD = "a brand new calm password"


@pytest.fixture
def home(worker, counsellor):
    centre = make_centre("home", staff=[counsellor])
    db.session.flush()
    worker.home_centre_id = centre.id
    db.session.commit()
    return centre


def _issue(client, login="13800138000"):
    return submit(client, "/account/staff/recovery",
                      {"login": login, "method": "phone", "checked": "y"})


def _shown_code(client) -> str:
    page = text(client.get("/account/staff/recovery"))
    match = re.search(r"(\d{5}) (\d{5})", page)
    assert match, "the code is shown once after issuing"
    return match.group(1) + match.group(2)


def test_counsellor_of_home_centre_issues_code_and_worker_sets_new_password(
        app, client, worker, counsellor, home):
    sign_in(client, counsellor.email)
    assert "/account/staff/recovery" in text(client.get("/counselling/"))  # found from work
    response = _issue(client)
    assert response.status_code == 303
    code = _shown_code(client)
    assert not re.search(r"\d{5} \d{5}", text(client.get("/account/staff/recovery")))  # once
    row = db.session.scalars(select(PhoneCode).where(PhoneCode.purpose == "recovery")).one()
    assert code not in (row.code_hash or "")
    assert row.phone_index != worker.phone
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "account.recovery_issued"))
    assert event.actor == counsellor.uid
    assert event.target == f"users:{worker.uid}"

    anon = app.test_client()
    response = submit(anon, "/account/recover", {"login": "13800138000", "code": code})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/reset")
    response = submit(anon, "/account/reset", {"password": NEW_PASSWORD,
                                                "confirm": NEW_PASSWORD})
    assert response.status_code == 303
    assert sign_in(app.test_client(), "13800138000", NEW_PASSWORD).status_code == 303

    # Used once: the same code again is refused with a clear message.
    again = submit(app.test_client(), "/account/recover", {"login": "13800138000", "code": code})
    assert again.status_code == 200
    assert "恢复码不正确" in text(again)

    # The worker sees who issued it on "who opened my records".
    mine = app.test_client()
    sign_in(mine, "13800138000", NEW_PASSWORD)
    history = text(mine.get("/account/data?lang=en")).split('id="history-title"')[1]
    assert "Your centre issued a recovery code" in history
    assert counsellor.name in history


def test_counsellor_of_another_centre_cannot_and_nothing_is_issued(
        app, client, worker, make_user, home):
    far = make_user(Role.COUNSELLOR)
    make_centre("far", staff=[far])
    db.session.commit()
    sign_in(client, far.email)
    response = _issue(client)
    assert response.status_code == 200
    assert "没有使用此手机号码或邮箱的职工" in text(response)
    assert db.session.scalar(select(PhoneCode).where(PhoneCode.purpose == "recovery")) is None
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "account.recovery_issued")) is None


def test_admin_may_issue_for_any_worker_but_not_for_staff(client, worker, admin, counsellor):
    sign_in(client, admin.email)
    assert _issue(client).status_code == 303
    assert _shown_code(client)
    refused = _issue(client, counsellor.email)
    assert refused.status_code == 200
    assert "没有使用此手机号码或邮箱的职工" in text(refused)


def test_identity_check_must_be_confirmed(client, worker, counsellor, home):
    sign_in(client, counsellor.email)
    response = submit(client, "/account/staff/recovery",
                      {"login": "13800138000", "method": "phone"})
    assert response.status_code == 200
    assert db.session.scalar(select(PhoneCode).where(PhoneCode.purpose == "recovery")) is None


def test_wrong_and_expired_codes_are_refused_and_change_nothing(app, worker, counsellor, home):
    code = recovery.issue_code(counsellor, "13800138000", "in_person")
    before = worker.password_hash
    wrong = "0000000000" if code != "0000000000" else "1111111111"
    client = app.test_client()
    response = submit(client, "/account/recover?lang=en", {"login": "13800138000",
                                                            "code": wrong})
    assert response.status_code == 200
    assert "This recovery code is not right" in text(response)
    row = db.session.scalars(select(PhoneCode).where(PhoneCode.purpose == "recovery")).one()
    assert row.attempts == 1
    row.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    with pytest.raises(recovery.RecoveryError):
        recovery.redeem("13800138000", code)
    db.session.refresh(worker)
    assert worker.password_hash == before


def test_five_wrong_tries_end_the_code(app, worker, counsellor, home):
    code = recovery.issue_code(counsellor, "13800138000", "in_person")
    wrong = "0000000000" if code != "0000000000" else "1111111111"
    for _ in range(recovery.MAX_TRIES):
        with pytest.raises(recovery.RecoveryError):
            recovery.redeem("13800138000", wrong)
    with pytest.raises(recovery.RecoveryError):
        recovery.redeem("13800138000", code)


def test_a_new_code_replaces_the_old_one(worker, counsellor, home):
    first = recovery.issue_code(counsellor, "13800138000", "in_person")
    second = recovery.issue_code(counsellor, "13800138000", "phone")
    if first != second:
        with pytest.raises(recovery.RecoveryError):
            recovery.redeem("13800138000", first)
    assert recovery.redeem("13800138000", second)
