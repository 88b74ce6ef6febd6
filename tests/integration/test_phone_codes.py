"""Proving a mobile number by SMS code: sign-up, sign-in and reset, with anti-abuse limits."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from app.accounts import phone_accounts, phone_codes
from app.accounts.contact import ContactError
from app.accounts.models import User
from app.accounts.phone_limits import CodeLimitError
from app.accounts.phone_models import PhoneCode
from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.types import utcnow
from tests.helpers import PASSWORD

NEW = "13512345678"
E164 = "+8613512345678"


def last_code(phone: str = E164) -> str:
    for message in db.session.scalars(select(OutboxMessage).where(OutboxMessage.channel == "sms")
                                      .order_by(OutboxMessage.id.desc())):
        if message.payload["to"] == phone:
            assert message.payload["template"] == "code"
            return message.payload["params"][0]
    raise AssertionError("no code sent")


def sms_count() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id))
                             .where(OutboxMessage.channel == "sms")) or 0


def test_newcomer_registers_with_the_code_sent_to_their_number(app):
    assert phone_codes.request_code("135 1234 5678", "register", "10.0.0.1") == E164
    code = last_code()
    assert len(code) == 6
    assert code.isdigit()
    user = phone_accounts.register_by_phone(E164, code, PASSWORD, name="小王", locale="zh_CN",
                                            accepted_privacy_notice=True)
    assert user.phone == E164
    assert user.email is None
    with pytest.raises(phone_codes.CodeError):  # used once
        phone_codes.verify_code(E164, "register", code)


def test_code_is_stored_only_as_a_keyed_hash(app):
    phone_codes.request_code(NEW, "register", "10.0.0.1")
    code = last_code()
    db.session.commit()
    raw = repr(db.session.execute(text("SELECT * FROM phone_codes")).all())
    assert code not in raw
    assert NEW not in raw


def test_wrong_codes_count_and_the_fifth_ends_the_code(app):
    phone_codes.request_code(NEW, "register", "10.0.0.1")
    code = last_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(phone_codes.CodeError):
            phone_codes.verify_code(E164, "register", wrong)
    with pytest.raises(phone_codes.CodeError):
        phone_codes.verify_code(E164, "register", code)  # right, but too late
    assert db.session.scalar(select(func.count(User.id))) == 0


def test_expired_code_is_refused(app):
    phone_codes.request_code(NEW, "register", "10.0.0.1", now=utcnow() - timedelta(minutes=6))
    with pytest.raises(phone_codes.CodeError):
        phone_codes.verify_code(E164, "register", last_code())


def test_a_new_code_replaces_the_old_one(app):
    past = utcnow() - timedelta(minutes=2)
    phone_codes.request_code(NEW, "register", "10.0.0.1", now=past)
    first = last_code()
    phone_codes.request_code(NEW, "register", "10.0.0.1")
    second = last_code()
    if first != second:
        with pytest.raises(phone_codes.CodeError):
            phone_codes.verify_code(E164, "register", first)
    phone_codes.verify_code(E164, "register", second)


def test_not_a_mainland_mobile_is_refused_before_anything_is_sent(app):
    with pytest.raises(ContactError):
        phone_codes.request_code("12345", "register", "10.0.0.1")
    assert sms_count() == 0


def test_sign_in_code_reaches_workers_only_and_answers_the_same_for_strangers(
        app, worker, make_user):
    phone_codes.request_code("13800138000", "login", "10.0.0.1")
    assert sms_count() == 1
    user = phone_accounts.sign_in_by_code("+8613800138000", last_code("+8613800138000"))
    assert user.id == worker.id
    # No account, or a staff member's number: no SMS, the same answer, still counted.
    assert phone_codes.request_code("13700000001", "login", "10.0.0.2") == "+8613700000001"
    staff = make_user("counsellor")
    staff.phone = "+8613700000002"
    staff.phone_index = phone_codes.phone_index("+8613700000002")
    db.session.commit()
    phone_codes.request_code("13700000002", "login", "10.0.0.3")
    assert sms_count() == 1
    assert db.session.scalar(select(func.count(PhoneCode.id))) == 3


def test_password_reset_by_code_opens_the_reset_page_token(app, worker):
    from app.accounts import password_reset

    phone_codes.request_code("13800138000", "reset", "10.0.0.1")
    token = phone_accounts.reset_by_code("+8613800138000", last_code("+8613800138000"))
    db.session.commit()
    assert password_reset.valid_reset(token) is not None


def test_one_code_a_minute_per_number_refused_audited_and_unsent(app):
    phone_codes.request_code(NEW, "register", "10.0.0.1")
    with pytest.raises(CodeLimitError):
        phone_codes.request_code(NEW, "register", "10.0.0.9")
    assert sms_count() == 1
    assert db.session.scalar(select(func.count(AuditEvent.id))
                             .where(AuditEvent.action == "sms_code.refused")) == 1


def test_per_number_hourly_and_global_caps(app):
    now = utcnow()
    for minutes in (50, 40, 30, 20, 10):
        phone_codes.request_code(NEW, "register", "10.0.0.1",
                                 now=now - timedelta(minutes=minutes))
    with pytest.raises(CodeLimitError):
        phone_codes.request_code(NEW, "register", "10.0.0.1")
    app.config["SMS_CODE_DAILY_CAP"] = 5
    try:
        with pytest.raises(CodeLimitError):
            phone_codes.request_code("13512340000", "register", "10.0.0.2")
    finally:
        app.config["SMS_CODE_DAILY_CAP"] = 20000


def test_a_factory_behind_one_address_can_sign_up_many(app):
    for n in range(30):
        phone_codes.request_code(f"135{n:08d}", "register", "203.0.113.7")
