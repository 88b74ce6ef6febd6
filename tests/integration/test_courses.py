"""Courses of care (issue 17): PHQ-9 and GAD-7 before each session with the worker's consent,
the counsellor's chart with reliable change and "not on track", discharge, outcomes."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.booking import bookings
from app.counselling import courses
from app.counselling.course_demo import answers_for, past_course
from app.counselling.course_models import CareCourse, CourseMeasure
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.reports.models import CourseOutcomeStat, ExperienceStat
from app.screening.models import RiskItem, ScreeningResult
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import csrf_token, sign_in, text


@pytest.fixture
def worker(make_user):
    """A worker with an email address, so reminders carry their full text."""
    return make_user(Role.WORKER, name="小王")


@pytest.fixture
def place(counsellor):
    service = make_service("counselling", kind="individual", capacity=1)
    centre = make_centre("hub", services=[service], staff=[counsellor])
    return centre, service


def _form(answers: dict[str, list[int]]) -> dict[str, str]:
    return {f"{code}_q{i + 1}": str(v) for code, values in answers.items()
            for i, v in enumerate(values)}


def _answers(phq: int, gad: int) -> dict[str, list[int]]:
    return {"phq9": answers_for("phq9", phq), "gad7": answers_for("gad7", gad)}


def test_a_first_individual_booking_opens_one_course(place, worker, counsellor):
    centre, service = place
    first = make_session(centre, service, counsellor, starts_in=timedelta(days=2))
    second = make_session(centre, service, counsellor, starts_in=timedelta(days=9))
    b1 = bookings.book(worker, first.id)
    b2 = bookings.book(worker, second.id)
    assert db.session.scalar(select(func.count()).select_from(CareCourse)) == 1
    assert courses.course_of(b1) is courses.course_of(b2) is not None


def test_without_consent_nothing_is_asked(place, worker, counsellor, client):
    centre, service = place
    booking = bookings.book(worker, make_session(centre, service, counsellor,
                                                 starts_in=timedelta(days=2)).id)
    reminders = db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "booking.reminder")).all()
    assert reminders
    assert not any("/courses/sessions/" in str(m.payload) for m in reminders)
    sign_in(client, worker.email)
    page = text(client.get(f"/courses/sessions/{booking.uid}"))
    assert "PHQ-9" not in page or "I agree" in page or "我同意" in page
    response = client.post(f"/courses/sessions/{booking.uid}",
                           data={**_form(_answers(5, 5)), "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CourseMeasure)) == 0


def test_with_consent_the_reminder_links_and_the_worker_fills_once(place, worker, counsellor,
                                                                   client):
    centre, service = place
    booking = bookings.book(worker, make_session(centre, service, counsellor,
                                                 starts_in=timedelta(days=2)).id)
    sign_in(client, worker.email)
    course = courses.course_of(booking)
    page = text(client.get(f"/courses/sessions/{booking.uid}"))
    response = client.post(f"/courses/{course.uid}/consent",
                           data={"choice": "give", "next": booking.uid,
                                 "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    db.session.expire_all()
    reminder = db.session.scalar(select(OutboxMessage).where(
        OutboxMessage.kind == "booking.reminder", OutboxMessage.channel == "email"))
    assert f"/courses/sessions/{booking.uid}" in reminder.payload["text"]
    mine = text(client.get("/courses"))
    assert f"/courses/sessions/{booking.uid}" in mine  # the session to prepare for
    page = text(client.get(f"/courses/sessions/{booking.uid}"))
    assert "PHQ-9" in page
    assert "GAD-7" in page
    token = csrf_token(page)
    response = client.post(f"/courses/sessions/{booking.uid}",
                           data={**_form(_answers(12, 9)), "csrf_token": token})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CourseMeasure)) == 2
    results = db.session.scalars(select(ScreeningResult)).all()
    assert {r.data["total"] for r in results} == {12, 9}  # stored as sealed results
    again = client.post(f"/courses/sessions/{booking.uid}",
                        data={**_form(_answers(3, 3)), "csrf_token": token})
    assert again.status_code == 303
    page = text(client.get(again.headers["Location"]))
    assert "already filled" in page or "已经填写" in page
    assert db.session.scalar(select(func.count()).select_from(CourseMeasure)) == 2


def test_someone_elses_session_is_404_and_changes_nothing(place, worker, make_user,
                                                          counsellor, client):
    centre, service = place
    booking = bookings.book(worker, make_session(centre, service, counsellor,
                                                 starts_in=timedelta(days=2)).id)
    courses.give_consent(worker, courses.course_of(booking))
    db.session.commit()
    other = make_user(Role.WORKER)
    sign_in(client, other.email)
    assert client.get(f"/courses/sessions/{booking.uid}").status_code == 404
    token = csrf_token(text(client.get("/screening/contact")))
    response = client.post(f"/courses/sessions/{booking.uid}",
                           data={**_form(_answers(5, 5)), "csrf_token": token})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CourseMeasure)) == 0


def test_item_9_enters_the_safety_loop(place, worker, counsellor):
    centre, service = place
    booking = bookings.book(worker, make_session(centre, service, counsellor,
                                                 starts_in=timedelta(days=2)).id)
    courses.give_consent(worker, courses.course_of(booking))
    db.session.commit()
    phq = [1, 1, 1, 1, 1, 1, 1, 1, 1]
    filled = courses.fill(worker, booking.uid, {"phq9": phq, "gad7": [1] * 7})
    assert filled.crisis is not None
    item = db.session.scalar(select(RiskItem))
    assert item is not None
    assert item.centre_id == centre.id


@pytest.mark.parametrize(("drop", "expected"), [(5, "none"), (6, "improved")])
def test_reliable_change_on_phq9_starts_at_six_points(drop, expected):
    assert courses.change("phq9", 15, 15 - drop) == expected
    assert courses.change("phq9", 8, 8 + drop) == ("none" if drop == 5 else "deteriorated")


@pytest.mark.parametrize(("drop", "expected"), [(3, "none"), (4, "improved")])
def test_reliable_change_on_gad7_starts_at_four_points(drop, expected):
    assert courses.change("gad7", 12, 12 - drop) == expected


def test_not_on_track_after_four_sessions_without_reliable_improvement():
    assert courses.off_track("phq9", [15, 14, 13]) is None
    assert courses.off_track("phq9", [15, 14, 13, 12]) == "stuck"
    assert courses.off_track("phq9", [15, 12, 10, 9]) is None  # 6 points: improving
    assert courses.off_track("gad7", [6, 10]) == "worse"


def test_outcomes_follow_the_paired_definitions():
    result = courses.outcome({"phq9": 16, "gad7": 12}, {"phq9": 8, "gad7": 6})
    assert result.caseness
    assert result.recovered
    assert result.improved
    assert result.reliably_recovered
    assert not result.deteriorated
    mixed = courses.outcome({"phq9": 16, "gad7": 5}, {"phq9": 9, "gad7": 9})
    assert not mixed.improved
    assert not mixed.deteriorated
    assert not mixed.recovered


def _counsellor_client(app, user):
    from tests.integration.test_care import staff_client
    return staff_client(app, user)


def test_the_counsellor_sees_the_chart_with_the_threshold_and_the_flag(app, place, worker,
                                                                        counsellor, make_user):
    centre, service = place
    start = utcnow() - timedelta(weeks=6)
    course = past_course(worker, counsellor, centre, service,
                         [(16, 12), (15, 12), (15, 11), (14, 11)], start)
    staff = _counsellor_client(app, counsellor)
    page = text(staff.get(f"/counselling/courses/{course.uid}"))
    assert 'class="trend-chart"' in page
    assert "reliable-improve" in page
    assert 'data-value="10"' in page  # 16 − 6
    assert "Not on track" in page or "未按预期" in page
    assert "Talking Therapies" in page
    reads = db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "course.chart_read"))
    assert reads == 1
    far = make_user(Role.COUNSELLOR)
    assert _counsellor_client(app, far).get(
        f"/counselling/courses/{course.uid}").status_code == 404


def test_discharge_writes_the_outcome_once_and_offers_the_questions(app, place, worker,
                                                                    counsellor, client):
    centre, service = place
    course = past_course(worker, counsellor, centre, service,
                         [(16, 12), (12, 9), (8, 6)], utcnow() - timedelta(weeks=5))
    staff = _counsellor_client(app, counsellor)
    page = text(staff.get(f"/counselling/courses/{course.uid}"))
    response = staff.post(f"/counselling/courses/{course.uid}/discharge",
                          data={"csrf_token": csrf_token(page)})
    assert response.status_code == 303
    again = staff.post(f"/counselling/courses/{course.uid}/discharge",
                       data={"csrf_token": csrf_token(page)})
    assert again.status_code == 303
    rows = db.session.scalars(select(CourseOutcomeStat)).all()
    assert len(rows) == 1
    row = rows[0]
    assert (row.measured, row.caseness, row.recovered, row.improved,
            row.reliably_recovered, row.deteriorated) == (1, 1, 1, 1, 1, 0)
    assert row.days_to_first == 10
    assert row.days_to_second == 7
    sign_in(client, worker.email)
    form = text(client.get(f"/courses/{course.uid}/experience"))
    response = client.post(f"/courses/{course.uid}/experience",
                           data={"helped": "4", "recommend": "yes",
                                 "csrf_token": csrf_token(form)})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ExperienceStat)) == 1


def test_courses_without_sessions_lapse(app, place, worker, counsellor):
    centre, service = place
    past_course(worker, counsellor, centre, service, [(12, 9), (11, 9)],
                utcnow() - timedelta(weeks=20))
    result = app.test_cli_runner().invoke(args=["courses", "close-lapsed"])
    assert "closed 1 lapsed course(s)" in result.output
    assert db.session.scalar(select(CareCourse.close_reason)) == "lapsed"
    assert courses.close_lapsed() == 0


def test_the_demo_has_a_reliably_improving_course_and_one_not_on_track(app):
    from app.accounts import services as accounts
    from app.reports import outcomes
    from app.security.scope import Scope
    from app.seed import seed

    assert seed()["courses of care"] == 12
    assert seed()["courses of care"] == 0  # idempotent
    li = accounts.find_by_login("13800138000")
    zhang = accounts.find_by_login("worker2@example.com")
    improving = db.session.scalar(select(CareCourse).where(CareCourse.worker_id == li.id))
    points = courses.series(improving)
    assert len(points) == 6
    assert not courses.flags(points)
    both = courses.paired(points)
    assert courses.outcome(both[0].scores, both[-1].scores).reliably_recovered
    stuck = db.session.scalar(select(CareCourse).where(CareCourse.worker_id == zhang.id))
    assert courses.flags(courses.series(stuck)) == {"phq9": "stuck", "gad7": "stuck"}
    quarter = outcomes.finished_quarters(utcnow().date())[0]
    view = outcomes.build(None, Scope(True, frozenset()), quarter, 5)
    network = view.outcome_rows[-1]
    assert network.measured == 10
    assert network.figures["improved"].percent == network.figures["recovered"].percent == 50.0
    assert view.access_rows[-1].within.count == 5


def test_the_api_gives_the_worker_their_course_measures(app, client, place, worker,
                                                        counsellor, make_user):
    from app.api import tokens
    from tests.api.helpers import bearer

    centre, service = place
    past_course(worker, counsellor, centre, service, [(16, 12), (9, 7)],
                utcnow() - timedelta(weeks=3))
    body = client.get("/api/v1/me/courses",
                      headers=bearer(tokens.issue(worker).token, "en")).get_json()
    assert [(s["phq9"], s["gad7"]) for s in body[0]["sessions"]] == [(16, 12), (9, 7)]
    assert body[0]["measuring"] is True
    other = make_user(Role.WORKER)
    assert client.get("/api/v1/me/courses",
                      headers=bearer(tokens.issue(other).token, "en")).get_json() == []
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/me/courses" in spec["paths"] or "/me/courses" in str(spec["paths"])


def test_my_data_holds_my_courses_and_who_read_the_chart(app, place, worker, counsellor):
    from app.accounts import privacy

    centre, service = place
    course = past_course(worker, counsellor, centre, service, [(12, 9), (8, 6)],
                         utcnow() - timedelta(weeks=3))
    courses.read_chart(counsellor, course.uid)
    copy = courses.export_courses(worker)
    assert copy[0]["sessions"][1] == {"date": copy[0]["sessions"][1]["date"], "phq9": 8,
                                      "gad7": 6}
    assert f"care_courses:{course.uid}" in courses.audit_targets(worker)
    assert "courses_of_care" in privacy._exporters


def test_the_session_page_links_to_the_clients_course(app, place, worker, counsellor):
    centre, service = place
    booking = bookings.book(worker, make_session(centre, service, counsellor,
                                                 starts_in=timedelta(days=2)).id)
    course = courses.course_of(booking)
    staff = _counsellor_client(app, counsellor)
    page = text(staff.get(f"/counselling/sessions/{booking.session_id}"))
    assert f"/counselling/courses/{course.uid}" in page
