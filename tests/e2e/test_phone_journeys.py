"""A phone-only newcomer on a 390 px phone: signs up and in by SMS code, gets a booking SMS,
and sets a new password with a code.

The live app uses the ``file`` SMS provider; the journey reads its codes from that file,
as a developer does with ``make run``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from app.extensions import db
from tests.e2e.conftest import Visit

_phones = itertools.count(13600000001)
PASSWORD = "a calm walk by the river"


class Sms:
    """The live app's SMS file: runs the outbox (as the watcher does) and reads the lines."""

    def __init__(self, app: Flask, path: Path) -> None:
        self.app, self.path = app, path

    def to(self, phone: str) -> list[dict]:
        from app.notifications.services import send_due

        with self.app.app_context():
            send_due()
            db.session.remove()
        if not self.path.exists():
            return []
        lines = [json.loads(x) for x in self.path.read_text(encoding="utf-8").splitlines()]
        return [line for line in lines if line["to"] == "+86" + phone]

    def code(self, phone: str) -> str:
        [*_, last] = [line for line in self.to(phone) if line["template"] == "code"]
        return last["params"][0]


@pytest.fixture(scope="module")
def sms(live_app: Flask, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sms]:
    path = tmp_path_factory.mktemp("sms") / "sms.jsonl"
    saved = {k: live_app.config[k] for k in ("SMS_PROVIDER", "SMS_FILE",
                                             "SMS_CODE_NUMBER_LIMIT", "SMS_QUIET_START_HOUR",
                                             "SMS_QUIET_END_HOUR")}
    # One journey asks for two codes within a minute, and may run at night (no quiet hours
    # here): both rules are tested in tests/integration.
    live_app.config.update(SMS_PROVIDER="file", SMS_FILE=str(path),
                           SMS_CODE_NUMBER_LIMIT="10 per minute", SMS_QUIET_START_HOUR=0,
                           SMS_QUIET_END_HOUR=0)
    yield Sms(live_app, path)
    live_app.config.update(saved)


def test_phone_only_newcomer_signs_up_and_in_by_sms_and_gets_a_booking_sms(visit: Visit,
                                                                           sms: Sms):
    if visit.viewport != "phone":
        pytest.skip("the phone journey runs at phone size (390 px)")
    page, t = visit.page, visit.t
    phone = str(next(_phones))

    # Sign-up: the number first, proven by the code before any account exists.
    visit.go("/account/register")
    page.get_by_role("link", name=t("用手机号注册（我们会发送验证码）",
                                    "Register with your mobile number (we send a code)")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("用手机号注册账号", "Create an account with your mobile number"))
    visit.check_accessibility()
    visit.shot("ask-code")
    page.get_by_label(t("手机号", "Mobile number"), exact=True).fill(phone)
    page.get_by_role("button", name=t("发送验证码", "Send me a code")).click()
    expect(page.locator("main")).to_contain_text(f"{phone[:3]}****{phone[-4:]}")
    page.get_by_label(t("短信验证码", "Code from the SMS")).fill(sms.code(phone))
    page.get_by_label(t("密码", "Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("再输入一次密码", "Repeat the password")).fill(PASSWORD)
    page.get_by_label(t("我已阅读隐私说明", "I have read the privacy notice"), exact=False).check()
    visit.check_accessibility()
    visit.shot("code-and-password")
    page.get_by_role("button", name=t("创建我的账号", "Create my account")).click()
    expect(page.get_by_text(t("欢迎！您的账号已经创建好了。", "Welcome! Your account is ready."))
           ).to_be_visible()
    visit.shot("welcome")

    # Signs out, then in again with a code instead of the password.
    page.get_by_role("button", name=t("退出登录", "Sign out")).click()
    visit.go("/account/login")
    page.get_by_role("link", name=t("用短信验证码登录", "Sign in with an SMS code")).click()
    page.get_by_label(t("手机号", "Mobile number"), exact=True).fill(phone)
    page.get_by_role("button", name=t("发送验证码", "Send me a code")).click()
    page.get_by_label(t("短信验证码", "Code from the SMS")).fill(sms.code(phone))
    visit.check_accessibility()
    visit.shot("sign-in-code")
    page.get_by_role("button", name=t("继续", "Continue")).click()
    expect(page.get_by_role("navigation").get_by_role(
        "link", name=t("我的预约", "My bookings"))).to_be_visible()

    # Books a group session: the booking SMS says only that there is a message, with a link.
    visit.go("/booking?service=group-stress")
    page.locator("main a[href*='/booking/sessions/'], main a[href*='/session']").first.click()
    page.get_by_role("button", name=re.compile(t("预约", "Book"))).first.click()
    visit.go("/bookings")
    expect(page.locator("main")).to_contain_text(t("团体减压活动", "Group stress relief"))
    visit.shot("booked")
    notices = [line for line in sms.to(phone) if line["template"] != "code"]
    assert notices, "no booking SMS"
    first = notices[0]
    assert first["template"] == "notice"
    assert first["text"].startswith("【心晴】您在心晴有一条新消息")
    assert first["params"][0].endswith("/bookings")
    assert len(first["text"]) <= 70

    # The link in the SMS opens the bookings page.
    page.goto(first["params"][0])
    expect(page.locator("main")).to_contain_text(t("团体减压活动", "Group stress relief"))
    visit.check_accessibility()
    visit.shot("sms-link")

    # Forgot the password: a code to the phone opens the new-password page.
    page.get_by_role("button", name=t("退出登录", "Sign out")).click()
    visit.go("/account/forgot")
    page.get_by_role("link", name=t("用手机号注册的？通过短信获取验证码",
                                    "Registered with a mobile number? Get a code by SMS")).click()
    page.get_by_label(t("手机号", "Mobile number"), exact=True).fill(phone)
    page.get_by_role("button", name=t("发送验证码", "Send me a code")).click()
    page.get_by_label(t("短信验证码", "Code from the SMS")).fill(sms.code(phone))
    page.get_by_role("button", name=t("继续", "Continue")).click()
    new = "another calm walk at dusk"
    page.get_by_label(t("新密码", "New password"), exact=True).fill(new)
    page.get_by_label(t("再输入一次新密码", "Repeat the new password")).fill(new)
    visit.check_accessibility()
    visit.shot("new-password")
    page.get_by_role("button", name=t("保存新密码", "Save the new password")).click()
    expect(page.get_by_text(t("新密码已设置好，请登录。",
                              "Your new password is set. Please sign in."))).to_be_visible()
    page.get_by_label(t("手机号或邮箱", "Mobile number or email")).fill(phone)
    page.get_by_label(t("密码", "Password"), exact=True).fill(new)
    page.get_by_role("main").get_by_role("button", name=t("登录", "Sign in")).click()
    expect(page.get_by_role("navigation").get_by_role(
        "link", name=t("我的预约", "My bookings"))).to_be_visible()
