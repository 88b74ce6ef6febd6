"""A phone-only worker on a 390 px phone: signs up and in by SMS code, gets a booking SMS,
sets a new password with a code, confirms a session from the reminder SMS, and takes a seat
offered by SMS from the waiting list.

The live app uses the ``file`` SMS provider; the journey reads its codes from that file,
as a developer does with ``make run``.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import expect

from app.accounts import services as accounts
from app.accounts.models import Role
from app.extensions import db
from app.types import utcnow
from tests.e2e import flashes
from tests.e2e.conftest import Visit
from tests.e2e.steps import (
    local_day,
    make_session,
    make_staff,
    make_worker,
    sign_in,
    sign_out,
)

_phones = itertools.count(13600000001)
PASSWORD = "a calm walk by the river"
CENTRE = "anxi"  # a demo centre; each run brings its own counsellor and sessions there
HEALTH_WORDS = ("抑郁", "焦虑", "咨询", "心理", "PHQ", "GAD", "风险", "团体", "减压",
                "stress", "counsel")


class Sms:
    """The live app's SMS file: runs the outbox (as the watcher does) and reads the lines."""

    def __init__(self, app: Flask, path: Path) -> None:
        self.app, self.path = app, path

    def to(self, phone: str, at: datetime | None = None) -> list[dict]:
        """The lines sent to ``phone`` once the outbox has run ``at`` that time (now)."""
        from app.notifications.services import send_due

        with self.app.app_context():
            send_due(now=at)
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
    sign_out(visit)
    visit.go("/account/login")
    page.get_by_role("link", name=t("用短信验证码登录", "Sign in with an SMS code")).click()
    page.get_by_label(t("手机号", "Mobile number"), exact=True).fill(phone)
    page.get_by_role("button", name=t("发送验证码", "Send me a code")).click()
    page.get_by_label(t("短信验证码", "Code from the SMS")).fill(sms.code(phone))
    visit.check_accessibility()
    visit.shot("sign-in-code")
    page.get_by_role("button", name=t("继续", "Continue")).click()
    expect(page.get_by_role("navigation").get_by_role(
        "link", name=t("我的", "Me"), exact=True)).to_be_visible()

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
    sign_out(visit)
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
        "link", name=t("我的", "Me"), exact=True)).to_be_visible()


def make_phone_worker(app: Flask, visit: Visit) -> str:
    """A worker registered with a mobile number only, in this visit's language."""
    phone = str(next(_phones))
    with app.app_context():
        user = accounts.register_worker(phone, PASSWORD, accepted_privacy_notice=True)
        accounts.set_locale(user, "en" if visit.lang == "en" else "zh_CN")
        db.session.commit()
    return phone


def assert_plain(line: dict) -> None:
    """One SMS segment that says only that there is something to look at."""
    assert len(line["text"]) <= 70, line["text"]
    assert not any(word.lower() in line["text"].lower() for word in HEALTH_WORDS), line["text"]


def test_phone_only_worker_confirms_from_the_reminder_sms(visit: Visit, live_app: Flask,
                                                          sms: Sms):
    if visit.viewport != "phone":
        pytest.skip("the phone journey runs at phone size (390 px)")
    page, t = visit.page, visit.t
    counsellor, _ = make_staff(live_app, visit, Role.COUNSELLOR, "林老师")
    # Starts a little over a day from now: its 24-hour reminder falls due in ten minutes.
    starts = utcnow().replace(second=0, microsecond=0) + timedelta(hours=24, minutes=10)
    group = make_session(live_app, centre=CENTRE, service="group-stress",
                         counsellor=counsellor, starts_at=starts)
    phone = make_phone_worker(live_app, visit)

    sign_in(visit, phone)
    visit.go(f"/booking/sessions/{group}")
    page.get_by_role("button", name=t("预约这个场次", "Book this session")).click()
    page.wait_for_url(re.compile(r"/bookings/[0-9a-f]+$"))
    visit.shot("booked")
    assert [line["template"] for line in sms.to(phone)] == ["notice"]  # no reminder yet

    # The outbox runs when the reminder is due: one reminder line with a short link.
    lines = sms.to(phone, at=starts - timedelta(hours=24) + timedelta(minutes=1))
    assert [line["template"] for line in lines] == ["notice", "reminder"]
    reminder = lines[1]
    [link] = reminder["params"]
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/s/[\w-]{11}", link), link
    assert reminder["text"] == f"【心晴】您在心晴有一条预约提醒，请查看：{link}"
    assert_plain(reminder)

    # The phone's SMS app opens the link in a browser where no one is signed in.
    tapped = visit.another()
    tapped.page.goto(link)
    expect(tapped.page.get_by_role("heading", level=1)).to_have_text(
        t("您在心晴的预约", "Your session at Xinqing"))
    tapped.check_accessibility()
    tapped.shot("reminder-link")
    tapped.page.get_by_role("button", name=t("我会参加", "I will come")).click()
    expect(tapped.page.get_by_text(t("谢谢。我们已记下您会参加。",
                                     "Thank you. We have noted that you will come."))
           ).to_be_visible()
    expect(tapped.page.get_by_text(t("您已告诉我们您会参加。", "You have told us you will come."))
           ).to_be_visible()
    expect(tapped.page.get_by_role("button", name=t("我会参加", "I will come"))).to_have_count(0)
    tapped.check_accessibility()
    tapped.shot("will-come")
    # The link signed no one in: it opened that one booking's two buttons, nothing more.
    tapped.go("/bookings")
    expect(tapped.page).to_have_url(re.compile(r"/account/login"))


