"""Booking notices of an event speak of the event: its title, its place (an enterprise's
site, online, or the centre) and "讲座/活动", never a counselling session; its SMS
reminder has its own wording, and falls back to the booking reminder's template id."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import Role
from app.admin import services as admin_services
from app.booking import bookings
from app.extensions import db
from app.notifications.attachments import file_bytes
from app.notifications.models import OutboxMessage
from app.notifications.sms import FALLBACK, TEMPLATES
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service


@pytest.fixture
def site_event(admin, make_user):
    facilitator = make_user(Role.FACILITATOR, name="志愿者 小王")
    lecture = make_service("lecture", kind="lecture", capacity=50, duration=90)
    centre = make_centre("hub", services=[lecture], staff=[facilitator])
    start = (utcnow() + timedelta(days=5)).replace(microsecond=0)
    event = admin_services.create_event(admin, admin_services.EventPlan(
        centre_id=centre.id, service_id=lecture.id, leader_id=facilitator.id,
        starts_at=start, opens_at=utcnow() - timedelta(hours=1),
        closes_at=start - timedelta(hours=2), kind="lecture", place="site", capacity=30,
        texts={"title_zh": "职场压力与睡眠讲座", "title_en": "Work stress and sleep",
               "site_zh": "某某制衣厂 职工之家", "speaker": "林老师"}))
    db.session.commit()
    return event


def _messages(user, kind):
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == user.id, OutboxMessage.kind == kind)))


def test_the_registration_email_names_the_lecture_and_its_site(site_event, make_user):
    person = make_user()
    bookings.book(person, site_event.session_id)
    [email] = [m for m in _messages(person, "booking.booked") if m.channel == "email"]
    assert email.payload["subject"] == "您已报名讲座：职场压力与睡眠讲座"
    body = email.payload["text"]
    assert "某某制衣厂 职工之家" in body
    assert "林老师" in body
    assert f"/events/{site_event.uid}" in body
    assert "咨询" not in body
    [calendar] = email.payload["attachments"]
    assert "SUMMARY:职场压力与睡眠讲座" in file_bytes(calendar).decode()  # as the sender writes it


def test_the_english_reader_gets_the_english_title(site_event, make_user):
    person = make_user()
    person.locale = "en"
    db.session.commit()
    bookings.book(person, site_event.session_id)
    [email] = [m for m in _messages(person, "booking.booked") if m.channel == "email"]
    assert email.payload["subject"] == "You are registered for the lecture: Work stress and sleep"


def test_the_sms_reminder_has_the_event_wording(site_event, make_user):
    person = make_user(login="13800138111")
    bookings.book(person, site_event.session_id)
    sms = [m for m in _messages(person, "booking.reminder") if m.channel == "sms"]
    assert sms
    assert {m.payload["template"] for m in sms} == {"event_reminder"}
    assert "活动" in TEMPLATES["event_reminder"]
    assert FALLBACK["event_reminder"] == "reminder"
