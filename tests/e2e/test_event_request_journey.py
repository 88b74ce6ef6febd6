"""The enterprise request journey (点单式服务): a union contact orders a group session for
their workers' home from a county centre's menu; the centre's admin accepts it, scheduling
the event at the site with a facilitator; the contact sees it accepted, with the event's
page, where the site is named."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from app.accounts.models import Role
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


def test_enterprise_requests_an_event_and_the_centre_schedules_it(visit: Visit, live_app):
    page, t = visit.page, visit.t
    run = f"{visit.lang}-{visit.viewport}"
    admin, admin_secret = make_staff(live_app, visit, Role.ADMIN, "管理员")
    leader_name = f"志愿者 小周 {run}"
    leader, _secret = make_staff(live_app, visit, Role.FACILITATOR, leader_name)
    contact = make_worker(live_app, visit, "union-contact", "工会 老郑")
    centre = make_centre(live_app, visit, services=["group-stress"], staff=[leader])
    enterprise = f"某陶瓷厂工会 {run}"
    day = (utcnow() + timedelta(days=15)).astimezone(SHANGHAI).date()

    # The union contact orders a group session from the centre's menu.
    sign_in(visit, contact)
    visit.go("/events/request")
    page.get_by_label(t("中心", "Centre"), exact=True).select_option(str(centre.id))
    page.get_by_label(t("希望中心举办的活动", "What the centre should hold")).select_option(
        label=t("团体减压活动", "Group stress relief"))
    page.get_by_label(t("企业", "Enterprise"), exact=True).fill(enterprise)
    page.get_by_label(t("地点（贵单位场所或职工之家的地址）",
                        "Where (the address of your site or workers' home)")).fill(
        "德化县城东工业区 职工之家")
    page.get_by_label(t("工会办公电话", "Union office phone")).fill("0595-23561234")
    page.get_by_label(t("预计参加人数", "How many people will come")).fill("40")
    page.get_by_label(t("首选日期", "Preferred date")).fill(day.isoformat())
    visit.check_accessibility()
    visit.shot("request-form")
    page.get_by_role("button", name=t("提交申请", "Send the request")).click()
    expect(page.get_by_text(t("等待中心答复", "Waiting for the centre's answer"))).to_be_visible()
    visit.check_accessibility()
    visit.shot("request-sent")

    # The centre's admin finds it and accepts, with the facilitator leading.
    office = visit.another()
    sign_in_staff(office, live_app, admin, admin_secret)
    office.go("/admin/event-requests")
    office.page.get_by_role("link", name=enterprise).click()
    expect(office.page.get_by_text("0595-23561234")).to_be_visible()
    office.page.get_by_label(t("带领人（咨询师或带领人）", "Leader (counsellor or facilitator)")
                             ).select_option(label=leader_name)
    office.check_accessibility()
    office.shot("request-answer")
    office.page.get_by_role("button", name=t("接受并为活动排期",
                                             "Accept and schedule the event")).click()
    expect(office.page.get_by_text("德化县城东工业区 职工之家")).to_be_visible()
    office.shot("event-scheduled")

    # The contact sees the answer, and the event's page names the site.
    visit.go("/events/request")
    expect(page.get_by_text(t("已接受", "Accepted"), exact=False).first).to_be_visible()
    page.get_by_role("link", name=enterprise).first.click()  # the event's title names it
    expect(page.get_by_text("德化县城东工业区 职工之家")).to_be_visible()
    visit.check_accessibility()
    visit.shot("event-page")
