"""A worker on a phone or desktop: the crisis path of an anonymous PHQ-9, and booking."""

from __future__ import annotations

import itertools
import re

from playwright.sync_api import expect

from tests.e2e.conftest import Visit

_phones = itertools.count(13700000001)
PASSWORD = "a calm walk by the river"


def test_anonymous_phq9_with_a_risk_answer_opens_with_crisis_help(visit: Visit, browser):
    page, t = visit.page, visit.t
    visit.go("/screening/")
    visit.check_accessibility()
    visit.shot("questionnaires")
    visit.go("/screening/phq9")
    # Leave everything empty first: the page says what is missing and changes nothing.
    page.get_by_role("button", name=t("查看我的结果", "See my result")).click()
    expect(page.locator("#error-summary")).to_be_visible()
    visit.shot("missing-answers")
    labels = t(["完全不会"] * 8 + ["好几天"], ["Not at all"] * 8 + ["Several days"])
    for number, label in enumerate(labels, start=1):
        page.locator(f"#q{number}").get_by_label(label, exact=True).check()
    page.locator("fieldset[id^=x_]").get_by_role("radio").first.check()
    visit.check_accessibility()
    page.get_by_role("button", name=t("查看我的结果", "See my result")).click()
    # The follow-up questions come first; they may be skipped.
    page.get_by_role("button", name=t("跳过这些问题", "Skip these questions")).click()

    # The crisis panel is the first thing on the result page: 12356 at once, the rest of
    # the lines one tap away behind "more lines".
    panel = page.locator("main > *").first
    expect(panel).to_have_class(re.compile("crisis-panel"))
    for number in ("12356", "110", "120"):
        expect(panel.locator(f'a[href="tel:{number}"]').first).to_be_visible()
    panel.get_by_text(t("更多热线", "More lines")).click()
    for number in ("059185666661", "4001619995"):
        expect(panel.locator(f'a[href="tel:{number}"]')).to_be_visible()
    visit.check_accessibility()
    visit.shot("crisis-result")

    code = page.locator(".retrieval-code strong").inner_text().strip()
    assert len(code) >= 12
    # Someone else's browser (e.g. later, on another phone) sees it again with the code.
    other = browser.new_context()
    try:
        tab = other.new_page()
        tab.goto(visit.base + f"/screening/retrieve?lang={visit.lang}")
        tab.get_by_label(t("您的查看码", "Your result code")).fill(code)
        tab.get_by_role("button", name=t("查看结果", "Show my result")).click()
        expect(tab.locator("main > *").first).to_have_class(re.compile("crisis-panel"))
    finally:
        other.close()


def test_worker_books_a_group_session_and_cancels_it(visit: Visit):
    page, t = visit.page, visit.t
    email = f"group{next(_phones)}@example.com"  # mobile numbers sign up by SMS code
    visit.go("/account/register")
    page.get_by_label(t("手机号或邮箱", "Mobile number or email")).fill(email)
    page.get_by_label(t("密码", "Password"), exact=True).fill(PASSWORD)
    page.get_by_label(t("再输入一次密码", "Repeat the password")).fill(PASSWORD)
    page.get_by_label(t("我已阅读隐私说明", "I have read the privacy notice"), exact=False).check()
    page.get_by_role("button", name=t("创建我的账号", "Create my account")).click()
    expect(page.get_by_role("navigation").get_by_role(
        "link", name=t("我的", "Me"), exact=True)).to_be_visible()

    visit.go("/booking?service=group-stress")
    visit.check_accessibility()
    visit.shot("browse")
    # Looks a week ahead with the strip's plain links; from there the earliest free session
    # (this week, at any centre) is one tap away.
    page.get_by_role("link", name=t("下一周", "Next week")).click()
    expect(page.get_by_role("link", name=t("上一周", "Previous week"))).to_be_visible()
    expect(page.locator(".week-days a")).to_have_count(7)
    visit.check_accessibility()
    visit.shot("browse-next-week")
    page.get_by_role("link", name=t("查看这个场次", "See this session")).click()
    visit.check_accessibility()
    visit.shot("session")
    page.get_by_role("button", name=re.compile(t("预约", "Book"))).first.click()
    visit.shot("booked")
    visit.go("/bookings")
    expect(page.locator("main")).to_contain_text(t("团体减压活动", "Group stress relief"))
    visit.check_accessibility()
    visit.shot("my-bookings")
    page.locator("main a[href^='/bookings/']").first.click()
    page.get_by_role("button", name=t("取消这个预约", "Cancel this booking")).click()
    expect(page.locator("main")).to_contain_text(re.compile(t("已取消", "[Cc]ancelled")))
    visit.shot("cancelled")
