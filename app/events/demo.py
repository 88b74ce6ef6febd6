"""Demo data for the network's calendar: rooms, three events (a lecture at the hub, a
lunchtime workshop at an enterprise's workers' home, relaxation online), a group session
the demo facilitator leads, and one enterprise request waiting for Dehua's answer.

Idempotent: what exists is left alone. Anything the scheduling rules refuse (a leader
busy, a centre closed that day) is skipped, not forced: the demo never bypasses a rule.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.admin import services as admin_services
from app.booking.models import Centre, Event, Room, Service
from app.booking.scheduling import local_zone
from app.events import requests
from app.events.models import EventRequest
from app.extensions import db
from app.types import utcnow

FACILITATOR = "facilitator@example.com"
ADMIN = "admin@example.com"
REQUESTER = "worker2@example.com"

# centre, Chinese name, English name, seats, step-free
ROOMS = [
    ("qz-hub", "团体辅导室", "Group room", 20, True),
    ("qz-hub", "放松训练室", "Relaxation room", 8, True),
    ("dehua", "多功能厅", "Hall", 60, True),
    ("anxi", "团体辅导室", "Group room", 16, False),
]


def _room(centre: Centre, name: str) -> Room | None:
    return db.session.scalar(select(Room).where(Room.centre_id == centre.id,
                                                Room.name_zh == name))


def _at(days: int, hour: int, minute: int = 0) -> datetime:
    day = utcnow().astimezone(local_zone()).date() + timedelta(days=days)
    return datetime.combine(day, time(hour, minute), local_zone())


def _days_from(first: datetime) -> list[datetime]:
    """``first`` and the same time on each of the next six days: the first of them the
    scheduling rules accept is used (a centre closed that weekday, a leader busy), so the
    demo has its events whatever day it is seeded on."""
    return [first + timedelta(days=n) for n in range(7)]


def seed_network(people: dict[str, User], centres: dict[str, Centre]) -> dict[str, int]:
    """Rooms, events, the facilitator's group and a pending request, where missing."""
    made = {"rooms": 0, "events": 0, "event requests": 0}
    for code, name_zh, name_en, seats, step_free in ROOMS:
        if _room(centres[code], name_zh) is None:
            db.session.add(Room(centre_id=centres[code].id, name_zh=name_zh, name_en=name_en,
                                capacity=seats, accessible=step_free, active=True))
            made["rooms"] += 1
    db.session.commit()
    services = {s.code: s for s in db.session.scalars(select(Service))}
    admin, facilitator = people[ADMIN], people[FACILITATOR]
    if not db.session.scalar(select(func.count()).select_from(Event)):
        plans = [
            ("qz-hub", "lecture", people["counsellor1@example.com"], _at(8, 19), "lecture",
             "centre", _room(centres["qz-hub"], "团体辅导室"), 20,
             {"title_zh": "职场压力与睡眠：公益讲座",
              "title_en": "Work stress and sleep: a public lecture",
              "description_zh": "压力如何影响睡眠，以及今晚就能试的几个方法。",
              "description_en": "How stress affects sleep, and a few things to try tonight.",
              "speaker": "林老师", "audience_zh": "全市职工", "audience_en": "All workers"},
             "睡眠, 压力"),
            ("dehua", "group-stress", facilitator, _at(10, 12, 30), "workshop", "site", None, 30,
             {"title_zh": "车间午间减压工作坊", "title_en": "Lunchtime stress-relief workshop",
              "site_zh": "德化县某陶瓷厂 职工之家",
              "site_en": "Workers' home of a Dehua ceramics works",
              "speaker": "周老师（志愿者）", "audience_zh": "该厂一线职工",
              "audience_en": "The works' shop-floor staff"}, "职工之家, 压力"),
            ("anxi", "relaxation", people["counsellor2@example.com"], _at(12, 20), "relaxation",
             "online", None, 50,
             {"title_zh": "线上放松训练", "title_en": "Relaxation training online",
              "online_url": "https://meeting.example.org/xinqing-relax",
              "speaker": "陈老师"}, "放松"),
        ]
        for code, service, leader, first, kind, place, room, seats, texts, tags in plans:
            for starts_at in _days_from(first):
                try:
                    admin_services.create_event(admin, admin_services.EventPlan(
                        centre_id=centres[code].id, service_id=services[service].id,
                        leader_id=leader.id, starts_at=starts_at,
                        opens_at=utcnow() - timedelta(hours=1),
                        closes_at=starts_at - timedelta(hours=2), kind=kind, place=place,
                        capacity=seats, room_id=room.id if room else None, tags=tags,
                        texts=texts))
                except admin_services.AdminError:
                    db.session.rollback()
                    continue
                db.session.commit()
                made["events"] += 1
                break
        for starts_at in _days_from(_at(9, 10)):  # a plain relaxation group (no event page)
            try:
                admin_services.schedule(admin, centre_id=centres["dehua"].id,
                                        service_id=services["relaxation"].id,
                                        counsellor_id=facilitator.id, starts_at=starts_at,
                                        room="", capacity=12,
                                        room_id=getattr(_room(centres["dehua"], "多功能厅"),
                                                        "id", None))
            except admin_services.AdminError:
                db.session.rollback()
                continue
            db.session.commit()
            break
    if not db.session.scalar(select(func.count()).select_from(EventRequest)):
        requests.submit(people[REQUESTER], requests.Proposal(
            centre_id=centres["dehua"].id, service_id=services["group-stress"].id,
            enterprise="德化县某瓷业有限公司工会", site="德化县城东工业区 职工之家",
            phone="0595-23500000", audience_size=35,
            first_choice=utcnow().astimezone(local_zone()).date() + timedelta(days=21),
            second_choice=utcnow().astimezone(local_zone()).date() + timedelta(days=28),
            note="希望安排在午休时间"))
        db.session.commit()
        made["event requests"] += 1
    return made
