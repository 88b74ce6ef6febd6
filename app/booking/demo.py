"""Demo schedules for ``flask seed-demo``: weekly hours of the demo counsellors and a few
group sessions in the coming week at every demo centre. Idempotent."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from app.accounts.models import User
from app.booking.care_models import CounsellorProfile
from app.booking.models import Availability, Centre, Service, Session
from app.booking.scheduling import add_unless_busy, generate_sessions, local_zone
from app.extensions import db
from app.types import utcnow

# (counsellor login, centre code, service code, weekdays, start, end, room)
WEEKLY = [
    ("counsellor1@example.com", "qz-hub", "counselling", (0, 2, 4), time(9), time(12), "301"),
    ("counsellor1@example.com", "dehua", "counselling", (1, 3), time(14, 30), time(17, 30),
     "201"),
    ("counsellor2@example.com", "anxi", "counselling", (0, 1, 2, 3, 4), time(9), time(12),
     "102"),
    ("counsellor2@example.com", "qz-hub", "assessment", (1, 3), time(14, 30), time(17, 30),
     "305"),
    ("counsellor3@example.com", "yongchun", "counselling", (2, 3, 4, 5, 6), time(9), time(12),
     "402"),
    # Remote hours (the counsellor sits at a centre; the worker is wherever they are).
    ("counsellor1@example.com", "qz-hub", "counselling-video", (1, 3), time(19), time(21), ""),
    ("counsellor2@example.com", "qz-hub", "counselling-video", (0, 4), time(19), time(21), ""),
    ("counsellor3@example.com", "yongchun", "counselling-phone", (2, 5), time(14, 30),
     time(16, 30), ""),
]

# Published profiles of the demo counsellors (what workers choose from).
PROFILES = {
    "counsellor1@example.com": dict(
        display_name="林老师", gender="female",
        qualifications=[{"code": "counsellor_2", "number": ""},
                        {"code": "registered", "number": "X-2019-001"}],
        specialties=["work_stress", "sleep", "family"], languages=["putonghua", "minnan"],
        intro_zh="从事职工心理服务十年，擅长工作压力、睡眠和家庭关系。可用闽南话交谈。",
        intro_en="Ten years with workers' well-being: work stress, sleep and family. "
                 "Speaks Minnan."),
    "counsellor2@example.com": dict(
        display_name="陈老师", gender="male",
        qualifications=[{"code": "counsellor_2", "number": ""}],
        specialties=["career", "grief", "trauma", "anxiety"],
        languages=["putonghua", "english"],
        intro_zh="关注职业发展、丧失与哀伤，以及工伤、事故后的心理调适。",
        intro_en="Career questions, grief and loss, and coping after accidents at work."),
    "counsellor3@example.com": dict(
        display_name="黄老师", gender="female",
        qualifications=[{"code": "counsellor_3", "number": ""},
                        {"code": "social_worker", "number": ""}],
        specialties=["family", "parenting", "migrant_life", "low_mood"],
        languages=["putonghua", "minnan", "hakka"],
        intro_zh="陪伴外出务工的朋友处理家庭、子女教育和适应问题。可用闽南话、客家话交谈。",
        intro_en="Helps workers far from home with family, children and settling in. "
                 "Speaks Minnan and Hakka."),
}

# (counsellor login, centre code, service code, weekday, start, room, English room, capacity)
# (the weekly hours' rooms are numbers, the same in both languages)
GROUPS = [
    ("counsellor1@example.com", "qz-hub", "group-stress", 5, time(9, 30), "多功能厅",
     "Multi-purpose hall", 12),
    ("counsellor2@example.com", "qz-hub", "lecture", 2, time(19), "报告厅",
     "Lecture hall", 60),
    ("counsellor1@example.com", "dehua", "relaxation", 3, time(9, 30), "放松室",
     "Relaxation room", 8),
    ("counsellor2@example.com", "anxi", "group-stress", 4, time(14, 30), "活动室",
     "Activity room", 12),
    ("counsellor3@example.com", "yongchun", "relaxation", 5, time(14, 30), "放松室",
     "Relaxation room", 8),
    ("counsellor3@example.com", "yongchun", "lecture", 6, time(14, 30), "四楼大厅",
     "Fourth-floor hall", 40),
]


def _next(weekday: int, after: date) -> date:
    return after + timedelta(days=(weekday - after.weekday()) % 7 or 7)


def seed_schedules(users: dict[str, User], centres: dict[str, Centre]) -> dict[str, int]:
    """Weekly hours, the coming two weeks of sessions, and group sessions next week."""
    services = {s.code: s for s in db.session.scalars(select(Service))}
    today = utcnow().astimezone(local_zone()).date()
    made = {"availability": 0, "sessions": 0}
    for login, centre, service, weekdays, start, end, room in WEEKLY:
        for weekday in weekdays:
            exists = db.session.scalar(select(Availability.id).where(
                Availability.counsellor_id == users[login].id,
                Availability.centre_id == centres[centre].id,
                Availability.service_id == services[service].id,
                Availability.weekday == weekday, Availability.start_time == start))
            if exists is None:
                db.session.add(Availability(
                    counsellor_id=users[login].id, centre_id=centres[centre].id,
                    service_id=services[service].id, weekday=weekday, start_time=start,
                    end_time=end, valid_from=today, room=room))
                made["availability"] += 1
    db.session.flush()
    zone = local_zone()
    for login, centre, service, weekday, start, room, room_en, capacity in GROUPS:
        starts_at = datetime.combine(_next(weekday, today), start, zone)
        minutes = services[service].duration_minutes
        made["sessions"] += add_unless_busy(Session(
            centre_id=centres[centre].id, service_id=services[service].id,
            counsellor_id=users[login].id, room=room, room_en=room_en, starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=minutes), capacity=capacity, booked=0))
    made["sessions"] += generate_sessions(today + timedelta(days=1), 14)
    db.session.commit()
    return made


def seed_profiles(users: dict[str, User]) -> int:
    """Approved profiles for the demo counsellors (those still missing one)."""
    made = 0
    for login, fields in PROFILES.items():
        user = users[login]
        if db.session.scalar(select(CounsellorProfile.id).where(
                CounsellorProfile.user_id == user.id)) is None:
            db.session.add(CounsellorProfile(user_id=user.id, published=True,
                                             approved_at=utcnow(), **fields))
            made += 1
    db.session.commit()
    return made
