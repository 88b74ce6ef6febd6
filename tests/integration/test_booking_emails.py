"""Booking emails reach a real SMTP server once, in the person's language, with a valid ICS."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta

import pytest
from icalendar import Calendar

from app.accounts.services import set_locale
from app.booking import bookings
from app.extensions import db
from app.notifications.services import send_due
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401

pytestmark = pytest.mark.usefixtures("seat_invariant")


@pytest.fixture
def session(counsellor):
    service = make_service(capacity=4)
    centre = make_centre(services=[service])
    return make_session(centre, service, counsellor, starts_in=timedelta(days=3))


def _calendar(message) -> Calendar:
    parts = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    return Calendar.from_ical(parts[0].get_payload(decode=True))


def _event(cal: Calendar):
    events = list(cal.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


def _run_concurrently(app, now, runners: int = 4) -> None:
    db.session.commit()

    def run() -> None:
        with app.app_context():
            send_due(now=now)
            db.session.remove()

    threads = [threading.Thread(target=run) for _ in range(runners)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)


def test_booking_email_and_reminder_arrive_once_with_ics(app, smtp_server, session, make_user):
    person = make_user()
    booking = bookings.book(person, session.id)
    uid = booking.uid
    start = session.starts_at

    _run_concurrently(app, utcnow())
    assert len(smtp_server.messages) == 1
    confirmation = smtp_server.messages[0]
    assert confirmation["Subject"] == "您在心晴的预约"
    assert f"/bookings/{uid}" in confirmation.get_body(("plain",)).get_content()
    cal = _calendar(confirmation)
    assert cal["METHOD"] == "REQUEST"
    event = _event(cal)
    assert str(event["UID"]) == f"{uid}@xinqing"
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTSTART").tzinfo is not None
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)

    # 23 hours before: the reminder is due; four runners at once send it once
    _run_concurrently(app, start - timedelta(hours=23))
    _run_concurrently(app, start - timedelta(hours=22))
    assert len(smtp_server.messages) == 2
    reminder = smtp_server.messages[1]
    assert reminder["Subject"].startswith("提醒")
    assert str(_event(_calendar(reminder))["UID"]) == f"{uid}@xinqing"


def test_cancel_sends_ics_cancel_and_drops_the_reminder(app, smtp_server, session, make_user):
    person = make_user()
    set_locale(person, "en")
    booking = bookings.book(person, session.id)
    bookings.cancel(person, booking.uid)
    _run_concurrently(app, session.starts_at - timedelta(hours=1))
    subjects = sorted(m["Subject"] for m in smtp_server.messages)
    assert subjects == ["Your booking at Xinqing", "Your booking at Xinqing was cancelled"]
    cancelled = next(m for m in smtp_server.messages if "cancelled" in m["Subject"])
    cal = _calendar(cancelled)
    assert cal["METHOD"] == "CANCEL"
    event = _event(cal)
    assert str(event["UID"]) == f"{booking.uid}@xinqing"
    assert str(event["STATUS"]) == "CANCELLED"


def test_reschedule_moves_the_reminder(app, smtp_server, session, counsellor, make_user):
    later = make_session(session.centre, session.service, counsellor, starts_in=timedelta(days=5))
    person = make_user()
    booking = bookings.book(person, session.id)
    bookings.reschedule(person, booking.uid, later.id)
    _run_concurrently(app, session.starts_at - timedelta(hours=23))
    # booking + change emails only: the old reminder is gone, the new one is not yet due
    assert len(smtp_server.messages) == 2
    changed = next(m for m in smtp_server.messages if "改期" in m["Subject"])
    assert _event(_calendar(changed)).decoded("DTSTART") == later.starts_at.astimezone(UTC)
    _run_concurrently(app, later.starts_at - timedelta(hours=23))
    assert len(smtp_server.messages) == 3


def test_every_change_is_a_newer_revision_of_the_same_calendar_event(app, smtp_server, session,
                                                                     counsellor, make_user):
    """RFC 5545: same UID, rising SEQUENCE, so calendar apps update the event in place.

    The three changes happen within the same second, as an app's quick corrections may.
    """
    later = make_session(session.centre, session.service, counsellor, starts_in=timedelta(days=5))
    person = make_user()
    booking = bookings.book(person, session.id)
    bookings.reschedule(person, booking.uid, later.id)
    bookings.cancel(person, booking.uid)
    db.session.commit()
    send_due(now=utcnow())  # one runner: the messages leave in the order they were queued
    by_method = {}
    for message in smtp_server.messages:
        cal = _calendar(message)
        by_method.setdefault(str(cal["METHOD"]), []).append(_event(cal))
    booked, changed = by_method["REQUEST"]
    [cancelled] = by_method["CANCEL"]
    assert {str(e["UID"]) for e in (booked, changed, cancelled)} == {f"{booking.uid}@xinqing"}
    assert booked["SEQUENCE"] < changed["SEQUENCE"] < cancelled["SEQUENCE"]
    assert changed.decoded("DTSTART") == later.starts_at.astimezone(UTC)


def test_reminders_cli_sends_and_passes_offers_on(app, smtp_server, session, make_user):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reminders", "send"])
    assert result.exit_code == 0
    assert "offers passed on 0" in result.output


def test_one_move_gathers_its_calendar_once_and_a_later_change_anew(
        app, session, make_user, monkeypatch):
    """The email and the reminder of one booking carry one calendar (its facts gathered
    once); once the move is over, a change of room gives the next notice a new file."""
    from app.booking import mail
    from app.notifications.attachments import calendar_file

    person = make_user()
    booking = bookings.book(person, session.id)
    gathered: list[object] = []
    real = mail._calendar_event

    def counting(b, *, cancel):
        gathered.append(real(b, cancel=cancel))
        return gathered[-1]

    monkeypatch.setattr(mail, "_calendar_event", counting)
    with mail.one_calendar(booking):
        first, again = mail.calendar_of(booking), mail.calendar_of(booking)
        cancelled = mail.calendar_of(booking, cancel=True)
    assert first.event is again.event
    assert len(gathered) == 2  # one REQUEST, one CANCEL
    assert b"METHOD:CANCEL" in calendar_file(cancelled.event)

    session.room = "Room 9 after the move"
    after = mail.calendar_of(booking)
    assert len(gathered) == 3
    assert b"Room 9 after the move" in calendar_file(after.event)
    assert b"Room 9" not in calendar_file(first.event)
