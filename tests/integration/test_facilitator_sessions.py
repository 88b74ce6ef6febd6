"""Facilitators lead plain group sessions too: an admin schedules a group with a
facilitator of the centre as its leader; the facilitator sees who booked and ticks who
came, and never reaches a counsellor's workspace, screening results, notes or the risk
queue."""

from __future__ import annotations

from datetime import timedelta

import pytest

from app.accounts.models import Role
from app.admin import services as admin_services
from app.booking import bookings
from app.events import services as events
from app.extensions import db
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service
from tests.helpers import csrf_token, text


@pytest.fixture
def place(make_user, admin):
    group = make_service("relax", kind="relaxation", capacity=12, duration=60)
    one = make_service("counselling", kind="individual", capacity=1)
    facilitator = make_user(Role.FACILITATOR, name="志愿者 小王")
    stranger = make_user(Role.FACILITATOR, name="志愿者 老周")
    centre = make_centre("hub", services=[group, one], staff=[facilitator])
    return {"group": group, "one": one, "centre": centre, "facilitator": facilitator,
            "stranger": stranger}


def _schedule(admin, place, leader, service=None, days=5):
    return admin_services.schedule(
        admin, centre_id=place["centre"].id, service_id=(service or place["group"]).id,
        counsellor_id=leader.id, starts_at=(utcnow() + timedelta(days=days)).replace(
            microsecond=0), room="团辅室", capacity=None)


def test_the_admin_schedules_a_group_led_by_a_facilitator_on_the_page(place, admin,
                                                                     signed_in):
    client = signed_in(admin)
    page = text(client.get("/admin/sessions/new"))
    assert "志愿者 小王" in page
    day = (utcnow() + timedelta(days=9)).date().isoformat()
    form = {"csrf_token": csrf_token(page), "centre": str(place["centre"].id),
            "service": str(place["one"].id), "counsellor": str(place["facilitator"].id),
            "day": day, "start": "10:00", "room_id": "0", "room": "团辅室", "capacity": ""}
    refused = client.post("/admin/sessions/new", data=form)
    assert refused.status_code == 200
    assert "志愿者只能带领团体活动、放松训练和讲座" in text(refused)
    done = client.post("/admin/sessions/new", data={**form, "service": str(place["group"].id)})
    assert done.status_code == 303


def test_a_facilitator_leads_only_at_their_own_centre(place, admin):
    with pytest.raises(admin_services.AdminError) as refused:
        _schedule(admin, place, place["stranger"])
    assert refused.value.field == "counsellor"


def test_the_facilitator_sees_the_list_and_ticks_who_came(place, admin, make_user,
                                                          signed_in):
    session = _schedule(admin, place, place["facilitator"])
    db.session.commit()
    worker = make_user(name="陈工")
    booking = bookings.book(worker, session.id)
    client = signed_in(place["facilitator"])
    mine = text(client.get("/events/mine"))
    assert "放松" in mine or "relax" in mine.lower()
    page = client.get(f"/events/sessions/{session.id}/lead")
    assert page.status_code == 200
    assert "陈工" in text(page)
    # Ticking is for when the session is on (an hour before the start at the earliest).
    events.tick_session(place["facilitator"], session, booking.uid,
                        now=session.starts_at + timedelta(minutes=5))
    assert db.session.get(type(booking), booking.id).status == "attended"


def test_the_facilitator_reaches_nothing_clinical(place, admin, make_user, signed_in):
    session = _schedule(admin, place, place["facilitator"])
    db.session.commit()
    worker = make_user(name="陈工")
    booking = bookings.book(worker, session.id)
    client = signed_in(place["facilitator"])
    for url in ("/counselling/", f"/counselling/sessions/{session.id}",
                f"/counselling/bookings/{booking.uid}/notes", "/counsellor/risks",
                "/reports/"):
        assert client.get(url).status_code == 403, url
    # Another leader's session is not theirs to see.
    other = _schedule(admin, place, place["facilitator"], days=7)
    other.counsellor_id = place["stranger"].id
    db.session.commit()
    assert client.get(f"/events/sessions/{other.id}/lead").status_code == 404
