"""A worker's own journeys: screening with consent, booking with calendar emails, waitlist."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from app.accounts.models import Role
from tests.e2e import flashes
from tests.e2e.conftest import Visit
from tests.e2e.steps import (
    PASSWORD,
    answer_all,
    calendar_event,
    local_day,
    make_session,
    make_staff,
    make_worker,
    sign_in,
    tag,
)

CENTRE = "anxi"  # a demo centre; each run brings its own counsellor and sessions there


def _book(visit: Visit, session_id: int, day: str, service: str) -> str:
    """Find the session on the booking page, book it; returns the booking's uid."""
    page, t = visit.page, visit.t
    visit.go(f"/booking?centre={CENTRE}&service={service}&day={day}")
    # The week strip says the chosen day has something free, before anyone taps it.
    expect(page.locator(".week-days a[aria-current='date']")).to_contain_text(
        re.compile(t("个空位", "free")))
    visit.check_accessibility()
    visit.shot(f"browse-{service}")
    page.locator(f".session-list a[href='/booking/sessions/{session_id}']").click()
    page.wait_for_url(re.compile(rf"/booking/sessions/{session_id}$"))
    visit.check_accessibility()
    page.get_by_role("button", name=t("预约这个场次", "Book this session")).click()
    page.wait_for_url(re.compile(r"/bookings/[0-9a-f]+$"))
    visit.check_accessibility()
    visit.shot(f"booked-{service}")
    return page.url.rsplit("/", 1)[1]


