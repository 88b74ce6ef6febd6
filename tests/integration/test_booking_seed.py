"""The demo network has a realistic coming week of sessions at every centre, made once."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

import pytest
from sqlalchemy import select

from app.booking.models import Centre, Service, Session
from app.extensions import db
from app.seed import seed
from app.types import utcnow


def test_every_demo_centre_has_a_week_of_sessions_and_seeding_is_idempotent(app):
    first = seed()
    assert first["sessions"] > 50
    assert seed()["sessions"] == 0
    week = utcnow() + timedelta(days=8)
    for centre in db.session.scalars(select(Centre)):
        kinds = db.session.scalars(
            select(Service.kind).join(Session).where(Session.centre_id == centre.id,
                                                     Session.starts_at < week).distinct()).all()
        assert "individual" in kinds, centre.code
        assert set(kinds) - {"individual", "assessment"}, f"{centre.code}: no group session"
    sessions = db.session.scalars(select(Session).order_by(Session.counsellor_id,
                                                           Session.starts_at)).all()
    for before, after in pairwise(sessions):
        if before.counsellor_id == after.counsellor_id:
            assert before.ends_at <= after.starts_at, "a counsellor in two places at once"


def test_the_demo_network_has_rooms_events_a_facilitator_and_a_pending_request(app):
    from sqlalchemy import func

    from app.accounts.services import find_by_login
    from app.booking.models import Event, Room
    from app.events.models import EventRequest
    from app.events.services import led_sessions

    first = seed()
    assert first["rooms"] >= 3
    assert first["events"] == 3
    assert first["event requests"] == 1
    events = db.session.scalars(select(Event)).all()
    assert {e.place for e in events} >= {"site", "centre"}
    facilitator = find_by_login("facilitator@example.com")
    assert facilitator is not None
    assert facilitator.has_role("facilitator")
    assert led_sessions(facilitator)
    again = seed()
    assert (again["rooms"], again["events"], again["event requests"]) == (0, 0, 0)
    assert db.session.scalar(select(func.count()).select_from(Room)) == first["rooms"]
    assert db.session.scalar(select(EventRequest.status)) == "pending"


@pytest.mark.parametrize("days_later", range(1, 7))
def test_the_demo_has_its_three_events_whatever_weekday_it_is_seeded_on(
        app, monkeypatch, days_later):
    """A centre closed at weekends must not leave ``make run``'s calendar short of events."""
    import app.events.demo as demo

    monkeypatch.setattr(demo, "utcnow", lambda: utcnow() + timedelta(days=days_later))
    assert seed()["events"] == 3
