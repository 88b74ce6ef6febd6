"""Booking through the API: the booking service decides, the API answers 201, 409 or 422."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.booking.models import Booking, Session
from app.extensions import db
from app.types import utcnow
from tests.api.helpers import bearer, get_token
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401

pytestmark = pytest.mark.usefixtures("seat_invariant")


def network(counsellor, capacity: int = 2):
    service = make_service(capacity=capacity)
    centre = make_centre(services=[service])
    return centre, service, make_session(centre, service, counsellor)


def test_centres_services_and_sessions_with_free_seats(client, counsellor):
    centre, service, session = network(counsellor)
    other_service = make_service("talk", kind="individual", capacity=1)
    make_session(centre, other_service, counsellor, starts_in=timedelta(days=5))
    centres = client.get("/api/v1/centres").get_json()
    assert centres[0]["name"] == {"zh": "中心 hub", "en": "Centre hub"}
    assert centres[0]["service_ids"] == [service.id]
    assert {s["code"] for s in client.get("/api/v1/services").get_json()} == {
        "group-stress", "talk"}
    listed = client.get(f"/api/v1/sessions?centre={centre.id}&service={service.id}").get_json()
    assert listed == [{
        "id": session.id, "centre_id": centre.id, "service_id": service.id,
        "start": session.starts_at.isoformat(), "end": session.ends_at.isoformat(),
        "capacity": 2, "seats_left": 2, "room": "201", "mode": "in_person"}]
    assert len(client.get("/api/v1/sessions").get_json()) == 2
    soon = (utcnow() + timedelta(days=4)).isoformat()
    assert [s["service_id"] for s in client.get(
        "/api/v1/sessions", query_string={"from": soon}).get_json()] == [other_service.id]
    for bad in ({"from": "tomorrow"}, {"to": "2020-01-01T00:00:00+00:00"}, {"centre": "x"},
                {"from": "2026-12-01T09:00:00"}):
        response = client.get("/api/v1/sessions", query_string=bad)
        assert response.status_code == 422, bad


def test_book_then_cancel(client, worker, counsellor):
    _centre, _service, session = network(counsellor)
    token = get_token(client, "13800138000")
    response = client.post("/api/v1/bookings", json={"session_id": session.id},
                           headers=bearer(token, "en"))
    assert response.status_code == 201
    booking = response.get_json()
    assert booking["status"] == "confirmed"
    assert booking["status_label"] == "Confirmed"
    assert booking["session"]["seats_left"] == 1
    again = client.post("/api/v1/bookings", json={"session_id": session.id},
                        headers=bearer(token, "en"))
    assert again.status_code == 409
    assert again.get_json()["type"].endswith("already-booked")
    assert again.get_json()["detail"] == "You already have a booking for this session."
    mine = client.get("/api/v1/bookings", headers=bearer(token)).get_json()
    assert [b["id"] for b in mine] == [booking["id"]]
    cancelled = client.delete(f"/api/v1/bookings/{booking['id']}", headers=bearer(token))
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"
    db.session.expire_all()
    assert db.session.get(Session, session.id).booked == 0
    assert client.delete(f"/api/v1/bookings/{booking['id']}",
                         headers=bearer(token)).status_code == 409


def test_full_session_is_409_and_the_waitlist_takes_over(client, worker, make_user,
                                                         counsellor):
    _centre, _service, session = network(counsellor, capacity=1)
    first = get_token(client, make_user().email)
    assert client.post("/api/v1/bookings", json={"session_id": session.id},
                       headers=bearer(first)).status_code == 201
    token = get_token(client, "13800138000")
    full = client.post("/api/v1/bookings", json={"session_id": session.id},
                       headers=bearer(token))
    assert full.status_code == 409
    assert full.get_json()["type"].endswith("session-full")
    assert "候补" in full.get_json()["detail"]
    joined = client.post("/api/v1/waitlist", json={"session_id": session.id},
                         headers=bearer(token))
    assert joined.status_code == 201
    assert joined.get_json()["position"] == 1
    listed = client.get("/api/v1/waitlist", headers=bearer(token)).get_json()
    assert [e["id"] for e in listed] == [joined.get_json()["id"]]
    assert client.post("/api/v1/waitlist", json={"session_id": session.id},
                       headers=bearer(token)).status_code == 409


def test_bad_booking_input_is_422(client, worker):
    token = get_token(client, "13800138000")
    for body in ({}, {"session_id": "1"}, {"session_id": 0}, {"session_id": 999999},
                 {"session_id": 1, "seats": 2}):
        response = client.post("/api/v1/bookings", json=body, headers=bearer(token))
        assert response.status_code == 422, body
        assert response.get_json()["errors"]
    assert db.session.scalar(select(Booking)) is None


def test_other_peoples_bookings_are_404(client, worker, make_user, counsellor):
    _centre, _service, session = network(counsellor)
    other = get_token(client, make_user().email)
    theirs = client.post("/api/v1/bookings", json={"session_id": session.id},
                         headers=bearer(other)).get_json()
    token = get_token(client, "13800138000")
    assert client.get(f"/api/v1/bookings/{theirs['id']}",
                      headers=bearer(token)).status_code == 404
    assert client.delete(f"/api/v1/bookings/{theirs['id']}",
                         headers=bearer(token)).status_code == 404
    db.session.expire_all()
    assert db.session.get(Booking, theirs["id"]).status == "confirmed"
