"""Events: created by an admin, listed and filtered, registered for with a waiting list,
cancelled, checked in by the QR link or ticked by the facilitator, counted in the reports;
the facilitator leads only their own events."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.admin import services as admin_services
from app.booking import bookings
from app.booking.models import Booking, WaitlistEntry
from app.events import services as events
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.reports.models import ActivityStat
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service
from tests.helpers import csrf_token


@pytest.fixture
def facilitator(make_user):
    return make_user(Role.FACILITATOR, name="志愿者 小王")


@pytest.fixture
def setup(admin, facilitator, counsellor):
    lecture = make_service("lecture", kind="lecture", capacity=50, duration=90)
    centre = make_centre("hub", services=[lecture], staff=[counsellor, facilitator])
    return centre, lecture


def _plan(centre, service, leader, *, starts_in=timedelta(days=5), capacity=2,
          closes_before=timedelta(hours=2), **extra):
    start = (utcnow() + starts_in).replace(microsecond=0)
    values = dict(centre_id=centre.id, service_id=service.id, leader_id=leader.id,
                  starts_at=start, opens_at=utcnow() - timedelta(hours=1),
                  closes_at=start - closes_before, kind="group", place="centre",
                  capacity=capacity, tags="压力, 睡眠",
                  texts={"title_zh": "午间减压小组", "title_en": "Lunchtime stress group"})
    values.update(extra)
    return admin_services.EventPlan(**values)


def _event(admin, *args, **kwargs):
    event = admin_services.create_event(admin, _plan(*args, **kwargs))
    db.session.commit()
    return event


def test_list_filters_and_page(setup, admin, facilitator, client):
    centre, service = setup
    group = _event(admin, centre, service, facilitator)
    _event(admin, centre, service, facilitator, starts_in=timedelta(days=6), kind="workshop",
           place="site", tags="职工之家",
           texts={"title_zh": "车间午休工作坊", "site_zh": "某某厂职工之家"})
    listing = client.get("/events").get_data(as_text=True)
    assert "午间减压小组" in listing
    assert "车间午休工作坊" in listing
    only_sites = client.get("/events?place=site").get_data(as_text=True)
    assert "车间午休工作坊" in only_sites
    assert "午间减压小组" not in only_sites
    by_tag = client.get("/events?tag=睡眠&kind=nonsense").get_data(as_text=True)
    assert "午间减压小组" in by_tag
    assert "车间午休工作坊" not in by_tag
    page = client.get(f"/events/{group.uid}")
    assert page.status_code == 200
    assert "午间减压小组" in page.get_data(as_text=True)
    assert client.get("/events/not-an-event").status_code == 404


def test_register_wait_cancel_and_the_waiting_person_is_offered_the_place(
        setup, admin, facilitator, make_user):
    centre, service = setup
    event = _event(admin, centre, service, facilitator, capacity=1)
    first, second = make_user(), make_user()
    booking = bookings.book(first, event.session_id)
    assert booking.status == "confirmed"
    # Full: the second joins the waiting list, and gets the place when the first cancels.
    with pytest.raises(bookings.BookingError) as full:
        bookings.book(second, event.session_id)
    assert full.value.full
    entry = bookings.join_waitlist(second, event.session_id)
    bookings.cancel(first, booking.uid)
    assert db.session.get(WaitlistEntry, entry.id).status == "offered"
    # Reminders go through the outbox like any booking's.
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.user_id == first.id, OutboxMessage.kind == "booking.booked")) >= 1


def test_registration_window_is_kept(setup, admin, facilitator, worker):
    centre, service = setup
    later = _event(admin, centre, service, facilitator,
                   opens_at=utcnow() + timedelta(days=1))
    with pytest.raises(bookings.BookingError, match="not opened"):
        bookings.book(worker, later.session_id)
    # Far ahead of the service's horizon is fine when the event's own window is open.
    far = _event(admin, centre, service, facilitator, starts_in=timedelta(days=80))
    assert bookings.book(worker, far.session_id).status == "confirmed"


def test_the_leader_must_be_free_and_a_counsellor_or_facilitator(setup, admin, facilitator,
                                                                  social_worker):
    centre, service = setup
    _event(admin, centre, service, facilitator)
    with pytest.raises(admin_services.AdminError, match="already has a session"):
        admin_services.create_event(admin, _plan(centre, service, facilitator,
                                                 starts_in=timedelta(days=5, minutes=30)))
    db.session.rollback()
    with pytest.raises(admin_services.AdminError):
        admin_services.create_event(admin, _plan(centre, service, social_worker))
    db.session.rollback()
    with pytest.raises(admin_services.AdminError):
        admin_services.create_event(facilitator, _plan(centre, service, facilitator))
    db.session.rollback()
    elsewhere = make_centre("dehua", services=[service])
    with pytest.raises(admin_services.AdminError, match="does not work at this centre"):
        admin_services.create_event(admin, _plan(elsewhere, service, facilitator))
    db.session.rollback()


def test_qr_check_in_counts_attendance_and_refuses_forgeries(setup, admin, facilitator,
                                                             worker, make_user, app):
    centre, service = setup
    event = _event(admin, centre, service, facilitator, starts_in=timedelta(minutes=150),
                   capacity=5, closes_before=timedelta(minutes=5))
    bookings.book(worker, event.session_id)
    token = events.check_in_token(event)
    with pytest.raises(events.EventError, match="not valid"):
        events.event_of_token(token[:-2] + "xx")
    with pytest.raises(events.EventError, match="expired"):
        events.event_of_token(token, now=event.session.ends_at + timedelta(hours=2))
    # Too early (more than an hour before the start): nothing recorded.
    with pytest.raises(events.EventError):
        events.check_in(worker, event)
    soon = event.session.starts_at - timedelta(minutes=30)
    events.check_in(worker, event, now=soon)
    with pytest.raises(events.EventError, match="already"):
        events.check_in(worker, event, now=soon)
    stranger = make_user()
    with pytest.raises(events.EventError, match="not registered"):
        events.check_in(stranger, event, now=soon)
    assert db.session.scalar(select(func.count(ActivityStat.id)).where(
        ActivityStat.event == "attended", ActivityStat.service == service.code)) == 1


def test_the_facilitator_ticks_names_on_their_own_event_only(setup, admin, facilitator,
                                                            worker, make_user, signed_in):
    centre, service = setup
    mine = _event(admin, centre, service, facilitator, starts_in=timedelta(minutes=30),
                  closes_before=timedelta(minutes=5))
    other_leader = make_user(Role.FACILITATOR)
    centre.staff.append(other_leader)
    db.session.commit()
    theirs = _event(admin, centre, service, other_leader, starts_in=timedelta(days=2))
    booking = bookings.book(worker, mine.session_id)
    client = signed_in(facilitator)
    page = client.get(f"/events/{mine.uid}/lead")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "data:image/svg+xml" in html
    assert "小李" in html  # the worker's name, for the leader
    assert client.get(f"/events/{theirs.uid}/lead").status_code == 404
    response = client.post(f"/events/{mine.uid}/attendance/{booking.uid}",
                           data={"csrf_token": csrf_token(html)})
    assert response.status_code == 303
    assert db.session.get(Booking, booking.id).status == "attended"
    # The facilitator sees no screening results, notes or risk queue.
    for url in ("/counsellor/risks", "/counsellor/shared", "/counselling/", "/reports/"):
        assert client.get(url).status_code == 403


def test_the_admin_creates_an_event_on_the_page(setup, admin, facilitator, signed_in):
    centre, service = setup
    client = signed_in(admin)
    page = client.get("/admin/events/new")
    day = (utcnow() + timedelta(days=10)).date()
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "kind": "relaxation",
            "title_zh": "放松训练小组", "title_en": "Relaxation group", "centre": str(centre.id),
            "service": str(service.id), "leader": str(facilitator.id), "place": "online",
            "online_url": "ftp://nope", "room_id": "0", "day": day.isoformat(),
            "start": "14:00", "capacity": "20", "opens_on": utcnow().date().isoformat(),
            "closes_hours_before": "2", "tags": "放松"}
    refused = client.post("/admin/events/new", data=data)
    assert refused.status_code == 200
    assert "https://" in refused.get_data(as_text=True)
    data["online_url"] = "https://meeting.example.com/room/1"
    done = client.post("/admin/events/new", data=data)
    assert done.status_code == 303
    assert "放松训练小组" in client.get(done.headers["Location"]).get_data(as_text=True)
