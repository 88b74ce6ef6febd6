"""The API addresses bookings, waiting-list places and results by their random uid, like the
pages; the integer paths still answer for one release, marked deprecated in the document."""

from __future__ import annotations

from app.screening import services as screening
from tests.api.helpers import bearer, get_token
from tests.booking_helpers import make_centre, make_service, make_session
from tests.integration.screening_helpers import PHQ9_MODERATE


def _book(client, token, counsellor, capacity=2):
    service = make_service(capacity=capacity)
    centre = make_centre(services=[service])
    session = make_session(centre, service, counsellor)
    response = client.post("/api/v1/bookings", json={"session_id": session.id},
                           headers=bearer(token))
    assert response.status_code == 201
    return session, response.get_json()


def test_a_booking_by_uid_and_by_its_deprecated_integer_alias(client, worker, make_user,
                                                              counsellor):
    token = get_token(client, "13800138000")
    _session, booking = _book(client, token, counsellor)
    assert len(booking["uid"]) == 32
    by_uid = client.get(f"/api/v1/bookings/{booking['uid']}", headers=bearer(token))
    assert by_uid.status_code == 200
    assert by_uid.get_json() == booking
    alias = client.get(f"/api/v1/bookings/{booking['id']}", headers=bearer(token))
    assert alias.status_code == 200
    assert alias.get_json()["uid"] == booking["uid"]
    other = make_user()
    theirs = get_token(client, other.email)
    for path in (booking["uid"], booking["id"]):
        assert client.get(f"/api/v1/bookings/{path}", headers=bearer(theirs)).status_code == 404
        assert client.delete(f"/api/v1/bookings/{path}",
                             headers=bearer(theirs)).status_code == 404
    cancelled = client.delete(f"/api/v1/bookings/{booking['uid']}", headers=bearer(token))
    assert cancelled.status_code == 200
    assert cancelled.get_json()["status"] == "cancelled"


def test_a_waitlist_place_by_uid_and_by_its_integer_alias(client, worker, make_user,
                                                          counsellor):
    other = make_user()
    theirs = get_token(client, other.email)
    session, _taken = _book(client, theirs, counsellor, capacity=1)
    token = get_token(client, "13800138000")
    entry = client.post("/api/v1/waitlist", json={"session_id": session.id},
                        headers=bearer(token)).get_json()
    assert len(entry["uid"]) == 32
    # another person's uid answers 404, through both paths
    for path in (entry["uid"], entry["id"]):
        assert client.post(f"/api/v1/waitlist/{path}/accept",
                           headers=bearer(theirs)).status_code == 404
        assert client.delete(f"/api/v1/waitlist/{path}",
                             headers=bearer(theirs)).status_code == 404
    no_offer = client.post(f"/api/v1/waitlist/{entry['uid']}/accept", headers=bearer(token))
    assert no_offer.status_code == 409
    assert client.delete(f"/api/v1/waitlist/{entry['uid']}",
                         headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/waitlist", headers=bearer(token)).get_json() == []


def test_a_result_by_uid_and_by_its_integer_alias(client, worker, make_user):
    screening.give_health_consent(worker)
    token = get_token(client, "13800138000")
    saved = client.post("/api/v1/screenings", headers=bearer(token), json={
        "instrument": "phq9", "answers": PHQ9_MODERATE, "extra": {"difficulty": 0}}).get_json()
    assert len(saved["uid"]) == 32
    assert client.get(f"/api/v1/screenings/{saved['uid']}",
                      headers=bearer(token)).get_json() == saved
    assert client.get(f"/api/v1/screenings/{saved['id']}",
                      headers=bearer(token)).get_json()["uid"] == saved["uid"]
    other = make_user()
    screening.give_health_consent(other)
    theirs = get_token(client, other.email)
    for path in (saved["uid"], saved["id"]):
        response = client.get(f"/api/v1/screenings/{path}", headers=bearer(theirs))
        assert response.status_code == 404
        assert response.get_json()["type"].endswith("not-found")


def test_an_anonymous_result_gives_no_uid_to_open_it_by(client):
    result = client.post("/api/v1/screenings", json={
        "instrument": "who5", "answers": [3, 3, 3, 3, 3]}).get_json()
    assert result["saved"] is False
    assert result["uid"] is None


def test_the_document_marks_the_integer_paths_deprecated(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    for path, method in (("/api/v1/bookings/{booking_uid}", "get"),
                         ("/api/v1/bookings/{booking_uid}", "delete"),
                         ("/api/v1/screenings/{result_uid}", "get"),
                         ("/api/v1/waitlist/{entry_uid}/accept", "post"),
                         ("/api/v1/waitlist/{entry_uid}", "delete")):
        assert not paths[path][method].get("deprecated"), path
    for path, method in (("/api/v1/bookings/{booking_id}", "get"),
                         ("/api/v1/bookings/{booking_id}", "delete"),
                         ("/api/v1/screenings/{result_id}", "get"),
                         ("/api/v1/waitlist/{entry_id}/accept", "post"),
                         ("/api/v1/waitlist/{entry_id}", "delete")):
        assert paths[path][method]["deprecated"] is True, path
