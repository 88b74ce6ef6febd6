"""A phone-only worker gets every booking notice by SMS: booked, reminder, cancelled, offers."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from app.booking import bookings
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.notices import Notice, after_quiet_hours, deliver
from app.notifications.sms import render
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session

BAD_WORDS = ("抑郁", "焦虑", "咨询", "心理", "PHQ", "GAD", "风险")


@pytest.fixture
def session(counsellor):
    service = make_service(capacity=1)
    centre = make_centre(services=[service])
    # 14:00 Shanghai in 3 days: its reminder falls at 14:00, outside the quiet hours.
    day = (utcnow() + timedelta(days=3)).date()
    start = datetime(day.year, day.month, day.day, 6, 0, tzinfo=UTC)
    return make_session(centre, service, counsellor, starts_at=start)


def sms_rows(user) -> list[tuple[str, dict, datetime]]:
    db.session.commit()
    return [(m.kind, m.payload, m.send_after) for m in db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.user_id == user.id,
                                    OutboxMessage.channel == "sms").order_by(OutboxMessage.id))]


def test_phone_only_worker_gets_booking_reminder_and_cancel_by_sms(app, worker, session,
                                                                   monkeypatch):
    monkeypatch.setitem(app.config, "BOOKING_REMINDER_HOURS", "24,2")
    booking = bookings.book(worker, session.id)
    rows = sms_rows(worker)
    assert [kind for kind, _, _ in rows] == ["booking.booked", "booking.reminder",
                                             "booking.reminder"]
    assert rows[1][2] == session.starts_at - timedelta(hours=24)
    assert rows[2][2] == session.starts_at - timedelta(hours=2)  # BOOKING_REMINDER_HOURS
    for _, payload, _ in rows:
        assert payload["to"] == "+8613800138000"
        text = render(payload["template"], payload["params"])
        assert len(text) <= 70, text
        assert not any(word in text for word in BAD_WORDS)
    assert rows[0][1]["params"][-1].endswith("/bookings")
    assert "/s/" in rows[1][1]["params"][-1]  # the reminder: I will come / cancel
    assert "/s/" in rows[2][1]["params"][-1]
    bookings.cancel(worker, booking.uid)
    kinds = [kind for kind, _, _ in sms_rows(worker)]
    assert kinds == ["booking.booked", "booking.cancelled"]  # the reminders are gone, on SMS too


def test_waiting_list_offer_sms_says_until_when(app, worker, make_user, session):
    first = make_user()
    booking = bookings.book(first, session.id)
    bookings.join_waitlist(worker, session.id)
    bookings.cancel(first, booking.uid)
    [(_kind, payload, _)] = [r for r in sms_rows(worker) if r[0] == "waitlist.offer"]
    assert payload["template"] == "offer"
    assert "月" in payload["params"][0]
    assert "日" in payload["params"][0]
    assert len(render("offer", payload["params"])) <= 70


def test_opted_out_of_reminders_gets_no_reminder_but_still_the_booking(app, worker, session):
    worker.reminders_wanted = False
    db.session.commit()
    bookings.book(worker, session.id)
    assert [kind for kind, _, _ in sms_rows(worker)] == ["booking.booked"]


def test_channel_preference_picks_among_the_persons_channels(app, make_user):
    person = make_user(login="both@example.com")
    person.phone = "+8613700137001"
    person.notify_email = False
    notice = Notice("booking.booked", subject="s", text="t", link="https://x/bookings")
    assert [m.channel for m in deliver(person, notice)] == ["sms"]
    person.notify_sms = False  # all off: an essential notice still reaches them
    assert {m.channel for m in deliver(person, notice)} == {"email", "sms"}


def test_no_notice_sms_in_the_quiet_hours_but_urgent_ones_go(app, worker):
    late = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    morning = datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 08:00 the next day
    assert after_quiet_hours(late) == morning
    early = datetime(2026, 12, 1, 21, 0, tzinfo=UTC)  # 05:00 in Shanghai
    assert after_quiet_hours(early) == morning
    noon = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
    assert after_quiet_hours(noon) == noon
    [message] = deliver(worker, Notice("x", subject="s", text="t", link="l"), send_after=late)
    assert message.send_after == morning
    [urgent] = deliver(worker, Notice("y", subject="s", text="t", link="l", urgent=True),
                       send_after=late)
    assert urgent.send_after == late


def test_rescreening_reminder_by_sms_listed_once_and_cancelled_on_every_channel(app, worker):
    import assessments
    from app.screening import services as screening

    worker.email = "xiaoli@example.com"
    phq = assessments.get("phq9")
    screening.schedule_reminder(worker, phq, 2, subject="提醒", text="该做问卷了")
    [(_kind, payload, when)] = sms_rows(worker)
    assert payload["template"] == "reminder"
    assert payload["params"][0].endswith("/screening/history")
    assert when > utcnow() + timedelta(days=13)
    [shown] = screening.pending_reminders(worker)
    assert screening.cancel_reminder(worker, shown.uid)
    assert sms_rows(worker) == []
    assert screening.pending_reminders(worker) == []


def _reminder_link(worker) -> str:
    [(_, payload, _), *_later] = [r for r in sms_rows(worker) if r[0] == "booking.reminder"]
    return payload["params"][0]


def test_reminder_sms_link_confirms_attendance_without_signing_in(app, client, worker,
                                                                   session):
    from tests.helpers import submit

    bookings.book(worker, session.id)
    url = _reminder_link(worker)
    path = url.split("127.0.0.1:5000", 1)[-1]
    assert path.startswith("/s/")
    assert len(render("reminder", [url.replace("http://127.0.0.1:5000",
                                               "https://xq.example.cn")])) <= 70
    page = client.get(path).get_data(as_text=True)
    assert "我会参加" in page
    assert submit(client, path + "/confirm", {}, form_url=path).status_code == 303
    assert "您已告诉我们您会参加" in client.get(path).get_data(as_text=True)
    assert client.get("/account/").status_code == 302  # the link signs no one in


def test_reminder_sms_link_cancels_that_booking_once(app, client, worker, session):
    from app.booking.models import Booking
    from tests.helpers import submit

    booking = bookings.book(worker, session.id)
    path = "/s/" + _reminder_link(worker).rsplit("/s/", 1)[1]
    assert submit(client, path + "/cancel", {}, form_url=path).status_code == 303
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "cancelled"
    assert client.get(path).status_code == 404  # used: dead, nothing else reachable


def test_made_up_or_expired_link_says_so_and_changes_nothing(app, client, worker, session):
    from app.booking import sms_links

    bookings.book(worker, session.id)
    assert client.get("/s/not-a-real-code").status_code == 404
    code = _reminder_link(worker).rsplit("/s/", 1)[1]
    with pytest.raises(sms_links.LinkError):
        sms_links.cancel(code, now=session.starts_at + timedelta(minutes=1))


def test_a_night_offer_that_lapses_before_morning_is_not_held(app, worker):
    late = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # 23:30 in Shanghai
    soon = Notice("waitlist.offer", subject="s", text="t", link="l", sms_template="offer",
                  sms_params=["12月2日07:30", "l"], act_by=late + timedelta(hours=8))
    [message] = deliver(worker, soon, send_after=late)
    assert message.send_after == late
    later = Notice("waitlist.offer", subject="s", text="t", link="l", sms_template="offer",
                   sms_params=["12月2日11:30", "l"], act_by=late + timedelta(hours=12))
    [message] = deliver(worker, later, send_after=late)
    assert message.send_after == datetime(2026, 12, 2, 0, 0, tzinfo=UTC)  # 08:00
