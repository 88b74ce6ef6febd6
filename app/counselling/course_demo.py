"""Courses of care with their measures for the demo (``flask seed-demo``) and for tests: past
weekly sessions, attended, with PHQ-9 and GAD-7 filled before each through the real rules
(``courses.fill``), so the chart, the flags and the outcome statistics are the real ones."""

from __future__ import annotations

from datetime import datetime, timedelta

import assessments
from app.accounts.models import User
from app.booking.models import Booking, BookingStatus, Centre, Service, Session
from app.counselling import courses
from app.counselling.course_models import CareCourse
from app.extensions import db


def answers_for(code: str, total: int) -> list[int]:
    """Answers adding up to ``total`` (PHQ-9's item 9 kept at 0 unless the total needs it)."""
    items = len(assessments.get(code).items)
    room = items - 1 if code == "phq9" else items
    total = max(0, min(total, 3 * items))
    out = [0] * items
    for i in range(items):
        if i >= room and total <= 3 * room:
            break
        out[i] = min(3, total)
        total -= out[i]
    return out


def past_course(worker: User, counsellor: User, centre: Centre, service: Service,
                scores: list[tuple[int, int]], first_session: datetime, *,
                requested: datetime | None = None, consent: bool = True) -> CareCourse:
    """A course with one weekly attended session per ``(phq9, gad7)`` pair, measured before
    each (``consent=False``: sessions without measures). Commits."""
    requested = requested or first_session - timedelta(days=10)
    course = CareCourse(worker_id=worker.id, counsellor_id=counsellor.id, centre_id=centre.id,
                        opened_at=requested)
    db.session.add(course)
    db.session.flush()
    if consent:
        courses.give_consent(worker, course)
    db.session.commit()
    for n, (phq, gad) in enumerate(scores):
        start = first_session + timedelta(weeks=n)
        session = Session(centre=centre, service=service, counsellor=counsellor, room="201",
                          starts_at=start, ends_at=start + timedelta(minutes=50),
                          capacity=1, booked=1)
        booking = Booking(session=session, user=worker, status=BookingStatus.CONFIRMED.value,
                          created_at=requested + timedelta(minutes=n),
                          changed_at=requested + timedelta(minutes=n))
        db.session.add_all([session, booking])
        db.session.flush()
        if n == 0:
            course.first_booking_id = booking.id
        db.session.commit()
        if consent:
            courses.fill(worker, booking.uid, {"phq9": answers_for("phq9", phq),
                                               "gad7": answers_for("gad7", gad)},
                         now=start - timedelta(hours=2))
        booking.status = BookingStatus.ATTENDED.value
        db.session.commit()
    return course
