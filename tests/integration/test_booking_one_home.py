"""Regressions of rules that lived in two rooms (issues 15, 20 and 22): written first, seen failing.

- a counsellor's cancel left the 24 h reminder queued ("提醒：您明天在心晴有预约");
- a counsellor's "confirm" sent the "rescheduled" email, and the first email of a booking
  awaiting confirmation claimed it was confirmed;
- a closed centre or service still took bookings by direct session id;
- a cancelled session kept its seat counter;
- staff could take seats and join waiting lists.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from icalendar import Calendar
from sqlalchemy import select

from app.accounts.models import Role
from app.booking import bookings
from app.booking.bookings import BookingError
from app.booking.invariants import seat_mismatches
from app.booking.models import Booking, Session
from app.counselling import services as counselling
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.services import send_due
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401
from tests.helpers import submit, totp_code
from tests.helpers import text as page_text

pytestmark = pytest.mark.usefixtures("seat_invariant")


@pytest.fixture
def network(counsellor):
    one = make_service("counselling", kind="individual", capacity=1, confirm=True)
    group = make_service("group-stress", capacity=3)
    centre = make_centre(services=[one, group], staff=[counsellor])
    return {"centre": centre, "one": one, "group": group,
            "session": make_session(centre, group, counsellor, starts_in=timedelta(days=3)),
            "confirm": make_session(centre, one, counsellor, starts_in=timedelta(days=4))}


def _outbox(kind: str) -> list[OutboxMessage]:
    db.session.expire_all()
    return list(db.session.scalars(select(OutboxMessage).where(OutboxMessage.kind == kind)))


def _calendar(message) -> Calendar:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return Calendar.from_ical(part.get_payload(decode=True))


# -- (a) the counsellor's cancel drops the reminder and the seats ----------------------------

def test_session_cancelled_by_counsellor_sends_no_reminder(app, smtp_server, network, counsellor,
                                                           make_user):
    session = network["session"]
    people = [make_user() for _ in range(3)]
    for person in people:
        bookings.book(person, session.id)
    assert len(_outbox("booking.reminder")) == 3
    counselling.cancel_session(counsellor, session.id)
    assert _outbox("booking.reminder") == []
    db.session.commit()
    send_due(now=session.starts_at - timedelta(hours=23))
    subjects = [m["Subject"] for m in smtp_server.messages]
    assert not [s for s in subjects if s.startswith("提醒")]
    assert sum("取消" in s for s in subjects) == 3


def test_cancelled_session_keeps_no_seat_counter(network, counsellor, make_user):
    session = network["session"]
    for _ in range(3):
        bookings.book(make_user(), session.id)
    counselling.cancel_session(counsellor, session.id)
    db.session.expire_all()
    assert db.session.get(Session, session.id).booked == 0
    assert seat_mismatches() == []


# -- (b) confirm says confirmed; a request says it awaits confirmation ------------------------

def test_confirm_sends_confirmed_not_rescheduled(app, smtp_server, network, counsellor,
                                                 make_user):
    person = make_user()
    booking = bookings.book(person, network["confirm"].id)
    counselling.set_status(counsellor, booking.uid, "confirm")
    db.session.commit()
    send_due(now=utcnow())
    first, second = smtp_server.messages
    assert "等待咨询师确认" in first.get_body(("plain",)).get_content()
    assert str(next(iter(_calendar(first).walk("VEVENT")))["STATUS"]) == "TENTATIVE"
    assert "改期" not in second["Subject"]
    assert "确认" in second["Subject"]
    assert str(next(iter(_calendar(second).walk("VEVENT")))["STATUS"]) == "CONFIRMED"
    for message in smtp_server.messages:
        [part] = [p for p in message.iter_attachments()
                  if p.get_content_type() == "text/calendar"]
        assert part.get_content_charset() == "utf-8"


# -- (c) closed centres and services take no bookings ----------------------------------------

@pytest.mark.parametrize("closed", ["centre", "service"])
def test_closed_centre_or_service_takes_no_booking(signed_in, worker, network, closed):
    session = network["session"]
    if closed == "centre":
        network["centre"].active = False
    else:
        network["group"].active = False
    db.session.commit()
    with pytest.raises(BookingError):
        bookings.book(worker, session.id)
    client = signed_in(worker)
    assert f"/booking/sessions/{session.id}\"" not in page_text(client.get("/booking"))
    page = page_text(client.get(f"/booking/sessions/{session.id}"))
    assert "预约这个场次" not in page
    submit(client, f"/booking/sessions/{session.id}/book", {},
           form_url="/me")
    db.session.expire_all()
    assert db.session.scalar(select(Booking.id)) is None
    assert db.session.get(Session, session.id).booked == 0


def test_session_page_hides_book_after_notice_closed(signed_in, worker, network, counsellor):
    soon = make_session(network["centre"], network["group"], counsellor,
                        starts_in=timedelta(hours=1))
    page = page_text(signed_in(worker).get(f"/booking/sessions/{soon.id}"))
    assert "预约这个场次" not in page


# -- (6) only workers book --------------------------------------------------------------------

@pytest.mark.parametrize("role", [Role.ADMIN, Role.SOCIAL_WORKER, Role.COUNSELLOR])
def test_staff_cannot_book_or_wait(network, make_user, role):
    staff = make_user(role)
    with pytest.raises(BookingError, match="Only workers"):
        bookings.book(staff, network["session"].id)
    with pytest.raises(BookingError, match="Only workers"):
        bookings.join_waitlist(staff, network["session"].id)
    db.session.expire_all()
    assert db.session.get(Session, network["session"].id).booked == 0


def test_api_lists_only_what_can_be_booked_and_refuses_staff(client, network, counsellor,
                                                            make_user):
    from tests.api.helpers import bearer, get_token

    session = network["session"]
    soon = make_session(network["centre"], network["group"], counsellor,
                        starts_in=timedelta(hours=1))  # inside the 2-hour booking notice
    listed = {s["id"] for s in client.get("/api/v1/sessions").get_json()}
    assert session.id in listed
    assert soon.id not in listed
    network["group"].active = False
    db.session.commit()
    listed = {s["id"] for s in client.get("/api/v1/sessions").get_json()}
    assert session.id not in listed
    network["group"].active = True
    db.session.commit()

    admin = make_user(Role.ADMIN)
    token = get_token(client, admin.email, otp=totp_code(admin.totp_secret))
    answer = client.post("/api/v1/bookings", json={"session_id": session.id},
                         headers=bearer(token))
    assert answer.status_code == 403
    assert answer.get_json()["type"].endswith("workers-only")
    assert "职工" in answer.get_json()["detail"]


def test_leave_closes_an_admin_scheduled_session(network, counsellor, worker):
    """Issue 20 item 5: the counsellor's leave that day makes any of their sessions
    unbookable, including one an admin scheduled."""
    from app.booking.models import AvailabilityException
    from app.counselling.services import add_leave

    session = network["session"]
    add_leave(counsellor, session.starts_at - timedelta(hours=3),
              session.starts_at + timedelta(hours=8))
    assert db.session.scalar(select(AvailabilityException.id)) is not None
    with pytest.raises(BookingError, match="not available"):
        bookings.book(worker, session.id)
    db.session.expire_all()
    assert db.session.get(Session, session.id).booked == 0


def test_seat_invariant_names_a_lost_seat(network, worker):
    session = network["session"]
    bookings.book(worker, session.id)
    assert seat_mismatches() == []
    session.booked = 3  # what a counsellor's cancel used to leave behind
    db.session.commit()
    assert seat_mismatches() == [(session.id, 3, 1)]
    session.booked = 1
    db.session.commit()


def test_staff_see_why_they_cannot_book(signed_in, network, make_user):
    staff = make_user(Role.SOCIAL_WORKER)
    client = signed_in(staff)
    session = network["session"]
    page = page_text(client.get(f"/booking/sessions/{session.id}"))
    assert "预约这个场次" not in page
    assert "只有职工可以预约场次" in page
    answer = submit(client, f"/booking/sessions/{session.id}/book", {},
                    form_url=f"/booking/sessions/{session.id}")
    assert answer.status_code == 303
    assert "只有职工可以预约场次" in page_text(client.get(answer.headers["Location"]))
    db.session.expire_all()
    assert db.session.get(Session, session.id).booked == 0


def test_the_seat_update_follows_the_service_window_as_it_is_now(app, counsellor):
    """``take_seat`` keeps one built statement per service window and passes the moments
    as parameters: it still refuses outside the window, and an edited window is the one
    the next seat is judged by (not the statement built for the old one)."""
    from app.booking import bookable
    from app.extensions import db
    from app.types import utcnow
    from tests.booking_helpers import make_centre, make_service, make_session

    service = make_service("window-check", min_notice_hours=2, horizon_days=30)
    centre = make_centre("window-hub", services=[service])
    soon = make_session(centre, service, counsellor, starts_in=timedelta(hours=5))
    now = utcnow()
    assert bookable.take_seat(soon, now)
    assert not bookable.take_seat(soon, now + timedelta(hours=4))  # inside the notice
    service.min_notice_hours = 12  # the admin lengthens the notice
    db.session.flush()
    assert not bookable.take_seat(soon, now)
    service.min_notice_hours = 2
    db.session.flush()
    assert bookable.take_seat(soon, now)
    db.session.refresh(soon)
    assert soon.booked == 2
    db.session.rollback()
