"""The events journey: an admin creates an event, a worker finds it on /events and
registers, the facilitator shows the check-in QR code, and the worker checks in by opening
what the real QR image decodes to; the attendance is counted in the statistics."""

from __future__ import annotations

from datetime import timedelta
from io import BytesIO

from playwright.sync_api import expect
from sqlalchemy import func, select

from app.accounts.models import Role
from app.booking.models import Booking, Event, Service, Session
from app.extensions import db
from app.reports.models import ActivityStat
from app.types import utcnow
from tests.e2e.conftest import Visit
from tests.e2e.steps import (
    SHANGHAI,
    make_centre,
    make_staff,
    make_worker,
    sign_in,
    sign_in_staff,
)


def _decode_qr(png: bytes) -> str:
    """What a phone's camera would read from the code on the screen (zxing-cpp)."""
    import zxingcpp
    from PIL import Image

    found = zxingcpp.read_barcodes(Image.open(BytesIO(png)))
    assert found, "no QR code found in the screenshot"
    return found[0].text


def test_event_created_listed_registered_and_checked_in_by_qr(visit: Visit, live_app):
    page, t = visit.page, visit.t
    run = f"{visit.lang}-{visit.viewport}"
    admin, admin_secret = make_staff(live_app, visit, Role.ADMIN, "管理员")
    leader_name = f"志愿者 小王 {run}"
    leader, leader_secret = make_staff(live_app, visit, Role.FACILITATOR, leader_name)
    worker = make_worker(live_app, visit, "event-worker", "小陈")
    centre = make_centre(live_app, visit, services=["lecture"], staff=[leader])

    # The admin creates the event, starting in about 40 minutes (check-in opens an hour
    # before the start).
    start = (utcnow() + timedelta(minutes=40)).astimezone(SHANGHAI)
    if start.date() != utcnow().astimezone(SHANGHAI).date():  # not across local midnight
        start = (utcnow() + timedelta(minutes=5)).astimezone(SHANGHAI)
    title = t(f"睡眠与压力公益讲座 {run}", f"Sleep and stress talk {run}")
    sign_in_staff(visit, live_app, admin, admin_secret)
    visit.go("/admin/events/new")
    page.get_by_label(t("类别", "Kind")).select_option("lecture")
    page.get_by_label(t("标题（中文）", "Title (Chinese)")).fill(f"睡眠与压力公益讲座 {run}")
    page.get_by_label(t("标题（英文）", "Title (English)")).fill(f"Sleep and stress talk {run}")
    page.get_by_label(t("主办中心", "Organising centre")).select_option(str(centre.id))
    with live_app.app_context():
        lecture = db.session.scalar(select(Service.id).where(Service.code == "lecture"))
    page.get_by_label(t("服务", "Service"), exact=True).select_option(str(lecture))
    page.get_by_label(t("带领人（咨询师或带领人）", "Leader (counsellor or facilitator)")
                      ).select_option(label=leader_name)
    page.get_by_label(t("日期", "Date"), exact=True).fill(start.date().isoformat())
    page.get_by_label(t("开始时间", "Start time")).fill(start.strftime("%H:%M"))
    page.get_by_label(t("名额", "Places")).fill("30")
    page.get_by_label(t("报名开始日期", "Registration opens on")).fill(
        utcnow().astimezone(SHANGHAI).date().isoformat())
    page.get_by_label(t("报名截止（开始前几小时）",
                        "Registration closes (hours before the start)")).fill("0")
    page.get_by_label(t("主题（用逗号分隔）", "Topics (separated by commas)")).fill("睡眠, 压力")
    visit.check_accessibility()
    visit.shot("event-form")
    page.get_by_role("button", name=t("创建活动", "Create the event")).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    visit.shot("event-created")

    # A worker finds it on /events and registers.
    person = visit.another()
    sign_in(person, worker)
    expect(person.page.get_by_role("navigation").get_by_role(
        "link", name=t("我的", "Me"), exact=True)).to_be_visible()  # signed in: the 我的 tab
    person.go("/events?tag=睡眠")
    person.check_accessibility()
    person.shot("events-list")
    person.page.get_by_role("link", name=title).click()
    person.check_accessibility()
    person.page.get_by_role("button", name=t("报名参加", "Register for this event")).click()
    expect(person.page.get_by_text(t("您已报名。", "You are registered."), exact=True)
           ).to_be_visible()
    person.check_accessibility()
    person.shot("registered")

    # The facilitator opens the event's check-in page: the QR code is drawn here, locally.
    lead = visit.another()
    sign_in_staff(lead, live_app, leader, leader_secret)
    lead.go("/events/mine")
    lead.page.get_by_role("link", name=title).click()
    code = lead.page.get_by_role("img", name=t("本活动的签到二维码",
                                               "Check-in QR code for this event"))
    expect(code).to_be_visible()
    expect(lead.page.get_by_text("小陈")).to_be_visible()
    lead.check_accessibility()
    lead.shot("check-in-qr")
    url = _decode_qr(code.screenshot())
    assert url.startswith(live_app.config["LIVE_URL"] + "/events/check-in/")

    # The worker's phone opens what the code says, and one tap checks them in.
    person.page.goto(url)
    person.check_accessibility()
    person.shot("check-in")
    person.page.get_by_role("button", name=t("签到", "Check in")).click()
    expect(person.page.get_by_text(t("签到成功，欢迎您！", "You are checked in. Welcome!"))
           ).to_be_visible()
    person.shot("checked-in")

    # The facilitator's list shows it, and the statistics reports read count it.
    lead.page.reload()
    expect(lead.page.get_by_text(t("已参加", "Attended"), exact=True)).to_be_visible()
    with live_app.app_context():
        event = db.session.scalar(select(Event).join(Session).where(
            Session.centre_id == centre.id))
        assert db.session.scalar(select(Booking.status).where(
            Booking.session_id == event.session_id)) == "attended"
        assert db.session.scalar(select(func.count(ActivityStat.id)).where(
            ActivityStat.event == "attended", ActivityStat.centre_id == centre.id,
            ActivityStat.service == "lecture")) == 1