def test_phone_only_worker_takes_a_seat_offered_by_sms(visit: Visit, live_app: Flask,
                                                       sms: Sms):
    if visit.viewport != "phone":
        pytest.skip("the phone journey runs at phone size (390 px)")
    page, t = visit.page, visit.t
    counsellor, _ = make_staff(live_app, visit, Role.COUNSELLOR, "陈老师")
    group = make_session(live_app, centre=CENTRE, service="group-stress",
                         counsellor=counsellor, starts_at=local_day(5, 15), capacity=1)
    first = make_worker(live_app, visit, "first", "小王")
    phone = make_phone_worker(live_app, visit)

    # Someone else takes the only seat.
    other = visit.another()
    sign_in(other, first)
    other.go(f"/booking/sessions/{group}")
    other.page.get_by_role("button", name=t("预约这个场次", "Book this session")).click()
    other.page.wait_for_url(re.compile(r"/bookings/[0-9a-f]+$"))
    uid = other.page.url.rsplit("/", 1)[1]

    # The phone-only worker finds it full and joins the waiting list.
    sign_in(visit, phone)
    visit.go(f"/booking/sessions/{group}")
    expect(page.get_by_text(t("这个场次已约满。", "This session is full."))).to_be_visible()
    page.get_by_role("button", name=t("加入候补名单", "Join the waiting list")).click()
    # Told how they will hear of a seat: by SMS, as they gave no email.
    expect(page.get_by_text(t("您已加入候补名单。有空位时我们会发短信通知您。",
                              "You are on the waiting list. We will send you an SMS if a seat "
                              "frees up."))).to_be_visible()
    visit.check_accessibility()
    visit.shot("waiting")
    assert sms.to(phone) == []

    # The other cancels: the seat is held for the phone-only worker, who is told by SMS.
    other.go(f"/bookings/{uid}")
    other.page.get_by_role("button", name=t("取消这个预约", "Cancel this booking")).click()
    expect(flashes.success(other.page, t, flashes.CANCELLED)).to_be_visible()
    [offer] = sms.to(phone)
    assert offer["template"] == "offer"
    until, link = offer["params"]
    assert re.fullmatch(r"\d{1,2}月\d{1,2}日\d\d:\d\d", until), until
    assert link.endswith("/bookings")
    assert offer["text"] == f"【心晴】您在心晴候补的名额已空出，请在{until}前确认：{link}"
    assert_plain(offer)
    with live_app.app_context():
        from app.booking.mail import sms_offer_time
        from app.booking.models import WaitlistEntry

        entry = db.session.scalar(db.select(WaitlistEntry).where(
            WaitlistEntry.session_id == group))
        assert until == sms_offer_time(entry.offer_expires_at)  # the hold's real end
        db.session.remove()

    # The link opens My bookings, where the held seat waits; the worker accepts it.
    page.goto(link)
    held = page.locator("main li", has_text=t("已为您保留名额", "A seat is held for you"))
    expect(held).to_have_count(1)
    visit.check_accessibility()
    visit.shot("seat-held")
    held.get_by_role("link", name=t("查看", "Open")).click()
    visit.check_accessibility()
    visit.shot("offer")
    page.get_by_role("button", name=t("确认这个名额", "Accept the seat")).click()
    expect(flashes.success(page, t, flashes.BOOKED)).to_be_visible()
    visit.check_accessibility()
    visit.shot("accepted")
    booked = sms.to(phone)[-1]
    assert booked["template"] == "notice"
    assert booked["params"][0].endswith("/bookings")
    assert_plain(booked)
