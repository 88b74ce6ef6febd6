"""8. A worker chooses a counsellor by specialty and language, opens the profile and books a
video session; the meeting link is on their booking and nowhere for another worker."""

from __future__ import annotations

import re

from playwright.sync_api import expect
from sqlalchemy import select

from app.accounts import services as accounts
from app.booking import profiles
from app.extensions import db
from tests.e2e.conftest import Visit
from tests.e2e.steps import (
    local_day,
    make_centre,
    make_session,
    make_staff,
    make_worker,
    sign_in,
)


def _published_counsellor(app, visit: Visit, name: str) -> str:
    """A counsellor with an approved profile (trauma; Cantonese, which no demo one speaks)."""
    from app.accounts.models import Role

    email, _secret = make_staff(app, visit, Role.COUNSELLOR, name)
    with app.app_context():
        user = accounts.find_by_login(email)
        approver = accounts.find_by_login("admin@example.com")
        profile = profiles.submit(user, profiles.Draft(
            display_name=name, gender="female", specialties=["trauma", "sleep"],
            languages=["cantonese", "putonghua"], qualifications=["counsellor_2"],
            register_number="", intro_zh="陪伴事故后的职工。",
            intro_en="Works with people after accidents at work."))
        profiles.publish(profile, approver)
        db.session.commit()
        assert db.session.scalar(select(profiles.CounsellorProfile.id).where(
            profiles.CounsellorProfile.user_id == user.id))
    return email


def test_worker_chooses_a_counsellor_and_books_a_video_session(visit: Visit, live_app):
    page, t = visit.page, visit.t
    name = f"测试{visit.lang}{visit.viewport}老师"
    counsellor = _published_counsellor(live_app, visit, name)
    centre = make_centre(live_app, visit, services=["counselling-video"], staff=[counsellor])
    session_id = make_session(live_app, centre=centre.code, service="counselling-video",
                 counsellor=counsellor, starts_at=local_day(3, 19), room="")
    worker = make_worker(live_app, visit, "chooser", "小周")
    sign_in(visit, worker)

    visit.go("/counsellors")
    page.get_by_label(t("想谈的方面", "Help with")).select_option("trauma")
    page.get_by_label(t("语言", "Language"), exact=True).select_option("cantonese")
    page.get_by_role("button", name=t("查找咨询师", "Show counsellors")).click()
    card = page.locator(".counsellor-card", has_text=name)
    expect(card).to_be_visible()
    expect(page.locator(".counsellor-card", has_text="林老师")).to_have_count(0)
    visit.check_accessibility()
    visit.shot("counsellors-filtered")

    card.get_by_role("link", name=t("查看资料和时间", "See profile and times")).click()
    expect(page.get_by_role("heading", name=name)).to_be_visible()
    expect(page.get_by_text(t("粤语", "Cantonese"))).to_be_visible()
    visit.check_accessibility()
    visit.shot("profile")
    page.locator("main .session-item").first.get_by_role(
        "link", name=t("选择", "Choose")).click()
    expect(page.locator(".remote-privacy")).to_be_visible()  # quiet room, no recording
    visit.check_accessibility()
    page.get_by_role("button", name=t("预约这个场次", "Book this session")).click()

    link = page.locator("a.meeting-link")
    expect(link).to_have_attribute("href", re.compile(r"^https://meet\.example\.org/xinqing-"))
    href = link.get_attribute("href")
    visit.check_accessibility()
    visit.shot("booked-video")
    booking_url = page.url

    other = visit.another()
    sign_in(other, make_worker(live_app, visit, "onlooker", "小吴"))
    other.go(f"/booking/sessions/{session_id}")
    expect(other.page.locator(".remote-privacy")).to_be_visible()
    assert href not in other.page.content()
    assert other.page.goto(booking_url).status == 404
