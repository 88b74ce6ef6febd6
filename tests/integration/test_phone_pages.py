"""The SMS-code pages: a phone-only newcomer signs up, signs in and sets a new password."""

from __future__ import annotations

from sqlalchemy import func, select

from app.accounts.models import User
from app.extensions import db
from tests.helpers import PASSWORD, submit
from tests.integration.test_phone_codes import last_code

NEW = "13512345678"
E164 = "+8613512345678"


def test_phone_only_newcomer_signs_up_with_a_code(client):
    response = submit(client, "/account/register/phone", {"phone": NEW})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/register/phone/verify")
    page = client.get("/account/register/phone/verify").get_data(as_text=True)
    assert "135****5678" in page  # the number, masked
    assert NEW not in page
    wrong = "000000" if last_code() != "000000" else "111111"
    fields = {"name": "小王", "password": PASSWORD, "confirm": PASSWORD, "accept_privacy": "y"}
    response = submit(client, "/account/register/phone/verify", {"code": wrong, **fields})
    assert response.status_code == 200
    assert "验证码不正确或已过期" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0
    response = submit(client, "/account/register/phone/verify", {"code": last_code(), **fields})
    assert response.status_code == 303
    user = db.session.scalars(select(User)).one()
    assert user.phone == E164
    assert "欢迎" in client.get("/").get_data(as_text=True)


def test_verify_page_without_a_requested_code_sends_back(client):
    response = client.get("/account/register/phone/verify")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/account/register/phone")


def test_worker_signs_in_with_a_code(client, worker):
    assert submit(client, "/account/login/sms", {"phone": "13800138000"}).status_code == 303
    response = submit(client, "/account/login/sms/verify",
                      {"code": last_code("+8613800138000")})
    assert response.status_code == 303
    assert client.get("/account/").status_code == 200


def test_unknown_number_gets_the_same_answer_and_no_sms(client):
    response = submit(client, "/account/login/sms", {"phone": "13700000001"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/login/sms/verify")
    response = submit(client, "/account/login/sms/verify", {"code": "123456"})
    assert "验证码不正确或已过期" in response.get_data(as_text=True)


def test_not_a_mobile_number_is_a_clear_error(client):
    response = submit(client, "/account/register/phone", {"phone": "12345"})
    assert response.status_code == 200
    assert "请输入 11 位大陆手机号" in response.get_data(as_text=True)


def test_second_code_within_a_minute_is_refused_politely(client):
    submit(client, "/account/register/phone", {"phone": NEW})
    response = submit(client, "/account/register/phone", {"phone": NEW}, follow_redirects=True)
    assert "请求验证码的次数过多" in response.get_data(as_text=True)


def test_forgotten_password_reset_by_code(client, worker):
    submit(client, "/account/forgot/sms", {"phone": "13800138000"})
    response = submit(client, "/account/forgot/sms/verify",
                      {"code": last_code("+8613800138000")})
    assert response.status_code == 303
    assert response.headers["Location"].endswith("/account/reset")
    new = "a brand new calm password"
    response = submit(client, "/account/reset", {"password": new, "confirm": new})
    assert response.status_code == 303
    assert submit(client, "/account/login", {"login": "13800138000", "password": new}
                  ).status_code == 303


def test_typos_at_sign_up_do_not_use_up_the_address_limit(app, client):
    app.config["REGISTER_RATE_LIMIT"] = "2 per hour"
    try:
        for _ in range(4):  # refused posts (passwords differ) are not counted
            response = submit(client, "/account/register", {
                "login": "typo@example.com", "password": PASSWORD, "confirm": "other words",
                "accept_privacy": "y"})
            assert response.status_code == 200
        for n in range(2):
            response = submit(client, "/account/register", {
                "login": f"new{n}@example.com", "password": PASSWORD, "confirm": PASSWORD,
                "accept_privacy": "y"})
            assert response.status_code == 303
            client.post("/account/logout", data={"csrf_token": _token(client)})
            client.delete_cookie("session")
        response = submit(client, "/account/register", {
            "login": "third@example.com", "password": PASSWORD, "confirm": PASSWORD,
            "accept_privacy": "y"})
        assert response.status_code == 429
    finally:
        app.config["REGISTER_RATE_LIMIT"] = "100 per hour;300 per day"


def _token(client) -> str:
    from tests.helpers import csrf_token

    return csrf_token(client.get("/account/").get_data(as_text=True))


def test_worker_turns_off_reminders_on_the_settings_page(client, worker):
    from tests.helpers import sign_in

    sign_in(client, "13800138000")
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "通过短信接收消息" in page
    assert "通过邮件接收消息" not in page  # no email: no such choice
    response = submit(client, "/account/notifications", {"notify_sms": "y"})
    assert response.status_code == 303
    db.session.refresh(worker)
    assert worker.notify_sms is True
    assert worker.reminders_wanted is False


def test_sms_sign_up_refuses_the_number_as_password_and_keeps_the_code(client):
    submit(client, "/account/register/phone", {"phone": NEW})
    code = last_code()
    fields = {"code": code, "confirm": NEW, "accept_privacy": "y"}
    response = submit(client, "/account/register/phone/verify", {"password": NEW, **fields},
                      headers={"Accept-Language": "en"})
    assert "Do not use your phone number" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(User.id))) == 0
    response = submit(client, "/account/register/phone/verify",
                      {**fields, "password": PASSWORD, "confirm": PASSWORD})
    assert response.status_code == 303  # the same code still works after fixing the password


def test_settings_page_refuses_email_for_someone_without_an_address(client, worker):
    from tests.helpers import sign_in

    sign_in(client, "13800138000")
    response = submit(client, "/account/notifications",
                      {"notify_sms": "y", "notify_email": "y"})
    assert response.status_code == 200
    assert "您只能选择已有的接收方式" in response.get_data(as_text=True)
    db.session.refresh(worker)
    assert worker.reminders_wanted is True  # nothing changed
