"""Steps the journeys share: people and places made in the live database, signing in.

Each journey run makes its own people, centres and sessions (named after its language and
viewport), because the live database is shared by every run of the session.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pyotp
from flask import Flask
from icalendar import Calendar
from playwright.sync_api import expect
from sqlalchemy import select

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.booking.models import Booking, Centre, Service, Session
from app.extensions import db
from app.types import utcnow
from tests.e2e.conftest import Visit
from tests.helpers import totp_code

PASSWORD = "a calm walk by the river"
SHANGHAI = ZoneInfo("Asia/Shanghai")  # where the centres are (the app's default zone)


def tag(visit: Visit, what: str) -> str:
    """A name unique to this journey run, usable in email addresses and centre codes."""
    return f"{what}-{visit.journey[5:25]}-{visit.lang}-{visit.viewport}".lower().replace(
        "_", "-")


def local_day(days_ahead: int, hour: int) -> datetime:
    """``hour`` o'clock in Shanghai, ``days_ahead`` days after today there."""
    today = utcnow().astimezone(SHANGHAI).date()
    return datetime.combine(today + timedelta(days=days_ahead), time(hour), SHANGHAI)


def make_worker(app: Flask, visit: Visit, who: str, name: str) -> str:
    """A registered worker in this visit's language; returns the email to sign in with."""
    email = f"{tag(visit, who)}@example.com"
    with app.app_context():
        user = accounts.register_worker(email, PASSWORD, name=name,
                                        accepted_privacy_notice=True)
        accounts.set_locale(user, "en" if visit.lang == "en" else "zh_CN")
        db.session.commit()
    return email


def make_staff(app: Flask, visit: Visit, role: Role, name: str) -> tuple[str, str]:
    """A staff member whose authenticator is already set up: (email, TOTP secret)."""
    email = f"{tag(visit, role.value.replace('_', '-'))}@example.com"
    secret = pyotp.random_base32()
    with app.app_context():
        user = accounts.create_staff(email=email, password=PASSWORD, roles=[role], name=name)
        user.totp_secret = secret
        user.totp_enabled_at = utcnow()
        db.session.commit()
    return email, secret


def make_centre(app: Flask, visit: Visit, *, services: list[str], staff: list[str]) -> Centre:
    """A county centre of its own, offering ``services`` (codes) with ``staff`` (emails)."""
    code = tag(visit, "centre")[:40]
    # The journey too: two journeys of one run must not offer two centres of the same name.
    label = f"{visit.journey[5:17]} {visit.lang} {visit.viewport}"
    with app.app_context():
        centre = Centre(code=code, kind="county",
                        parent_id=db.session.scalar(select(Centre.id).where(
                            Centre.code == "qz-hub")),
                        name_zh=f"测试体验馆（{label}）", name_en=f"Test centre ({label})",
                        region_zh="泉州市区", region_en="Quanzhou city",
                        address_zh="测试地址", address_en="Test address", phone="0595-0000 0009",
                        hours_zh="周一至周日 8:00–22:00", hours_en="Every day 8:00–22:00")
        db.session.add(centre)
        centre.services = list(db.session.scalars(select(Service).where(
            Service.code.in_(services))))
        centre.staff = list(db.session.scalars(select(User).where(
            User.email_index.in_([accounts.email_index(e) for e in staff]))))
        db.session.commit()
        db.session.refresh(centre)
        db.session.expunge(centre)
    return centre


def make_session(app: Flask, *, centre: str, service: str, counsellor: str,
                 starts_at: datetime, capacity: int | None = None, room: str = "201") -> int:
    """A scheduled session (centre and service codes, counsellor email); returns its id."""
    with app.app_context():
        found = db.session.scalar(select(Service).where(Service.code == service))
        session = Session(
            centre_id=db.session.scalar(select(Centre.id).where(Centre.code == centre)),
            service_id=found.id, counsellor_id=accounts.find_by_login(counsellor).id,
            room=room, starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=found.duration_minutes),
            capacity=capacity or found.capacity, booked=0)
        db.session.add(session)
        db.session.commit()
        return session.id


def make_booking(app: Flask, session_id: int, worker: str, status: str) -> str:
    """A booking made earlier (e.g. for a session that has started by now); returns its uid."""
    with app.app_context():
        session = db.session.get(Session, session_id)
        session.booked += 1
        booking = Booking(session_id=session_id, user_id=accounts.find_by_login(worker).id,
                          status=status)
        db.session.add(booking)
        db.session.commit()
        return booking.uid


def sign_in(visit: Visit, login: str, password: str = PASSWORD) -> None:
    """Fill in the sign-in form."""
    page, t = visit.page, visit.t
    visit.go("/account/login")
    page.get_by_label(t("手机号或邮箱", "Mobile number or email")).fill(login)
    page.get_by_label(t("密码", "Password"), exact=True).fill(password)
    page.get_by_role("button", name=t("登录", "Sign in")).click()


def sign_in_staff(visit: Visit, app: Flask, login: str, secret: str) -> None:
    """Sign in, then give the authenticator's code on the second step.

    When every code of this half-minute was used already, a person would wait for the next
    one; the test rewinds the record of the last used step instead (see tests/helpers.py).
    """
    page, t = visit.page, visit.t
    sign_in(visit, login)
    expect(page.get_by_label(t("验证码", "Code"))).to_be_visible()
    visit.check_accessibility()
    visit.shot("second-factor")
    with app.app_context():
        user = accounts.find_by_login(login)
        step = pyotp.TOTP(secret).timecode(utcnow())
        last = user.totp_last_step
        if last is not None and last >= step + 1:
            user.totp_last_step = last = step - 2
            db.session.commit()
    page.get_by_label(t("验证码", "Code")).fill(totp_code(secret, last))
    page.get_by_role("button", name=t("继续", "Continue")).click()
    expect(page.get_by_label(t("验证码", "Code"))).to_have_count(0)
    open_menu(visit)
    expect(page.get_by_role("button", name=t("退出登录", "Sign out"))).to_be_visible()


def sign_out(visit: Visit) -> None:
    """A worker signs out from their own page (the 我的 tab); staff from their menu."""
    page, t = visit.page, visit.t
    if page.locator("details.menu").count():
        open_menu(visit)
        page.get_by_role("navigation").get_by_role(
            "button", name=t("退出登录", "Sign out")).click()
        return
    page.get_by_role("navigation").get_by_role("link", name=t("我的", "Me"), exact=True).click()
    page.get_by_role("main").get_by_role("button", name=t("退出登录", "Sign out")).click()


def open_menu(visit: Visit) -> None:
    """Staff links sit behind the menu button on a phone (a row of links on wide screens)."""
    # Before the stylesheet applies, the wide screen's hidden menu button still looks visible.
    visit.page.wait_for_load_state("load")
    summary = visit.page.locator("details.menu > summary")
    if summary.is_visible() and visit.page.locator("details.menu[open]").count() == 0:
        summary.click()


def answer_all(visit: Visit, option: int = 0) -> None:
    """Choose the ``option``-th answer of every question on a questionnaire page."""
    for question in visit.page.locator("form.questionnaire fieldset").all():
        question.locator("label").nth(option).click()


def calendar_event(message) -> tuple[str, object]:
    """(METHOD, VEVENT) of an email's one calendar attachment."""
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one calendar file per booking email"
    cal = Calendar.from_ical(parts[0].get_payload(decode=True))
    [event] = list(cal.walk("VEVENT"))
    return str(cal["METHOD"]), event
