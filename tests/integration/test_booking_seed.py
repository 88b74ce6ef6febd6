"""The demo network has a realistic coming week of sessions at every centre, made once."""

from __future__ import annotations

from datetime import timedelta
from itertools import pairwise

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
