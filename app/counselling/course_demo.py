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


# The demo: 小李's course of six sessions improving reliably (recovered), 小张's not on track,
# and ten closed courses last quarter so that the outcome report has numbers to show.
IMPROVING = [(17, 13), (15, 12), (12, 10), (10, 8), (8, 6), (7, 5)]
OFF_TRACK = [(14, 11), (14, 12), (15, 11), (13, 12)]
# Five recover with reliable improvement, five change too little: every count is 0 or at
# least 5, so the report can publish them (k = 5).
CLOSED = [[(16, 12), (11, 8), (8, 6)], [(18, 14), (12, 9), (7, 5)], [(13, 9), (6, 4)],
          [(15, 10), (10, 8), (6, 4)], [(20, 15), (14, 10), (9, 6)],
          [(12, 11), (11, 10)], [(14, 12), (13, 11), (12, 10)], [(11, 9), (12, 10)],
          [(15, 10), (14, 9), (13, 9)], [(10, 8), (10, 9)]]


def seed_courses(people: dict[str, User], centre: Centre, service: Service,
                 password: str) -> int:
    """Create the demo courses once (idempotent); returns how many were created."""
    from sqlalchemy import select

    from app.accounts import services as accounts
    from app.booking.scheduling import local_zone
    from app.types import utcnow

    counsellor = people["counsellor1@example.com"]
    if db.session.scalar(select(CareCourse.id).where(
            CareCourse.counsellor_id == counsellor.id).limit(1)) is not None:
        return 0
    zone = local_zone()
    today = utcnow().astimezone(zone).replace(hour=9, minute=0, second=0, microsecond=0)
    past_course(people["13800138000"], counsellor, centre, service, IMPROVING,
                today - timedelta(weeks=6, days=1), requested=today - timedelta(weeks=8))
    past_course(people["worker2@example.com"], counsellor, centre, service, OFF_TRACK,
                today.replace(hour=11) - timedelta(weeks=4, days=2),
                requested=today - timedelta(weeks=6))
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    closed_at = quarter_start - timedelta(days=20)
    for n, scores in enumerate(CLOSED):
        login = f"course-demo-{n + 1}@example.com"
        worker = accounts.find_by_login(login) or accounts.register_worker(
            login, password, name=f"演示来访者 {n + 1}", accepted_privacy_notice=True)
        first = (closed_at - timedelta(weeks=len(scores) + 1)).replace(hour=13 + n % 4) \
            - timedelta(days=n)
        course = past_course(worker, counsellor, centre, service, scores, first,
                             requested=first - timedelta(days=14 if n % 2 else 50))
        courses.discharge(counsellor, course.uid, now=closed_at + timedelta(hours=n))
    return 2 + len(CLOSED)
