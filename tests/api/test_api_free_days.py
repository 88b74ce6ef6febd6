"""Free sessions per day through the API: the booking page's week strip, for apps."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session

SHANGHAI = ZoneInfo("Asia/Shanghai")


def test_counts_per_day_and_the_earliest_free_session(client, counsellor):
    group = make_service(capacity=2)
    other = make_service("talk", kind="individual", capacity=1)
    hub = make_centre("hub", services=[group, other])
    county = make_centre("county", services=[group])
    first = make_session(county, group, counsellor, starts_in=timedelta(days=2))
    make_session(hub, group, counsellor, starts_in=timedelta(days=2, hours=1))
    full = make_session(hub, group, counsellor, starts_in=timedelta(days=3))
    full.booked = full.capacity
    from app.extensions import db

    db.session.commit()
    make_session(hub, other, counsellor, starts_in=timedelta(days=1))
    today = utcnow().astimezone(SHANGHAI).date()
    body = client.get(f"/api/v1/sessions/free-days?service={group.id}&days=5").get_json()
    day2 = first.starts_at.astimezone(SHANGHAI).date()
    expected = {(today + timedelta(days=n)).isoformat(): 0 for n in range(5)}
    for when in (first.starts_at, first.starts_at + timedelta(hours=1)):
        expected[when.astimezone(SHANGHAI).date().isoformat()] += 1
    assert {d["date"]: d["free"] for d in body["days"]} == expected
    assert body["earliest"]["id"] == first.id
    assert day2.isoformat() in expected
    only_hub = client.get(f"/api/v1/sessions/free-days?service={group.id}&centre={hub.id}"
                          f"&from={today}").get_json()
    assert sum(d["free"] for d in only_hub["days"]) == 1
    assert client.get("/api/v1/sessions/free-days?service=999").get_json()["earliest"] is None


def test_bad_ranges_are_refused_with_a_reason(client):
    for query in ("days=0", "days=32", "from=2026-13-01", "service=x", "from=0001-01-01",
                  "from=9999-12-31"):
        response = client.get(f"/api/v1/sessions/free-days?{query}")
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"


def test_a_session_search_from_the_edge_of_the_calendar_is_refused_not_a_crash(client):
    for query in ("from=0001-01-01T00:00:00%2B08:00", "to=9999-12-31T23:59:59-08:00"):
        response = client.get(f"/api/v1/sessions?{query}")
        assert response.status_code == 422, query