def test_worker_screens_with_consent_shares_a_result_books_moves_and_cancels(
        visit: Visit, live_app, mail):
    page, t = visit.page, visit.t
    email = f"{tag(visit, 'worker')}@example.com"
    counsellor, _ = make_staff(live_app, visit, Role.COUNSELLOR, "林老师")
    first = local_day(3, 10)
    individual = make_session(live_app, centre=CENTRE, service="counselling",
                              counsellor=counsellor, starts_at=first)
    later = make_session(live_app, centre=CENTRE, service="counselling", counsellor=counsellor,
                         starts_at=local_day(4, 10))
    group = make_session(live_app, centre=CENTRE, service="group-stress",
                         counsellor=counsellor, starts_at=local_day(3, 14))

    # Registers...
    visit.go("/account/register")
    page.get_by_label(t("手机号或邮箱", "Mobile number or email")).fill(email)
    page.get_by_label(t("密码", "Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("再输入一次密码", "Repeat the password")).fill(PASSWORD)
    page.get_by_label(t("我已阅读隐私说明", "I have read the privacy notice"), exact=False).check()
    page.get_by_role("button", name=t("创建我的账号", "Create my account")).click()
    expect(page.get_by_text(t("欢迎！您的账号已经创建好了。", "Welcome! Your account is ready."))
           ).to_be_visible()

    # ...is asked, separately and plainly, before a first result is kept...
    visit.go("/screening/gad7")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        t("可以保存您的结果吗？", "May we keep your results?"))
    visit.check_accessibility()
    visit.shot("consent")
    page.get_by_role("button", name=t("我同意：保存我的结果", "I agree: keep my results")).click()
    # ...then offered the separate, optional safety-contact consent...
    expect(page.get_by_role("heading", level=1)).to_have_text(t(
        "在您可能有危险时，咨询师可以联系您吗？",
        "May a counsellor contact you if you may be at risk?"))
    visit.check_accessibility()
    visit.shot("safety-consent")
    page.get_by_role("button", name=t("可以，咨询师可以联系我",
                                      "Yes, a counsellor may contact me")).click()
    page.get_by_label(t("离您最近的中心", "Your nearest centre")).select_option(
        label=t("安溪县职工心理幸福体验馆", "Anxi County Workers' Psychological Well-being Centre"))
    visit.check_accessibility()
    visit.shot("profile")
    page.get_by_role("button", name=t("保存并继续", "Save and continue")).click()

    # ...takes GAD-7 and WHO-5; both are kept.
    page.wait_for_url("**/screening/gad7")
    answer_all(visit, option=1)
    visit.check_accessibility()
    visit.shot("gad7")
    page.get_by_role("button", name=t("查看我的结果", "See my result")).click()
    page.wait_for_url(re.compile(r"/screening/results/"))
    gad7_result = page.url
    expect(page.locator(".result-score")).to_contain_text("7")
    visit.check_accessibility()
    visit.shot("gad7-result")
    visit.go("/screening/who5")
    answer_all(visit, option=3)
    page.get_by_role("button", name=t("查看我的结果", "See my result")).click()
    page.wait_for_url(re.compile(r"/screening/results/"))
    visit.check_accessibility()
    visit.shot("who5-result")

    # The history shows a chart per questionnaire, with the same numbers as a table.
    page.get_by_role("link", name=t("我的历次结果", "My results over time")).click()
    for code in ("gad7", "who5"):
        expect(page.locator(f"svg.trend-chart[data-instrument='{code}']")).to_be_visible()
    visit.check_accessibility()
    visit.shot("history")

    # Shares the GAD-7 result with the counsellors of the chosen centre.
    page.goto(gad7_result)
    page.get_by_role("button", name=t("让我所在中心的心理咨询师看到这条结果",
                                      "Let counsellors at my centre see this")).click()
    expect(page.get_by_text(t("您所在中心的心理咨询师现在可以看到这条结果了。",
                              "Counsellors at your centre can now see this result."))
           ).to_be_visible()
    visit.shot("shared")

    # Books an individual session (a counsellor confirms it) and a group session.
    day = first.date().isoformat()
    uid = _book(visit, individual, day, "counselling")
    expect(flashes.success(page, t, flashes.REQUESTED)).to_be_visible()
    _book(visit, group, day, "group-stress")
    expect(flashes.success(page, t, flashes.BOOKED)).to_be_visible()

    sent = mail.deliver(email)
    subject = t("您在心晴的预约", "Your booking at Xinqing")
    requested = t("您在心晴的预约申请（等待咨询师确认）",
                  "Your booking request at Xinqing (awaiting confirmation)")
    assert [m["Subject"] for m in sent] == [requested, subject]
    booked = next(m for m in sent if f"/bookings/{uid}" in m.get_body(("plain",)).get_content())
    method, event = calendar_event(booked)
    assert (method, str(event["UID"]), str(event["STATUS"])) == (
        "REQUEST", f"{uid}@xinqing", "TENTATIVE")
    assert event.decoded("DTSTART") == first

    # Moves the individual booking a day later: the same calendar event, a newer revision.
    visit.go("/bookings")
    visit.check_accessibility()
    visit.shot("my-bookings")
    page.locator(f"main a[href='/bookings/{uid}']").click()
    visit.check_accessibility()
    visit.shot("booking")
    page.get_by_label(t("新的时间", "New time")).select_option(str(later))
    page.get_by_role("button", name=t("改到这个时间", "Move my booking")).click()
    expect(flashes.success(page, t, flashes.MOVED)).to_be_visible()
    visit.check_accessibility()
    visit.shot("moved")
    [changed] = [m for m in mail.deliver(email) if m not in sent]
    assert changed["Subject"] == t("您在心晴的预约已改期", "Your booking at Xinqing was changed")
    method, moved = calendar_event(changed)
    assert (method, str(moved["UID"])) == ("REQUEST", f"{uid}@xinqing")
    assert moved["SEQUENCE"] > event["SEQUENCE"]
    assert moved.decoded("DTSTART") == local_day(4, 10)

    # Cancels it: the calendar app is told to remove that same event.
    page.get_by_role("button", name=t("取消这个预约", "Cancel this booking")).click()
    expect(flashes.success(page, t, flashes.CANCELLED)).to_be_visible()
    visit.check_accessibility()
    visit.shot("cancelled")
    [cancelled] = [m for m in mail.deliver(email) if m not in sent and m is not changed]
    method, gone = calendar_event(cancelled)
    assert (method, str(gone["UID"]), str(gone["STATUS"])) == (
        "CANCEL", f"{uid}@xinqing", "CANCELLED")
    assert gone["SEQUENCE"] > moved["SEQUENCE"]


def test_a_freed_seat_in_a_full_group_goes_to_the_first_on_the_waiting_list(
        visit: Visit, live_app, mail):
    t = visit.t
    counsellor, _ = make_staff(live_app, visit, Role.COUNSELLOR, "陈老师")
    starts = local_day(5, 15)
    group = make_session(live_app, centre=CENTRE, service="group-stress", counsellor=counsellor,
                         starts_at=starts, capacity=1)
    first = make_worker(live_app, visit, "first", "小王")
    second = make_worker(live_app, visit, "second", "小张")

    # The first worker takes the only seat.
    sign_in(visit, first)
    uid = _book(visit, group, starts.date().isoformat(), "group-stress")

    # The second finds the session full and joins the waiting list.
    other = visit.another()
    sign_in(other, second)
    other.go(f"/booking/sessions/{group}")
    expect(other.page.get_by_text(t("这个场次已约满。", "This session is full."))).to_be_visible()
    other.check_accessibility()
    other.shot("full")
    other.page.get_by_role("button", name=t("加入候补名单", "Join the waiting list")).click()
    expect(other.page.get_by_text(t("您已加入候补名单。有空位时我们会发邮件通知您。",
                                    "You are on the waiting list. We will email you if a seat "
                                    "frees up."))).to_be_visible()
    other.check_accessibility()
    other.shot("waiting")

    # The first cancels; the seat is held for the second, who is told by email.
    visit.go(f"/bookings/{uid}")
    visit.page.get_by_role("button", name=t("取消这个预约", "Cancel this booking")).click()
    expect(flashes.success(visit.page, t, flashes.CANCELLED)).to_be_visible()
    [offer] = mail.deliver(second)
    assert offer["Subject"] == t("心晴：有一个名额为您空出来了",
                                 "A seat is free for you at Xinqing")
    link = re.search(r"http://127\.0\.0\.1:\d+(/bookings/waitlist/\w+)",
                     offer.get_body(("plain",)).get_content()).group(1)

    # The second follows the email's link and accepts the seat.
    other.go(link)
    other.check_accessibility()
    other.shot("offer")
    other.page.get_by_role("button", name=t("确认这个名额", "Accept the seat")).click()
    expect(flashes.success(other.page, t, flashes.BOOKED)).to_be_visible()
    other.check_accessibility()
    other.shot("accepted")
    subjects = [m["Subject"] for m in mail.deliver(second)]
    assert subjects == [offer["Subject"], t("您在心晴的预约", "Your booking at Xinqing")]
