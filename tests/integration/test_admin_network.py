"""Admins manage centres (hub and county), services and scheduled group sessions."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.booking.models import Centre, Service, Session
from app.extensions import db
from tests.booking_helpers import make_centre, make_service
from tests.helpers import submit, text

CENTRE = {"name_zh": "南安市职工心理幸福体验馆", "name_en": "Nan'an Centre", "region_zh": "南安市",
          "region_en": "Nan'an", "address_zh": "南安市某路 1 号", "address_en": "1 Road, Nan'an",
          "phone": "0595-1234", "hours_zh": "周一至周五", "hours_en": "Mon–Fri",
          "directions_zh": "", "directions_en": "", "active": "y"}


def test_only_admins(signed_in, counsellor):
    client = signed_in(counsellor)
    for url in ("/admin/centres", "/admin/centres/new", "/admin/services/new",
                "/admin/sessions/new"):
        assert client.get(url).status_code == 403


def test_add_county_centre_with_services_and_staff(signed_in, admin, counsellor):
    service = make_service()
    hub = make_centre("qz-hub")
    client = signed_in(admin)
    response = submit(client, "/admin/centres/new", {
        **CENTRE, "code": "nanan", "parent": hub.id, "services": [service.id],
        "staff": [counsellor.id]})
    assert response.status_code == 303
    centre = db.session.scalar(select(Centre).where(Centre.code == "nanan"))
    assert centre.kind == "county"
    assert centre.parent_id == hub.id
    assert [s.id for s in centre.services] == [service.id]
    assert [u.id for u in centre.staff] == [counsellor.id]
    assert "南安市职工心理幸福体验馆" in text(client.get("/admin/centres"))
    # a taken code is refused with a message, nothing added
    response = submit(client, "/admin/centres/new", {**CENTRE, "code": "nanan", "parent": 0})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Centre.id))) == 2
    assert client.get("/admin/centres/999").status_code == 404


def test_with_a_hub_in_place_a_new_centre_cannot_become_a_second_hub(signed_in, admin,
                                                                     counsellor):
    hub = make_centre("qz-hub")
    client = signed_in(admin)
    page = text(client.get("/admin/centres/new"))
    assert "这是市级总馆" not in page  # no "None: this is the city hub" to pick by mistake
    assert counsellor.email in page  # staff named alike are told apart by their address
    response = submit(client, "/admin/centres/new", {**CENTRE, "code": "nanan", "parent": 0})
    assert response.status_code == 200
    assert db.session.scalar(select(func.count(Centre.id))) == 1
    # The hub itself still says it is the hub when edited.
    assert "这是市级总馆" in text(client.get(f"/admin/centres/{hub.id}"))


def test_edit_service_rules(signed_in, admin):
    service = make_service(capacity=10)
    client = signed_in(admin)
    url = f"/admin/services/{service.id}"
    response = submit(client, url, {
        "code": service.code, "kind": "group", "name_zh": "团体", "name_en": "Group",
        "duration_minutes": 90, "capacity": 15, "cancellation_window_hours": 12,
        "min_notice_hours": 3, "horizon_days": 20, "buffer_minutes": 5, "active": "y"})
    assert response.status_code == 303
    db.session.expire_all()
    edited = db.session.get(Service, service.id)
    assert (edited.capacity, edited.cancellation_window_hours) == (15, 12)
    response = submit(client, url, {"code": "Bad Code!", "kind": "group", "name_zh": "x",
                                    "name_en": "x", "duration_minutes": 0, "capacity": 0})
    assert response.status_code == 200


def test_schedule_group_session_and_refuse_overlap(signed_in, admin, counsellor):
    service = make_service(capacity=12, duration=90)
    centre = make_centre(services=[service], staff=[counsellor])
    client = signed_in(admin)
    day = (date.today() + timedelta(days=5)).isoformat()
    data = {"centre": centre.id, "service": service.id, "counsellor": counsellor.id,
            "day": day, "start": "14:30", "room": "活动室", "capacity": 10}
    assert submit(client, "/admin/sessions/new", data).status_code == 303
    clash = submit(client, "/admin/sessions/new", {**data, "start": "15:00"})
    assert clash.status_code == 200
    assert "该咨询师在这个时间已有安排。" in text(clash)
    sessions = db.session.scalars(select(Session)).all()
    assert [(s.capacity, s.room) for s in sessions] == [(10, "活动室")]
