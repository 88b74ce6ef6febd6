"""Measures at check-in on the counsellor's device (issue 17): the counsellor checks a client
in and hands over the device; the client fills PHQ-9 and GAD-7 for that session, saved as
their own pre-session measures; item 9 above 0 shows the crisis panel and opens a risk item."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.booking import bookings
from app.counselling import courses
from app.counselling.course_demo import answers_for
from app.counselling.course_models import CourseMeasure
from app.extensions import db
from app.screening.models import RiskItem, ScreeningResult
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import csrf_token, text


@pytest.fixture
def worker(make_user):
    return make_user(Role.WORKER, name="小王")


@pytest.fixture
def place(counsellor):
    service = make_service("counselling", kind="individual", capacity=1)
    centre = make_centre("hub", services=[service], staff=[counsellor])
    return centre, service


def _staff(app, user):
    from tests.integration.test_care import staff_client
    return staff_client(app, user)


def _form(phq: list[int], gad: list[int]) -> dict[str, str]:
    out = {f"phq9_q{i + 1}": str(v) for i, v in enumerate(phq)}
    out.update({f"gad7_q{i + 1}": str(v) for i, v in enumerate(gad)})
    return out


def _checked_in(place, worker, counsellor, consent=True):
    centre, service = place
    session = make_session(centre, service, counsellor, starts_in=timedelta(minutes=20))
    booking = bookings.book(worker, session.id, now=utcnow() - timedelta(days=1))
    if consent:
        courses.give_consent(worker, courses.course_of(booking))
        db.session.commit()
    bookings.record(counsellor, booking, "check_in")
    return booking


def test_after_check_in_the_client_fills_on_the_counsellors_device(app, place, worker,
                                                                   counsellor):
    booking = _checked_in(place, worker, counsellor)
    staff = _staff(app, counsellor)
    session_page = text(staff.get(f"/counselling/sessions/{booking.session_id}"))
    url = f"/counselling/bookings/{booking.uid}/measures"
    assert url in session_page
    page = text(staff.get(url))
    assert "PHQ-9" in page
    assert "GAD-7" in page
    assert "小王" not in page  # nothing of theirs while they hold the device
    response = staff.post(url, data={**_form(answers_for("phq9", 11), answers_for("gad7", 9)),
                                     "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CourseMeasure)) == 2
    results = db.session.scalars(select(ScreeningResult)).all()
    assert {r.user_id for r in results} == {worker.id}  # the client's own results
    assert {r.data["total"] for r in results} == {11, 9}
    done = text(staff.get(response.headers["Location"]))
    assert "hand" in done.lower() or "交还" in done
    assert f"/counselling/sessions/{booking.session_id}" in done  # back to the session
    shown = done.split("check-in-measures", 1)[-1].split("</section>", 1)[0]
    assert "11" not in shown  # no score shown to the client
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "course.measured_at_check_in"))
    assert event is not None
    assert event.actor == counsellor.uid
    after = text(staff.get(f"/counselling/sessions/{booking.session_id}"))
    assert url not in after  # filled: no second hand-over


def test_earlier_scores_are_not_shown_on_the_device(app, place, worker, counsellor):
    centre, service = place
    first = bookings.book(worker, make_session(centre, service, counsellor,
                                               starts_in=timedelta(days=2)).id,
                          now=utcnow() - timedelta(days=2))
    courses.give_consent(worker, courses.course_of(first))
    db.session.commit()
    courses.fill(worker, first.uid, {"phq9": answers_for("phq9", 23),
                                     "gad7": answers_for("gad7", 19)},
                 now=first.session.starts_at - timedelta(hours=1))
    booking = _checked_in(place, worker, counsellor, consent=False)
    staff = _staff(app, counsellor)
    page = text(staff.get(f"/counselling/bookings/{booking.uid}/measures"))
    assert "PHQ-9" in page
    shown = page.split("check-in-measures", 1)[-1].split("</section>", 1)[0]
    assert "23" not in shown  # the earlier PHQ-9 and GAD-7 totals
    assert "19" not in shown
    assert "/counselling/courses/" not in page


def test_item_9_shows_the_crisis_panel_and_opens_a_risk_item(app, place, worker, counsellor):
    booking = _checked_in(place, worker, counsellor)
    staff = _staff(app, counsellor)
    url = f"/counselling/bookings/{booking.uid}/measures"
    page = text(staff.get(url))
    response = staff.post(url, data={**_form([1] * 9, [1] * 7),
                                     "csrf_token": csrf_token(page)})
    assert response.status_code == 303
    item = db.session.scalar(select(RiskItem))
    assert item is not None
    assert item.user_id == worker.id
    shown = text(staff.get(response.headers["Location"]))
    assert "12356" in shown
    assert "crisis-panel" in staff.get(response.headers["Location"]).get_data(as_text=True)


def test_missing_answers_keep_the_choices_and_save_nothing(app, place, worker, counsellor):
    booking = _checked_in(place, worker, counsellor)
    staff = _staff(app, counsellor)
    url = f"/counselling/bookings/{booking.uid}/measures"
    page = text(staff.get(url))
    form = _form(answers_for("phq9", 5), answers_for("gad7", 5))
    del form["gad7_q3"]
    response = staff.post(url, data={**form, "csrf_token": csrf_token(page)})
    assert response.status_code == 200
    assert "gad7_q3-error" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(CourseMeasure)) == 0


def test_only_the_sessions_counsellor_for_a_booked_client(app, place, worker, counsellor,
                                                          make_user):
    booking = _checked_in(place, worker, counsellor)
    other = make_user(Role.COUNSELLOR)
    make_centre("anxi", services=[], staff=[other])
    staff = _staff(app, other)
    url = f"/counselling/bookings/{booking.uid}/measures"
    assert staff.get(url).status_code == 404
    page = text(staff.get("/counselling/"))
    response = staff.post(url, data={**_form([0] * 9, [0] * 7), "csrf_token": csrf_token(page)})
    assert response.status_code == 404
    assert db.session.scalar(select(func.count()).select_from(CourseMeasure)) == 0
    own = _staff(app, counsellor)
    assert own.get("/counselling/bookings/nosuchbooking/measures").status_code == 404


def test_a_cancelled_booking_is_not_handed_over(app, place, worker, counsellor):
    centre, service = place
    session = make_session(centre, service, counsellor, starts_in=timedelta(days=2))
    booking = bookings.book(worker, session.id)
    courses.give_consent(worker, courses.course_of(booking))
    db.session.commit()
    bookings.cancel(worker, booking.uid)
    staff = _staff(app, counsellor)
    assert staff.get(f"/counselling/bookings/{booking.uid}/measures").status_code == 404


def test_a_second_submission_changes_nothing_and_asks_to_hand_back(app, place, worker,
                                                                   counsellor):
    booking = _checked_in(place, worker, counsellor)
    staff = _staff(app, counsellor)
    url = f"/counselling/bookings/{booking.uid}/measures"
    token = csrf_token(text(staff.get(url)))
    form = {**_form(answers_for("phq9", 6), answers_for("gad7", 6)), "csrf_token": token}
    assert staff.post(url, data=form).status_code == 303
    again = staff.post(url, data={**form, "phq9_q1": "3"})
    assert again.status_code == 303
    assert again.headers["Location"].endswith(url)
    page = text(staff.get(url))
    assert "hand the device back" in page or "交还" in page
    assert db.session.scalar(select(func.count()).select_from(CourseMeasure)) == 2
