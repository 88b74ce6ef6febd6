"""Rooms as objects: two sessions never share a room at once, a room holds its seats only."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.admin import services as admin_services
from app.booking.models import Room
from app.extensions import db
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service
from tests.conftest import IS_POSTGRES
from tests.helpers import csrf_token


@pytest.fixture
def setup(make_user, admin):
    group = make_service("group-stress", capacity=12, duration=90)
    first, second = make_user("counsellor"), make_user("counsellor")
    centre = make_centre(services=[group], staff=[first, second])
    other = make_centre("dehua", services=[group])
    room = admin_services.save_room(admin, None, centre_id=centre.id, name_zh="团辅室",
                                    name_en="Group room", capacity=12, accessible=True)
    db.session.commit()
    return centre, other, group, first, second, room


def _schedule(admin, centre, group, counsellor, room, start, capacity=None):
    session = admin_services.schedule(admin, centre_id=centre.id, service_id=group.id,
                                      counsellor_id=counsellor.id, starts_at=start, room="",
                                      capacity=capacity, room_id=room.id)
    db.session.commit()
    return session


def test_two_counsellors_cannot_hold_one_room_at_overlapping_times(setup, admin):
    centre, _other, group, first, second, room = setup
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    session = _schedule(admin, centre, group, first, room, start)
    assert (session.room_id, session.room, session.room_en) == (room.id, "团辅室", "Group room")
    with pytest.raises(admin_services.AdminError, match="room is already in use"):
        _schedule(admin, centre, group, second, room, start + timedelta(minutes=30))
    db.session.rollback()
    # Right after it, the room is free again.
    later = _schedule(admin, centre, group, second, room, start + timedelta(minutes=90))
    assert later.room_id == room.id


def test_a_room_is_its_centres_and_holds_its_seats_only(setup, admin):
    centre, other, group, first, _second, room = setup
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    with pytest.raises(admin_services.AdminError, match="at most 12"):
        _schedule(admin, centre, group, first, room, start, capacity=20)
    db.session.rollback()
    with pytest.raises(admin_services.AdminError, match="room of this centre"):
        _schedule(admin, other, group, first, room, start)
    db.session.rollback()
    with pytest.raises(admin_services.AdminError, match="already has a room"):
        admin_services.save_room(admin, None, centre_id=centre.id, name_zh="团辅室",
                                 name_en="", capacity=3, accessible=False)
    db.session.rollback()
    assert db.session.query(Room).count() == 1


@pytest.mark.postgres
@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL pass only")
def test_the_database_refuses_a_double_booked_room_that_the_check_missed(setup, admin):
    centre, _other, group, first, second, room = setup
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    _schedule(admin, centre, group, first, room, start)
    with pytest.raises(IntegrityError, match="ex_sessions_room_overlap"):
        db.session.execute(text(
            "INSERT INTO sessions (centre_id, service_id, counsellor_id, room, room_en, "
            "room_id, starts_at, ends_at, capacity, booked, status, generated, created_at) "
            "VALUES (:c, :s, :u, '', '', :r, :a, :b, 1, 0, 'scheduled', false, now())"),
            {"c": centre.id, "s": group.id, "u": second.id, "r": room.id,
             "a": start + timedelta(minutes=10), "b": start + timedelta(minutes=70)})
    db.session.rollback()


def test_the_rooms_page_adds_a_room_and_refuses_a_duplicate(setup, admin, signed_in):
    centre = setup[0]
    client = signed_in(admin)
    page = client.get("/admin/rooms")
    assert "团辅室" in page.get_data(as_text=True)
    data = {"csrf_token": csrf_token(page.get_data(as_text=True)), "centre": str(centre.id),
            "name_zh": "放松室", "name_en": "Relaxation room", "capacity": "6", "accessible": "y"}
    assert client.post("/admin/rooms", data=data).status_code == 303
    again = client.post("/admin/rooms", data=data)
    assert again.status_code == 200
    assert "本中心已有同名活动室" in again.get_data(as_text=True)
    assert db.session.query(Room).count() == 2
