"""The discharge questions, named only if the worker chooses (issue 17): a tick, off by
default, lets the counsellor see that client's answers on the course page; otherwise they
are only counted without a name, as before."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.counselling import courses
from app.counselling.course_demo import past_course
from app.counselling.course_models import CareCourse
from app.extensions import db
from app.reports.models import ExperienceStat
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service
from tests.helpers import csrf_token, sign_in, text


@pytest.fixture
def worker(make_user):
    return make_user(Role.WORKER, name="小王")


@pytest.fixture
def ended(worker, counsellor):
    service = make_service("counselling", kind="individual", capacity=1)
    centre = make_centre("hub", services=[service], staff=[counsellor])
    course = past_course(worker, counsellor, centre, service, [(16, 12), (12, 9), (8, 6)],
                         utcnow() - timedelta(weeks=5))
    courses.discharge(counsellor, course.uid)
    return course


def _staff(app, user):
    from tests.integration.test_care import staff_client
    return staff_client(app, user)


def _answer(client, course, **extra):
    form = text(client.get(f"/courses/{course.uid}/experience"))
    return client.post(f"/courses/{course.uid}/experience",
                       data={"helped": "2", "recommend": "unsure",
                             "csrf_token": csrf_token(form), **extra}), form


def test_the_tick_is_off_by_default_and_answers_stay_unnamed(app, client, worker, counsellor,
                                                             ended):
    sign_in(client, worker.email)
    response, form = _answer(client, ended)
    assert 'name="share"' in form
    assert 'name="share" checked' not in form.replace('type="checkbox" ', "")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ExperienceStat)) == 1
    assert db.session.get(CareCourse, ended.id).experience is None
    page = text(_staff(app, counsellor).get(f"/counselling/courses/{ended.uid}?lang=en"))
    assert "Not sure" not in page
    assert "answers at discharge" not in page


def test_ticked_the_counsellor_sees_that_clients_answers(app, client, worker, counsellor,
                                                         ended):
    sign_in(client, worker.email)
    response, _form = _answer(client, ended, share="y")
    assert response.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(ExperienceStat)) == 1  # counted too
    course = db.session.get(CareCourse, ended.id)
    assert course.experience == {"helped": 2, "recommend": "unsure"}
    assert course.experience_ct is not None  # sealed under the worker's key
    assert b"unsure" not in course.experience_ct
    page = text(_staff(app, counsellor).get(f"/counselling/courses/{ended.uid}?lang=en"))
    section = page.split('id="experience-answers"', 1)[1].split("</section>", 1)[0]
    assert "A little" in section
    assert "Not sure" in section
    zh = text(_staff(app, counsellor).get(f"/counselling/courses/{ended.uid}?lang=zh_CN"))
    assert "来访者结案时的回答" in zh
    exported = courses.export_courses(worker)[0]  # in their copy of their data too
    assert exported["answers_at_discharge_shown_to_counsellor"] == {"helped": 2,
                                                                    "recommend": "unsure"}


def test_another_counsellor_never_sees_them(app, client, worker, counsellor, make_user, ended):
    sign_in(client, worker.email)
    _answer(client, ended, share="y")
    other = make_user(Role.COUNSELLOR)
    assert _staff(app, other).get(f"/counselling/courses/{ended.uid}").status_code == 404
