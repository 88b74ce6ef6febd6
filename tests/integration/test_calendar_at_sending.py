"""A booking email's calendar file is written when the email is sent, not in the request
(issue 21, bench/README.md Step 16a): the person receives the same file as before, the
outbox keeps what the file says sealed, and mail queued before the change still goes out."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select, text

from app.booking import bookings
from app.booking.models import Booking
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.services import send_due
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401
from tests.helpers import submit

pytestmark = pytest.mark.usefixtures("seat_invariant")

# A file as the booking code wrote it into the outbox before Step 16a (the old ``data`` form).
SAVED_ICS = (
    "BEGIN:VCALENDAR\r\nPRODID:-//Xinqing//booking//EN\r\nVERSION:2.0\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nSUMMARY:服务 group-stress\r\nDTSTART:20261205T010000Z\r\n"
    "DTEND:20261205T020000Z\r\nDTSTAMP:20261202T093000Z\r\nUID:abc@xinqing\r\nSEQUENCE:0\r\n"
    "LOCATION:地址 · 201\r\nSTATUS:CONFIRMED\r\nURL:http://127.0.0.1:5000/bookings/abc\r\n"
    "END:VEVENT\r\nEND:VCALENDAR\r\n")


@pytest.fixture
def network(counsellor):
    group = make_service("group-stress", capacity=4)
    one = make_service("counselling", kind="individual", capacity=1, confirm=True)
    centre = make_centre(services=[group, one], staff=[counsellor])
    group_session = make_session(centre, group, counsellor, starts_in=timedelta(days=3))
    group_session.room_en = "Quiet room"
    db.session.commit()
    return {"group": group_session,
            "confirm": make_session(centre, one, counsellor, starts_in=timedelta(days=4))}


@pytest.fixture
def calendar_builds(monkeypatch) -> list[int]:
    """Counts every calendar file icalendar writes, wherever it is written."""
    built: list[int] = []
    real = Calendar.to_ical

    def counting(self, *args, **kwargs):
        built.append(1)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(Calendar, "to_ical", counting)
    return built


def _calendar_part(message):
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part


def _event(message):
    cal = Calendar.from_ical(_calendar_part(message).get_payload(decode=True))
    [event] = list(cal.walk("VEVENT"))
    return cal, event


def _link(app, path: str) -> str:
    return app.config.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000").rstrip("/") + path


def test_booking_and_cancel_requests_write_no_calendar_and_the_sent_files_say_it_all(
        app, smtp_server, signed_in, make_user, network, calendar_builds):
    session = network["group"]
    person = make_user()
    client = signed_in(person)
    url = f"/booking/sessions/{session.id}"
    before = utcnow().replace(microsecond=0)
    assert submit(client, url + "/book", {}, form_url=url).status_code == 303
    booking = db.session.scalar(select(Booking))
    booked_sequence = booking.sequence or 0
    assert submit(client, f"/bookings/{booking.uid}/cancel", {},
                  form_url=f"/bookings/{booking.uid}").status_code == 303
    assert calendar_builds == []  # neither request wrote a calendar file

    # What the file will say is sealed in the outbox like the rest of the email.
    for blob in db.session.scalars(text("SELECT payload_ct FROM outbox_messages")):
        assert "服务 group-stress".encode() not in blob
        assert booking.uid.encode() not in blob
    db.session.commit()

    send_due(now=utcnow())
    assert len(calendar_builds) == 2  # the sender wrote both files
    booked_mail, cancelled_mail = smtp_server.messages
    for message, method in ((booked_mail, "REQUEST"), (cancelled_mail, "CANCEL")):
        part = _calendar_part(message)
        assert part.get_filename() == "booking.ics"
        assert part.get_param("method") == method
        assert part.get_content_charset() == "utf-8"

    cal, event = _event(booked_mail)
    assert (str(cal["METHOD"]), str(cal["VERSION"]), str(cal["PRODID"])) == (
        "REQUEST", "2.0", "-//Xinqing//booking//EN")
    assert str(event["UID"]) == f"{booking.uid}@xinqing"
    assert event["SEQUENCE"] == booked_sequence
    assert event.decoded("DTSTART") == session.starts_at.astimezone(UTC)
    assert event.decoded("DTEND") == session.ends_at.astimezone(UTC)
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == "服务 group-stress"
    assert str(event["LOCATION"]) == "地址 · 201"
    assert str(event["URL"]) == _link(app, f"/bookings/{booking.uid}")
    assert str(event["STATUS"]) == "CONFIRMED"
    # DTSTAMP is when the file was written: at sending, after the booking was made.
    assert before <= event.decoded("DTSTAMP") <= utcnow()

    cal, cancelled = _event(cancelled_mail)
    assert str(cal["METHOD"]) == "CANCEL"
    assert str(cancelled["UID"]) == f"{booking.uid}@xinqing"
    assert str(cancelled["STATUS"]) == "CANCELLED"
    assert cancelled["SEQUENCE"] > event["SEQUENCE"]
    assert str(cancelled["SUMMARY"]) == "服务 group-stress"
    assert cancelled.decoded("DTSTART") == session.starts_at.astimezone(UTC)


def test_a_request_awaiting_confirmation_is_tentative_in_the_readers_language(
        app, smtp_server, network, make_user):
    person = make_user()
    person.locale = "en"
    db.session.commit()
    booking = bookings.book(person, network["confirm"].id)
    db.session.commit()
    send_due(now=utcnow())
    [message] = smtp_server.messages
    cal, event = _event(message)
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(event["STATUS"]) == "TENTATIVE"
    assert str(event["SUMMARY"]) == "Service counselling"
    assert str(event["LOCATION"]) == "Address 1 · 201"
    assert str(event["URL"]) == _link(app, f"/bookings/{booking.uid}")


def test_the_english_reader_gets_the_english_room_in_the_file(app, smtp_server, network,
                                                              make_user):
    person = make_user()
    person.locale = "en"
    db.session.commit()
    bookings.book(person, network["group"].id)
    db.session.commit()
    send_due(now=utcnow())
    [message] = smtp_server.messages
    _cal, event = _event(message)
    assert str(event["LOCATION"]) == "Address 1 · Quiet room"
    assert str(event["SUMMARY"]) == "Service group-stress"


def test_a_message_queued_with_a_ready_made_file_still_sends_it_unchanged(
        app, smtp_server, make_user, calendar_builds):
    person = make_user()
    message = OutboxMessage(user=person, kind="booking.booked", channel="email",
                            send_after=utcnow())
    message.payload = {  # the stored form before Step 16a
        "to": person.email, "subject": "您在心晴的预约", "text": "您好", "html": None,
        "attachments": [{"filename": "booking.ics",
                         "content_type": "text/calendar; charset=utf-8; method=REQUEST",
                         "data": SAVED_ICS}]}
    db.session.add(message)
    db.session.commit()
    assert send_due(now=utcnow()).sent == 1
    [email] = smtp_server.messages
    part = _calendar_part(email)
    assert part.get_filename() == "booking.ics"
    assert part.get_param("method") == "REQUEST"
    assert part.get_content_charset() == "utf-8"
    assert part.get_payload(decode=True) == SAVED_ICS.encode()
    assert calendar_builds == []  # sent as it was saved, not rebuilt
