"""Room names in the reader's language (issue 20, item 9): pages, forms, email and calendar."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.booking import bookings
from app.booking.models import Availability, Session
from app.extensions import db
from app.notifications.models import OutboxMessage
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import submit, text

EN = {"Accept-Language": "en"}
ZH = {"Accept-Language": "zh-CN"}


def _session(counsellor, room_en: str = "Quiet room"):
    service = make_service("group", capacity=5)
    centre = make_centre(services=[service], staff=[counsellor])
    session = make_session(centre, service, counsellor)
    session.room, session.room_en = "静心室", room_en
    db.session.commit()
    return session


def test_pages_show_the_room_in_the_readers_language(signed_in, worker, counsellor):
    session = _session(counsellor)
    client = signed_in(worker)
    english = text(client.get(f"/booking/sessions/{session.id}", headers=EN))
    assert "Quiet room" in english
    assert "静心室" not in english
    chinese = text(client.get(f"/booking/sessions/{session.id}", headers=ZH))
    assert "静心室" in chinese
    assert "Quiet room" not in chinese


def test_the_counsellors_pages_show_it_too(signed_in, counsellor):
    session = _session(counsellor)
    client = signed_in(counsellor)
    url = f"/counselling/sessions/{session.id}"
    assert "Quiet room" in text(client.get(url, headers=EN))
    assert "静心室" in text(client.get(url, headers=ZH))


def test_without_an_english_name_english_readers_see_the_chinese_one(signed_in, worker,
                                                                      counsellor):
    session = _session(counsellor, room_en="")
    client = signed_in(worker)
    assert "静心室" in text(client.get(f"/booking/sessions/{session.id}", headers=EN))


def test_booking_email_and_calendar_use_the_recipients_language(make_user, counsellor):
    session = _session(counsellor)
    english, chinese = make_user(), make_user()
    english.locale, chinese.locale = "en", "zh_CN"
    db.session.commit()
    for person in (english, chinese):
        bookings.book(person, session.id)
    mails = {m.user_id: m.payload for m in db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.kind == "booking.booked"))}
    assert "Quiet room" in mails[english.id]["text"]
    assert "静心室" not in mails[english.id]["text"]
    assert "静心室" in mails[chinese.id]["text"]
    assert "Quiet room" in str(mails[english.id]["attachments"])


def _place(counsellor):
    service = make_service(capacity=12, duration=90)
    return service, make_centre(services=[service], staff=[counsellor])


def test_the_admin_schedule_form_takes_an_english_room_name(signed_in, admin, counsellor):
    service, centre = _place(counsellor)
    day = (date.today() + timedelta(days=5)).isoformat()
    response = submit(signed_in(admin), "/admin/sessions/new", {
        "centre": centre.id, "service": service.id, "counsellor": counsellor.id, "day": day,
        "start": "14:30", "room": "活动室", "room_en": "Activity room", "capacity": 10})
    assert response.status_code == 303
    assert db.session.scalar(select(Session.room_en)) == "Activity room"


def test_weekly_hours_take_an_english_room_name(signed_in, counsellor):
    service, centre = _place(counsellor)

    monday = date.today() + timedelta(days=7 - date.today().weekday())
    response = submit(signed_in(counsellor), "/counselling/availability", {
        "centre": centre.id, "service": service.id, "weekday": 0, "start": "09:00",
        "end": "11:00", "valid_from": monday.isoformat(), "room": "三楼", "room_en": "Floor 3"})
    assert response.status_code == 303
    assert db.session.scalar(select(Availability.room_en)) == "Floor 3"
    made = db.session.scalars(select(Session.room_en).where(Session.generated.is_(True))).all()
    assert made
    assert set(made) == {"Floor 3"}
