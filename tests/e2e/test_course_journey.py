"""9. Measurement every session (issue 17): a worker in a course of care agrees to be asked,
fills PHQ-9 and GAD-7 before a session; the counsellor sees the chart with reliable change
marked and a client who is not on track."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from app.accounts import services as accounts
from app.accounts.models import Role
from app.booking import bookings
from app.booking.models import Centre, Service
from app.counselling.course_demo import past_course
from app.extensions import db
from app.types import utcnow
from tests.e2e.conftest import Visit
from tests.e2e.steps import (
    answer_all,
    local_day,
    make_centre,
    make_session,
    make_staff,
    make_worker,
    sign_in,
    sign_in_staff,
    sign_out,
)


def test_pre_session_measures_and_the_counsellors_chart(visit: Visit, live_app):
    page, t = visit.page, visit.t
    counsellor, secret = make_staff(live_app, visit, Role.COUNSELLOR, "测试课程老师")
    centre = make_centre(live_app, visit, services=["counselling"], staff=[counsellor])
    session_id = make_session(live_app, centre=centre.code, service="counselling",
                              counsellor=counsellor, starts_at=local_day(2, 10))
    worker = make_worker(live_app, visit, "measured", "小陈")
    stuck = make_worker(live_app, visit, "stuck", "小赵")
    with live_app.app_context():
        booking = bookings.book(accounts.find_by_login(worker), session_id)
        uid = booking.uid
        course = past_course(accounts.find_by_login(stuck), accounts.find_by_login(counsellor),
                             db.session.get(Centre, centre.id),
                             db.session.scalar(db.select(Service).where(
                                 Service.code == "counselling")),
                             [(15, 12), (14, 12), (15, 11), (14, 11)],
                             utcnow() - timedelta(weeks=5))
        course_uid = course.uid

    sign_in(visit, worker)
    visit.go(f"/bookings/{uid}")
    page.locator("#course-measures").click()
    page.get_by_role("button", name=t("我同意在本疗程中填写问卷",
                                      "I agree to be asked in this course")).click()
    expect(page.locator("form.questionnaire")).to_be_visible()
    answer_all(visit, 1)
    visit.check_accessibility()
    visit.shot("pre-session-measures")
    page.get_by_role("button", name=t("发送给我的咨询师", "Send to my counsellor")).click()
    # Item 9 answered "several days": the result page with the crisis lines follows.
    expect(page.get_by_text("12356").first).to_be_visible()
    visit.go(f"/courses/sessions/{uid}")
    expect(page.get_by_text(t("您已经填写过本次咨询的问卷",
                              "You have already filled these questionnaires"))).to_be_visible()
    sign_out(visit)

    sign_in_staff(visit, live_app, counsellor, secret)
    visit.go("/counselling/courses")
    expect(page.get_by_text(t("未按预期进展", "Not on track")).first).to_be_visible()
    visit.check_accessibility()
    visit.go(f"/counselling/courses/{course_uid}")
    expect(page.locator("#not-on-track")).to_be_visible()
    expect(page.locator("svg.trend-chart line.reliable-improve").first).to_be_attached()
    visit.check_accessibility()
    visit.shot("counsellor-course-chart")


def test_the_union_sees_outcomes_of_the_demo_courses(visit: Visit, live_app):
    page = visit.page
    social, secret = make_staff(live_app, visit, Role.SOCIAL_WORKER, "测试社工")
    sign_in_staff(visit, live_app, social, secret)
    visit.go("/reports/outcomes")
    table = page.locator("#outcomes-table")
    expect(table).to_be_visible()
    expect(table.get_by_text("50.0 %").first).to_be_visible()  # the demo: 5 of 10 recovered
    expect(page.locator("#outcome-help")).to_contain_text("NHS Talking Therapies")
    visit.check_accessibility()
    visit.shot("outcomes")


def test_measures_at_check_in_on_the_counsellors_device(visit: Visit, live_app):
    """The counsellor checks a client in and hands over the device; the client fills both
    questionnaires with nothing else of theirs on screen; item 9 brings the crisis panel."""
    page, t = visit.page, visit.t
    counsellor, secret = make_staff(live_app, visit, Role.COUNSELLOR, "测试交接老师")
    centre = make_centre(live_app, visit, services=["counselling"], staff=[counsellor])
    session_id = make_session(live_app, centre=centre.code, service="counselling",
                              counsellor=counsellor,
                              starts_at=(utcnow() + timedelta(minutes=20)).replace(microsecond=0))
    worker = make_worker(live_app, visit, "handed", "小周")
    with live_app.app_context():
        from app.counselling import courses

        person = accounts.find_by_login(worker)
        booking = bookings.book(person, session_id, now=utcnow() - timedelta(days=1))
        courses.give_consent(person, courses.course_of(booking))
        db.session.commit()

    sign_in_staff(visit, live_app, counsellor, secret)
    visit.go(f"/counselling/sessions/{session_id}")
    page.get_by_role("button", name=t("签到", "Check in")).click()
    page.get_by_role("link", name=t("把设备交给来访者填写 PHQ-9 和 GAD-7",
                                    "Hand the device to the client for PHQ-9 and GAD-7")).click()
    expect(page.locator("form.questionnaire")).to_be_visible()
    expect(page.locator("#check-in-measures")).not_to_contain_text("小周")
    answer_all(visit, 1)
    visit.check_accessibility()
    visit.shot("check-in-measures")
    page.get_by_role("button", name=t("发送给我的咨询师", "Send to my counsellor")).click()
    expect(page.locator(".crisis-panel")).to_be_visible()
    expect(page.get_by_text("12356").first).to_be_visible()
    visit.check_accessibility()
    visit.shot("check-in-measures-crisis")
    page.get_by_role("link", name=t("返回本次咨询页面（咨询师操作）",
                                    "Back to the session (for the counsellor)")).click()
    expect(page.get_by_role("link", name=t("把设备交给来访者填写 PHQ-9 和 GAD-7",
                                           "Hand the device to the client for PHQ-9 and GAD-7"))
           ).to_have_count(0)
