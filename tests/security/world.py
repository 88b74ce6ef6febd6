"""A small world to attack: worker A owns one of everything; everyone else tries to reach it.

Marker strings are planted in A's encrypted fields, so a page that shows A's data to
someone who should not see it is caught by a plain substring search.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time, timedelta

import assessments
from app.accounts import services as accounts
from app.accounts.models import Consent, Role, User
from app.booking import bookings
from app.booking.models import Availability, Booking, Centre, Session, WaitlistEntry
from app.counselling import services as counselling
from app.counselling.models import NoteHandover, SessionNote
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.screening import services as screening
from app.screening.models import RiskItem, ScreeningResult
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import PASSWORD

# What must never show to anyone but A (and those the table allows).
MARKERS = {
    "email": "zeta.owner.q7@example.com",
    "phone": "13977770001",
    "name": "Zeta-Owner-Name-Q7",
    "note": "NOTE-MARKER-fjords-and-lanterns",
    "contact_phone": "13977770002",
}
# A's PHQ-9 answers, as the result page prints them (3 is "nearly every day").
PHQ9_ANSWERS = [3, 3, 2, 2, 1, 1, 1, 1, 0]


@dataclass
class World:
    """Everyone and everything, by name; ids and uids to put in URLs."""

    people: dict[str, User] = field(default_factory=dict)
    ids: dict[str, object] = field(default_factory=dict)

    def login(self, caller: str) -> str:
        """The login string of a caller."""
        user = self.people[caller]
        return user.email or user.phone


def build_world() -> World:
    """Two workers, staff of two centres, and one of every object belonging to worker A."""
    world = World()
    owner = accounts.register_worker(MARKERS["email"], PASSWORD, name=MARKERS["name"],
                                     accepted_privacy_notice=True)
    owner.phone = MARKERS["phone"]
    owner.phone_index = accounts.phone_index(MARKERS["phone"])
    other = accounts.register_worker("other.worker@example.com", PASSWORD, name="Other Worker",
                                     accepted_privacy_notice=True)
    filler = accounts.register_worker("filler.worker@example.com", PASSWORD, name="Filler",
                                      accepted_privacy_notice=True)
    staff = {}
    for key, roles in (("counsellor", (Role.COUNSELLOR,)), ("far_counsellor", (Role.COUNSELLOR,)),
                       ("social_worker", (Role.SOCIAL_WORKER,)), ("admin", (Role.ADMIN,)),
                       ("facilitator", (Role.FACILITATOR,)),
                       ("county_admin", (Role.ADMIN,)), ("other_admin", (Role.ADMIN,)),
                       ("county_social", (Role.SOCIAL_WORKER,)),
                       ("other_social", (Role.SOCIAL_WORKER,))):
        user = accounts.create_staff(email=f"{key}@example.com", password=PASSWORD, roles=roles,
                                     name=f"Staff {key}")
        import pyotp

        user.totp_secret = pyotp.random_base32()
        user.totp_enabled_at = utcnow()
        staff[key] = user
    db.session.commit()
    one_to_one = make_service("counselling", kind="individual", capacity=1, confirm=True)
    group = make_service("group-stress", capacity=1)
    centre = make_centre("hub", services=[one_to_one, group],
                         staff=[staff["counsellor"], staff["social_worker"],
                                staff["facilitator"]])
    far_only = make_service("far-relax", kind="relaxation")
    far = make_centre("far", services=[one_to_one, group, far_only],
                      staff=[staff["far_counsellor"], staff["county_social"]])
    near = make_centre("near", services=[one_to_one], staff=[staff["other_social"]])
    # "1+N": A's centre is the city hub; far and near are county centres under it, and each
    # staff member holds their roles at one of them.
    for county in (far, near):
        county.kind, county.parent_id = "county", centre.id
    for key, where in (("counsellor", centre), ("social_worker", centre), ("admin", centre),
                       ("facilitator", centre),
                       ("far_counsellor", far), ("county_admin", far), ("county_social", far),
                       ("other_admin", near), ("other_social", near)):
        for link in staff[key].role_links:
            link.centre_id = where.id
    owner.home_centre_id = centre.id
    db.session.commit()

    session = make_session(centre, one_to_one, staff["counsellor"], starts_in=timedelta(days=3))
    full = make_session(centre, group, staff["counsellor"], starts_in=timedelta(days=4))
    far_session = make_session(far, group, staff["far_counsellor"], starts_in=timedelta(days=5))
    booking = bookings.book(owner, session.id)
    bookings.book(filler, full.id)
    entry = bookings.join_waitlist(owner, full.id)

    from app.counselling import courses

    course = courses.course_of(booking)  # A's first individual session opened a course
    courses.give_consent(owner, course)
    db.session.commit()
    screening.give_health_consent(owner)
    instrument = assessments.get("phq9")
    saved = screening.save_result(owner, instrument, PHQ9_ANSWERS, {"difficulty": 2}, keep=True)
    screening.set_shared(owner, saved.result, True)
    private = screening.save_result(owner, instrument, PHQ9_ANSWERS, {"difficulty": 2},
                                    keep=True)
    anonymous = screening.save_result(None, instrument, PHQ9_ANSWERS, {}, keep=False)
    # A risk answer awaiting its follow-up questions (A has no safety-contact consent).
    crisis = screening.save_result(owner, instrument, [0] * 8 + [1], {"difficulty": 0},
                                   keep=True)
    reminder = screening.schedule_reminder(owner, instrument, 2, subject="Check in",
                                           text="Time to check in")
    risk = screening.request_contact(owner, centre.id, MARKERS["contact_phone"], False, "any",
                                     saved.result)
    from app.screening import safety_plan

    plan = safety_plan.save_plan(owner, {"people": MARKERS["note"] + " plan"})
    safety_plan.set_shared(owner, True)
    note = counselling.add_note(staff["counsellor"], booking.uid, MARKERS["note"])
    handover = counselling.request_handover(staff["counsellor"], booking.uid,
                                            staff["far_counsellor"].id)
    # An event at A's centre led by the facilitator, A registered for it.
    from app.admin import services as admin_services
    from app.events import services as events

    start = (utcnow() + timedelta(days=6)).replace(microsecond=0)
    event = admin_services.create_event(staff["admin"], admin_services.EventPlan(
        centre_id=centre.id, service_id=group.id, leader_id=staff["facilitator"].id,
        starts_at=start, opens_at=utcnow() - timedelta(days=1),
        closes_at=start - timedelta(hours=2), kind="lecture", place="centre", capacity=10,
        texts={"title_zh": "压力与睡眠讲座"}))
    db.session.commit()
    event_booking = bookings.book(owner, event.session_id)
    # A plain group session (no event page) the facilitator leads; A booked a place.
    led = admin_services.schedule(staff["admin"], centre_id=centre.id, service_id=group.id,
                                  counsellor_id=staff["facilitator"].id,
                                  starts_at=start + timedelta(days=1), room="团辅室",
                                  capacity=8)
    db.session.commit()
    led_booking = bookings.book(owner, led.id)
    rule = Availability(counsellor_id=staff["counsellor"].id, centre_id=centre.id,
                        service_id=one_to_one.id, weekday=2, start_time=time(9),
                        end_time=time(10), valid_from=utcnow().date() + timedelta(days=60))
    db.session.add(rule)
    from app.booking import profiles

    public = profiles.submit(staff["counsellor"], profiles.Draft(
        display_name="林老师", gender="female", specialties=["sleep"], languages=["minnan"],
        qualifications=[], register_number="", intro_zh="", intro_en=""))
    profiles.publish(public, staff["admin"])
    waiting = profiles.submit(staff["far_counsellor"], profiles.Draft(
        display_name="陈老师", gender="male", specialties=["career"], languages=["english"],
        qualifications=[], register_number="", intro_zh="", intro_en=""))
    db.session.commit()
    consent = next(c for c in owner.consents if c.withdrawn_at is None)
    # A typhoon day at the far county centre (no sessions then).
    far_closure = admin_services.close_centre(
        staff["admin"], centre_id=far.id, first_day=utcnow().date() + timedelta(days=40),
        last_day=utcnow().date() + timedelta(days=40), reason_zh="台风").closure
    db.session.commit()
    # A's enterprise asks the far county centre for a group session at its site.
    from app.events import requests as event_requests

    event_request = event_requests.submit(owner, event_requests.Proposal(
        centre_id=far.id, service_id=group.id, enterprise="某某制衣厂工会",
        site="某某工业区3号 职工之家", phone="0595-22223333", audience_size=30,
        first_choice=utcnow().date() + timedelta(days=20)))
    db.session.commit()

    world.people = {"owner": owner, "other_worker": other, **staff}
    world.ids = {
        "centre": centre.id, "far_centre": far.id, "service": one_to_one.id,
        "session": session.id, "full_session": full.id, "far_session": far_session.id,
        "booking": booking.uid, "entry": entry.uid, "shared_result": saved.result.uid,
        "private_result": private.result.uid, "anonymous_code": anonymous.code,
        "reminder": reminder.uid, "risk": risk.uid, "note": note.id, "handover": handover.uid,
        "rule": rule.id, "consent": consent.id, "plan": plan.uid,
        "crisis_result": crisis.result.uid, "crisis_result_id": crisis.result.id,
        "staff": staff["counsellor"].uid, "far_staff": staff["far_counsellor"].uid,
        "far_service": far_only.id, "near_centre": near.id,
        "event": event.uid, "event_booking": event_booking.uid,
        "check_in_token": events.check_in_token(event),
        **_library(staff["counsellor"], staff["far_counsellor"]),
        "profile": public.uid, "pending_profile": waiting.uid, "course": course.uid,
        "far_closure": far_closure.id, "led_session": led.id, "led_booking": led_booking.uid,
        "event_request": event_request.uid, "group_service": group.id,
        "far_counsellor_id": staff["far_counsellor"].id,
        "in_three_weeks": (utcnow().date() + timedelta(days=21)).isoformat(),
        # the JSON API addresses the same records by their integer ids
        "booking_id": booking.id, "entry_id": entry.id, "result_id": private.result.id,
        # the audit event of A's request for contact (the admin viewer's reveal)
        "audit_seq": _audit_seq_of(f"risk_items:{risk.uid}"),
    }
    return world


def _library(counsellor: User, far: User) -> dict[str, object]:
    """A draft written by A's counsellor, and an item written far away that they published."""
    from app.library import services as library

    draft = library.create_item(counsellor, "article", "zh", library.Draft(
        title="世界的草稿", body_md="草稿正文", tags=["sleep"]))
    published = library.create_item(far, "article", "zh", library.Draft(
        title="世界的文章", body_md="文章正文", tags=["sleep"]))
    library.submit(far, published)
    library.approve(counsellor, published)
    db.session.commit()
    return {"library_draft": draft.id, "library_item": published.item.uid}


def _audit_seq_of(target: str) -> int:
    from sqlalchemy import select

    from app.audit.models import AuditEvent

    return db.session.scalar(select(AuditEvent.seq).where(AuditEvent.target == target)
                             .order_by(AuditEvent.seq)) or 1


def owned_rows() -> dict[str, int]:
    """How many rows of each kind A's world holds: compared before and after an attack."""
    from sqlalchemy import func, select

    counted = (User, Consent, Booking, WaitlistEntry, ScreeningResult, RiskItem, SessionNote,
               NoteHandover, OutboxMessage, Availability, Session, Centre)
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in counted}
