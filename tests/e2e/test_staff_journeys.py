"""Staff journeys: a counsellor's day with a worker's request for contact, and an admin
adding to the network. Both sign in with their authenticator."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from playwright.sync_api import expect
from sqlalchemy import select

from app.accounts.models import Role
from app.booking.models import Centre, Service
from app.extensions import db
from app.types import utcnow
from tests.e2e import flashes
from tests.e2e.conftest import Visit
from tests.e2e.steps import (
    SHANGHAI,
    answer_all,
    make_booking,
    make_centre,
    make_session,
    make_staff,
    make_worker,
    open_menu,
    sign_in_staff,
    tag,
)


def _show_week_of(visit: Visit, when: datetime) -> None:
    """Page the week calendar to the week holding ``when``, as a counsellor would.

    Sessions are made relative to now, so just after midnight on a Monday one of them can
    lie in the week before: the shown week is read off the page, not assumed.
    """
    page = visit.page
    wanted = when.astimezone(SHANGHAI).date()
    for _ in range(3):
        later = page.get_by_role("navigation", name=re.compile("日历|Calendar")).locator(
            "a").last.get_attribute("href")
        monday = date.fromisoformat(re.search(r"date=([\d-]+)", later).group(1)) \
            - timedelta(days=7)
        if monday <= wanted < monday + timedelta(days=7):
            return
        nav = page.get_by_role("navigation", name=re.compile("日历|Calendar")).locator("a")
        (nav.first if wanted < monday else nav.last).click()
    raise AssertionError(f"the calendar never showed the week of {wanted}")


def _open_session(visit: Visit, session_id: int, when: datetime) -> None:
    """Open a session from the week grid; on a phone pick its day in the switcher first."""
    page = visit.page
    day = when.astimezone(SHANGHAI).date().isoformat()
    switcher = page.locator(f".cal-switcher a[href*='date={day}']")
    if switcher.is_visible():
        switcher.click()
        expect(page.locator(f".cal-switcher a[href*='date={day}']")).to_have_attribute(
            "aria-current", "date")
    page.locator(f".cal-grid a[href='/counselling/sessions/{session_id}']").click()


def _attendee(visit: Visit, name: str):
    return visit.page.locator(".session-item", has_text=name)


def test_counsellor_runs_the_week_and_follows_up_a_request_for_contact(visit: Visit, live_app):
    page, t = visit.page, visit.t
    counsellor, secret = make_staff(live_app, visit, Role.COUNSELLOR, "林老师")
    centre = make_centre(live_app, visit, services=["counselling"], staff=[counsellor])
    centre_name = t(centre.name_zh, centre.name_en)
    lin = make_worker(live_app, visit, "lin", "小林")
    chen = make_worker(live_app, visit, "chen", "小陈")
    # Appointments relative to now: one began 20 minutes ago (not confirmed yet), one 90
    # minutes ago (confirmed, nobody came). Recording either is allowed from now on.
    now = utcnow().replace(second=0, microsecond=0)
    current = now - timedelta(minutes=20)
    earlier = now - timedelta(minutes=90)
    current_id = make_session(live_app, centre=centre.code, service="counselling",
                              counsellor=counsellor, starts_at=current)
    earlier_id = make_session(live_app, centre=centre.code, service="counselling",
                              counsellor=counsellor, starts_at=earlier)
    make_booking(live_app, current_id, lin, "requested")
    make_booking(live_app, earlier_id, chen, "confirmed")

    # Meanwhile a worker answers PHQ-9 anonymously, with a worrying answer to item 9, and
    # asks this centre to call back.
    worker = visit.another()
    worker.go("/screening/phq9")
    answer_all(worker)
    worker.page.locator("#q9 label").nth(1).click()
    worker.page.get_by_role("button", name=t("查看我的结果", "See my result")).click()
    worker.page.get_by_role("button", name=t("跳过这些问题", "Skip these questions")).click()
    expect(worker.page.locator("main > *").first).to_have_class(re.compile("crisis-panel"))
    worker.page.get_by_label(t("希望由哪个中心联系您？", "Which centre should contact you?")
                             ).select_option(label=centre_name)
    worker.page.get_by_label(t("电话号码", "Phone number")).fill("13912345678")
    worker.page.get_by_label(t("晚上", "Evening")).check()
    worker.check_accessibility()
    worker.shot("asks-for-contact")
    worker.page.get_by_role("button", name=t("请联系我", "Please contact me")).click()
    expect(worker.page.get_by_role("heading", level=1)).to_have_text(
        t("心理咨询师会联系您", "A counsellor will contact you"))
    worker.check_accessibility()
    worker.shot("contact-requested")

    # The counsellor signs in with the authenticator and opens the week.
    sign_in_staff(visit, live_app, counsellor, secret)
    open_menu(visit)
    page.get_by_role("navigation").get_by_role(
        "link", name=t("今日工作台", "Today's workspace")).click()
    visit.check_accessibility()
    visit.shot("workspace")
    page.get_by_role("main").get_by_role("link", name=t("本周", "This week")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("我的日历", "My calendar"))
    # What needs doing stands out: a request to confirm and two check-ins due now.
    expect(page.locator(".cal-badge")).to_have_text(t("2 项待处理", "2 to do"))
    visit.check_accessibility()
    visit.shot("week")
    _show_week_of(visit, current)
    expect(page.locator(f".cal-grid a[href='/counselling/sessions/{current_id}']")
           ).to_have_class(re.compile("cal-pending"))
    page.locator("#needs-action summary").click()
    expect(page.locator(".cal-todo-list li")).to_have_count(2)
    visit.check_accessibility()
    visit.shot("week-to-do")

    # Confirms the waiting request, checks the person in, writes a note.
    _open_session(visit, current_id, current)
    visit.check_accessibility()
    visit.shot("session")
    _attendee(visit, "小林").get_by_role("button", name=t("确认", "Confirm")).click()
    expect(_attendee(visit, "小林").locator(".tag")).to_have_text(t("已确认", "Confirmed"))
    _attendee(visit, "小林").get_by_role("button", name=t("签到", "Check in")).click()
    expect(_attendee(visit, "小林").locator(".tag")).to_have_text(t("已签到", "Checked in"))
    visit.check_accessibility()
    visit.shot("checked-in")
    _attendee(visit, "小林").get_by_role("link", name=t("记录", "Notes")).click()
    note = t("谈了轮班带来的睡眠问题，约好两周后再谈。",
             "Talked about sleep and shift work; meeting again in two weeks.")
    page.get_by_label(t("记录", "Note")).fill(note)
    page.get_by_role("button", name=t("保存记录", "Save note")).click()
    expect(flashes.success(page, t, flashes.NOTE_SAVED)).to_be_visible()
    expect(page.locator(".note-body")).to_have_text(note)
    visit.check_accessibility()
    visit.shot("note")

    # Marks the earlier appointment a no-show.
    open_menu(visit)
    page.get_by_role("navigation").get_by_role(
        "link", name=t("今日工作台", "Today's workspace")).click()
    page.get_by_role("main").get_by_role("link", name=t("本周", "This week")).click()
    _show_week_of(visit, earlier)
    _open_session(visit, earlier_id, earlier)
    _attendee(visit, "小陈").get_by_role("button", name=t("未到场", "No-show")).click()
    expect(_attendee(visit, "小陈").locator(".tag")).to_have_text(t("未到场", "Did not come"))
    visit.check_accessibility()
    visit.shot("no-show")

    # Follows up the anonymous worker's request in steps: a first call goes unanswered,
    # the second reaches them, and the item is closed with an outcome.
    open_menu(visit)
    home_notice = page.get_by_role("navigation").get_by_role(
        "link", name=t("今日工作台", "Today's workspace"))
    home_notice.click()
    expect(page.locator("#risk-queue .notice")).to_contain_text(
        t("风险队列中有 1 项尚未关闭。", "1 item in the risk queue is open."))
    open_menu(visit)
    page.get_by_role("navigation").get_by_role(
        "link", name=t("风险队列", "Risk queue")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("风险队列", "Risk queue"))
    expect(page.locator("tr.risk-open")).to_have_count(1)
    expect(page.locator("tr.risk-open")).to_contain_text(t("尚未联系", "Not yet contacted"))
    visit.check_accessibility()
    visit.shot("risk-queue")
    page.locator("tr.risk-open a[href^='/counsellor/risks/']").click()
    expect(page.locator("a[href='tel:13912345678']")).to_be_visible()
    expect(page.get_by_text(t("尚无记录。", "Nothing recorded yet."))).to_be_visible()
    visit.check_accessibility()
    visit.shot("risk-item")

    page.get_by_label(t("尝试联系，未联系上", "I tried to reach the person")).check()
    # Only the chosen step's questions show: no referral or outcome to puzzle over.
    expect(page.get_by_label(t("处理结果", "Outcome"), exact=True)).to_be_hidden()
    expect(page.locator("fieldset[data-step='referred']")).to_be_hidden()
    page.get_by_label(t("处理情况", "What happened")).select_option("no_answer")
    page.get_by_role("button", name=t("记录此步骤", "Record step")).click()
    expect(page.get_by_text(t("请填写再次尝试的时间。", "Please give a time to try again."))
           ).to_be_visible()  # an attempt without the next try is refused with a reason
    retry = (utcnow() + timedelta(hours=2)).astimezone(SHANGHAI)
    page.get_by_label(t("尝试联系，未联系上", "I tried to reach the person")).check()
    page.get_by_label(t("处理情况", "What happened")).select_option("no_answer")
    page.get_by_label(t("再次尝试时间（北京时间）", "Try again at (Beijing time)")).fill(
        retry.strftime("%Y-%m-%dT%H:%M"))
    page.get_by_label(t("备注（仅本中心的咨询师可以查看）",
                        "Note (only counsellors of this centre can read it)")).fill(
        t("晚上 7 点打过，无人接听。", "Rang at 7 pm, no answer."))
    page.get_by_role("button", name=t("记录此步骤", "Record step")).click()
    expect(flashes.success(page, t, flashes.STEP_RECORDED)).to_be_visible()
    steps = page.locator("ol.risk-steps > li")
    expect(steps).to_have_count(1)
    expect(steps.first).to_contain_text(t("无人接听", "No answer"))
    expect(steps.first).to_contain_text(retry.strftime("%Y-%m-%d %H:%M"))
    visit.check_accessibility()
    visit.shot("risk-attempted")

    page.get_by_label(t("已联系上本人", "I reached the person")).check()
    page.get_by_role("button", name=t("记录此步骤", "Record step")).click()
    expect(steps).to_have_count(2)
    page.get_by_label(t("记录结果并关闭此事项", "Close the item with an outcome")).check()
    page.get_by_label(t("处理结果", "Outcome"), exact=True).select_option("session_booked")
    page.get_by_label(t("备注（仅本中心的咨询师可以查看）",
                        "Note (only counsellors of this centre can read it)")).fill(
        t("已回电，对方同意明天来中心面谈。", "Called back; they will come in tomorrow."))
    visit.shot("risk-closing")
    page.get_by_role("button", name=t("记录此步骤", "Record step")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(t("风险队列", "Risk queue"))
    expect(page.locator("tr.risk-open")).to_have_count(0)
    expect(page.locator("tr.risk-resolved")).to_have_count(1)
    visit.check_accessibility()
    visit.shot("risk-resolved")
    page.locator("tr.risk-resolved a[href^='/counsellor/risks/']").click()
    expect(page.locator("ol.risk-steps > li")).to_have_count(3)
    visit.shot("risk-history")


def test_admin_adds_a_centre_and_a_service_and_finds_both_in_the_audit_log(
        visit: Visit, live_app):
    page, t = visit.page, visit.t
    admin, secret = make_staff(live_app, visit, Role.ADMIN, "管理员")
    sign_in_staff(visit, live_app, admin, secret)
    open_menu(visit)
    page.get_by_role("navigation").get_by_role("link", name=t("系统管理", "Administration")).click()
    page.get_by_role("main").get_by_role("link", name=t("中心和服务", "Centres and services")
                                         ).click()
    visit.check_accessibility()
    visit.shot("network")

    run = f"{visit.lang}-{visit.viewport}"  # names unique to this run of the journey
    code = tag(visit, "nanan")[:40]
    page.get_by_role("link", name=t("添加中心", "Add a centre")).click()
    page.get_by_role("button", name=t("保存", "Save")).click()  # empty: every field says why
    expect(page.locator(".error").first).to_be_visible()
    visit.check_accessibility()
    visit.shot("centre-errors")
    fields = {
        t("代码（用于网址）", "Code (used in web addresses)"): code,
        t("名称（中文）", "Name (Chinese)"): f"南安市职工心理幸福体验馆 {run}",
        t("名称（英文）", "Name (English)"): f"Nan'an Workers' Well-being Centre {run}",
        t("区域（中文）", "Region (Chinese)"): "南安市",
        t("区域（英文）", "Region (English)"): "Nan'an",
        t("地址（中文）", "Address (Chinese)"): "南安市 工人文化宫二楼",
        t("地址（英文）", "Address (English)"): "2F, Workers' Cultural Palace, Nan'an",
        t("电话", "Phone"): "0595-0000 0010",
        t("开放时间（中文）", "Opening hours (Chinese)"): "周一至周五 9:00–17:00",
        t("开放时间（英文）", "Opening hours (English)"): "Mon–Fri 9:00–17:00",
    }
    for label, value in fields.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_label(t("一对一心理咨询", "One-to-one counselling")).check()
    visit.check_accessibility()
    visit.shot("centre-form")
    page.get_by_role("button", name=t("保存", "Save")).click()
    expect(page.get_by_text(fields[t("名称（中文）", "Name (Chinese)")] if visit.lang != "en"
                            else fields["Name (English)"], exact=True)).to_be_visible()
    visit.check_accessibility()
    visit.shot("centre-added")

    service = tag(visit, "walk")[:40]
    page.get_by_role("link", name=t("添加服务", "Add a service")).click()
    page.get_by_label(t("代码（用于网址）", "Code (used in web addresses)"), exact=True
                      ).fill(service)
    page.get_by_label(t("类别", "Kind")).select_option("relaxation")
    page.get_by_label(t("名称（中文）", "Name (Chinese)"), exact=True).fill(
        f"正念散步 {run}")
    page.get_by_label(t("名称（英文）", "Name (English)"), exact=True).fill(
        f"Mindful walk {run}")
    page.get_by_label(t("时长（分钟）", "Duration (minutes)")).fill("40")
    page.get_by_label(t("名额", "Seats")).fill("10")
    visit.check_accessibility()
    visit.shot("service-form")
    page.get_by_role("button", name=t("保存", "Save")).click()
    expect(page.get_by_text(t(f"正念散步 {run}", f"Mindful walk {run}"), exact=True)
           ).to_be_visible()
    visit.shot("service-added")

    with live_app.app_context():
        records = {"centre.saved": f"centres:{_id_of(Centre, code)}",
                   "service.saved": f"services:{_id_of(Service, service)}"}
    open_menu(visit)
    page.get_by_role("navigation").get_by_role("link", name=t("系统管理", "Administration")).click()
    page.get_by_role("main").get_by_role("link", name=t("审计日志", "Audit log")).click()
    for action, record in records.items():
        page.get_by_label(t("操作名称开头", "Action starts with")).fill(action)
        page.get_by_role("button", name=t("搜索", "Search")).click()
        row = page.locator("tbody tr", has_text=record)
        expect(row).to_contain_text(action)
        expect(row).to_contain_text("管理员")  # who did it, by name
        visit.check_accessibility()
        visit.shot(action.replace(".", "-"))


def _id_of(model, code: str) -> int:
    return db.session.scalar(select(model.id).where(model.code == code))
