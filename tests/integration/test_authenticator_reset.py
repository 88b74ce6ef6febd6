"""An admin resets a staff member's authenticator: held 24 hours, the person is told by
email and SMS, and signing in with the authenticator before then cancels it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import RecoveryCode
from app.admin import services
from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.types import utcnow
from tests.helpers import csrf_token, sign_in, submit, text

STAFF_PHONE = "+8613900000002"


@pytest.fixture
def staff(counsellor):
    counsellor.phone = STAFF_PHONE
    db.session.commit()
    return counsellor


def _reset(client, uid):
    token = csrf_token(text(client.get("/admin/staff")))
    return client.post(f"/admin/staff/{uid}/authenticator/reset", data={"csrf_token": token})


def _actions() -> list[str]:
    return [e.action for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("mfa.reset%")).order_by(AuditEvent.seq))]


def test_admin_reset_is_held_and_the_staff_member_is_told_by_email_and_sms(
        client, admin, staff):
    sign_in(client, admin.email)
    response = _reset(client, staff.uid)
    assert response.status_code == 303
    db.session.refresh(staff)
    assert staff.mfa_reset_due_at is not None
    assert staff.mfa_reset_due_at - utcnow() > timedelta(hours=23)
    assert staff.mfa_enabled  # nothing changes for 24 hours
    messages = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "mfa.reset_requested")).all()
    assert sorted(m.channel for m in messages) == ["email", "sms"]
    sms = next(m for m in messages if m.channel == "sms")
    assert sms.payload["to"] == STAFF_PHONE
    assert sms.payload["template"] == "notice"
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "mfa.reset_requested")).one()
    assert event.actor == admin.uid
    assert "等待" in text(client.get("/admin/staff"))
    again = _reset(client, staff.uid)
    assert again.status_code == 303
    assert "已在等待" in text(client.get("/admin/staff"))
    assert len(_actions()) == 1


def test_signing_in_with_the_authenticator_cancels_the_reset(app, admin, staff):
    services.request_authenticator_reset(admin, staff)
    client = app.test_client()
    response = sign_in(client, staff.email)
    assert response.status_code == 303
    db.session.refresh(staff)
    assert staff.mfa_reset_due_at is None
    assert staff.mfa_enabled
    assert _actions() == ["mfa.reset_requested", "mfa.reset_cancelled"]


def test_once_due_the_password_sign_in_sets_up_a_new_authenticator(app, admin, staff):
    services.request_authenticator_reset(admin, staff, now=utcnow() - timedelta(hours=25))
    db.session.add(RecoveryCode(user_id=staff.id, code_hash=b"x" * 32))
    db.session.commit()
    client = app.test_client()
    response = submit(client, "/account/login", {"login": staff.email,
                                                  "password": "calm river at dawn"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/mfa/setup")
    db.session.refresh(staff)
    assert not staff.mfa_enabled
    assert staff.mfa_reset_due_at is None
    assert db.session.scalar(select(RecoveryCode).where(RecoveryCode.user_id == staff.id)) is None
    assert _actions() == ["mfa.reset_requested", "mfa.reset_applied"]


def test_before_it_is_due_the_password_alone_does_not_reset(app, admin, staff):
    services.request_authenticator_reset(admin, staff)
    client = app.test_client()
    response = submit(client, "/account/login", {"login": staff.email,
                                                  "password": "calm river at dawn"})
    assert response.headers["Location"].endswith("/account/mfa")
    db.session.refresh(staff)
    assert staff.mfa_enabled


def test_refusals_change_nothing(client, admin, staff, worker, make_user):
    with pytest.raises(services.AdminError):
        services.request_authenticator_reset(admin, admin)
    with pytest.raises(services.AdminError):
        services.request_authenticator_reset(staff, admin)  # not an admin
    fresh = make_user("counsellor", mfa=False)
    with pytest.raises(services.AdminError):
        services.request_authenticator_reset(admin, fresh)
    sign_in(client, admin.email)
    assert _reset(client, worker.uid).status_code == 404
    assert _actions() == []
    assert db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == "mfa.reset_requested")) is None
