"""The worker's side of the safety loop on a phone: a PHQ-9 with a risk answer, anonymous,
signed in without the safety-contact consent, and signed in with it."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from playwright.sync_api import expect
from sqlalchemy import select

from app.accounts import services as accounts
from app.extensions import db
from app.screening import risk
from app.screening import services as screening
from app.screening.models import RiskItem
from tests.e2e.conftest import ARTIFACTS, Visit
from tests.e2e.steps import make_centre, make_worker, sign_in

PHONE_HEIGHT = 844


def _centre(live_app: Flask, visit: Visit):
    """A centre of this journey, named apart from other journeys' test centres (their
    pages pick centres by name)."""
    from app.booking.models import Centre

    centre = make_centre(live_app, visit, services=[], staff=[])
    with live_app.app_context():
        row = db.session.get(Centre, centre.id)
        row.name_zh = f"安全测试中心（{visit.journey[5:20]}）"
        row.name_en = f"Safety test centre ({visit.journey[5:20]})"
        db.session.commit()
    return centre


def _answer_with_risk(visit: Visit) -> None:
    """PHQ-9: "not at all" everywhere but item 9, "several days" (the validated wording)."""
    page, t = visit.page, visit.t
    visit.go("/screening/phq9")
    for number in range(1, 9):
        page.locator(f"#q{number}").get_by_label(t("完全不会", "Not at all"), exact=True).check()
    page.locator("#q9").get_by_label(t("好几天", "Several days"), exact=True).check()
    page.locator("fieldset[id^=x_]").get_by_role("radio").first.check()
    page.get_by_role("button", name=t("查看我的结果", "See my result")).click()


def _followup(visit: Visit, *, urgent: bool) -> None:
    """The C-SSRS questions: urgent says yes to a plan, otherwise thoughts only."""
    page, t = visit.page, visit.t
    expect(page.get_by_role("heading", name=t("再回答几个问题", "A few more questions"))
           ).to_be_visible()
    _first_screen_shot(visit, "followup")
    expect(page.locator('.crisis-line-strip a[href="tel:12356"]')).to_be_visible()
    visit.check_accessibility()
    visit.shot("followup")
    yes, no = t("有", "Yes"), t("没有", "No")
    for code, answer in (("wish_dead", yes), ("thoughts", yes), ("method", no),
                         ("intent", no), ("plan", yes if urgent else no), ("behaviour", no)):
        page.locator(f"#c_{code}").get_by_label(answer, exact=True).check()
    page.locator("#c_safe_now").get_by_role("radio").first.check()
    page.get_by_role("button", name=t("提交我的回答", "Send my answers")).click()


def _in_first_screen(visit: Visit, selector: str) -> None:
    box = visit.page.locator(selector).first.bounding_box()
    assert box is not None, selector
    assert box["y"] + box["height"] <= PHONE_HEIGHT, f"{selector} is below the first screen"


def _first_screen_shot(visit: Visit, name: str) -> None:
    """What a person sees before scrolling (the full-page shots show the rest)."""
    folder = ARTIFACTS / visit.journey
    folder.mkdir(parents=True, exist_ok=True)
    visit.page.screenshot(path=str(folder / f"first-screen-{name}-{visit.lang}.png"),
                          full_page=True, clip={"x": 0, "y": 0, "width": 390,
                                                "height": PHONE_HEIGHT})


def _crisis_page_is_about_the_person(visit: Visit) -> None:
    page, t = visit.page, visit.t
    _first_screen_shot(visit, "crisis")
    main = page.locator("main")
    expect(main.locator('a[href="tel:12356"]').first).to_be_visible()
    _in_first_screen(visit, 'main a[href="tel:12356"]')
    # Other lines wait behind "more lines"; no band label, no self-help tips on this page.
    expect(main.locator('a[href="tel:4001619995"]')).to_be_hidden()
    text = main.inner_text()
    for absent in (t("没有或极少抑郁症状", "Minimal or no depressive symptoms"),
                   t("对很多人有帮助的做法", "Things that help many people")):
        assert absent not in text, absent
    main.get_by_text(t("更多热线", "More lines")).click()
    expect(main.locator('a[href="tel:4001619995"]')).to_be_visible()


def test_anonymous_risk_answer_gets_help_first_and_can_ask_for_a_call(visit: Visit,
                                                                      live_app: Flask):
    page, t = visit.page, visit.t
    if visit.viewport != "phone":
        pytest.skip("the first-screen rule is about phones")
    _centre(live_app, visit)
    _answer_with_risk(visit)
    _followup(visit, urgent=False)
    _crisis_page_is_about_the_person(visit)
    visit.check_accessibility()
    visit.shot("crisis-anonymous")
    page.locator("select#centre").select_option(index=1)
    page.get_by_label(t("电话号码", "Phone number")).fill("13912345678")
    page.get_by_role("button", name=t("请联系我", "Please contact me")).click()
    expect(page.locator("main")).to_contain_text(re.compile(t("咨询师", "counsellor")))
    visit.shot("contact-requested")


def test_signed_in_without_consent_says_yes_once_on_the_crisis_page(visit: Visit,
                                                                    live_app: Flask):
    page, t = visit.page, visit.t
    if visit.viewport != "phone":
        pytest.skip("the first-screen rule is about phones")
    email = make_worker(live_app, visit, "noconsent", "小王")
    centre = _centre(live_app, visit)
    with live_app.app_context():
        user = accounts.find_by_login(email)
        screening.give_health_consent(user)
        user.home_centre_id = centre.id
        db.session.commit()
    sign_in(visit, email)
    _answer_with_risk(visit)
    _followup(visit, urgent=False)
    _crisis_page_is_about_the_person(visit)
    _in_first_screen(visit, 'main a[href^="tel:0595-0000"]')
    visit.check_accessibility()
    visit.shot("crisis-no-consent")
    page.get_by_role("button", name=t("可以，咨询师可以联系我",
                                      "Yes, a counsellor may contact me")).click()
    expect(page.get_by_role("heading", name=t("咨询师会给您打电话",
                                              "A counsellor will call you"))).to_be_visible()
    visit.shot("consent-given-on-crisis-page")
    with live_app.app_context():
        item = db.session.scalar(select(RiskItem).where(RiskItem.centre_id == centre.id))
        assert item is not None
        assert item.triage == "standard"


def test_signed_in_with_consent_urgent_answer_opens_an_item_by_itself(visit: Visit,
                                                                      live_app: Flask):
    page, t = visit.page, visit.t
    if visit.viewport != "phone":
        pytest.skip("the first-screen rule is about phones")
    email = make_worker(live_app, visit, "consent", "小陈")
    centre = _centre(live_app, visit)
    with live_app.app_context():
        user = accounts.find_by_login(email)
        screening.give_health_consent(user)
        risk.give_safety_consent(user)
        user.home_centre_id = centre.id
        db.session.commit()
    sign_in(visit, email)
    _answer_with_risk(visit)
    _followup(visit, urgent=True)
    # Urgent: 120/110 and the emergency department first, then 12356 and the centre.
    expect(page.get_by_role("heading", name=t("请现在就寻求帮助", "Please get help right now"))
           ).to_be_visible()
    _in_first_screen(visit, 'main a[href="tel:120"]')
    _crisis_page_is_about_the_person(visit)
    _in_first_screen(visit, 'main a[href^="tel:0595-0000"]')
    expect(page.get_by_role("heading", name=t("咨询师会给您打电话",
                                              "A counsellor will call you"))).to_be_visible()
    visit.check_accessibility()
    visit.shot("crisis-urgent-with-consent")
    with live_app.app_context():
        item = db.session.scalar(select(RiskItem).where(RiskItem.centre_id == centre.id))
        assert item.triage == "urgent"
    # The safety plan: written, saved, and the page prints without the site's chrome.
    page.get_by_role("link", name=t("写下我的安全计划", "Write my safety plan")).click()
    page.get_by_label(re.compile(t("预警信号", "warning signs"))).fill(
        t("睡不着，一个人喝闷酒", "Not sleeping, drinking alone"))
    page.get_by_role("button", name=t("保存我的计划", "Save my plan")).click()
    expect(page.locator("main")).to_contain_text(
        t("您的安全计划已保存", "Your safety plan is saved"))
    visit.check_accessibility()
    visit.shot("safety-plan")
    page.emulate_media(media="print")
    visit.shot("safety-plan-print")
