"""Demo data for screening: the demo worker's consent, home centre and one shared result."""

from __future__ import annotations

from sqlalchemy import select

import assessments
from app.accounts import services as accounts
from app.booking.models import Centre
from app.extensions import db
from app.screening import services
from app.screening.models import ScreeningResult

DEMO_WORKER = "13800138000"
DEMO_ANSWERS = [1, 2, 1, 2, 1, 1, 1, 0, 0]  # PHQ-9 total 9: mild, no self-harm answer


def seed_screening(home: Centre) -> int:
    """Give the demo worker a shared PHQ-9 result at ``home`` once; returns how many made."""
    user = accounts.find_by_login(DEMO_WORKER)
    if user is None or db.session.scalar(
            select(ScreeningResult.id).where(ScreeningResult.user_id == user.id)):
        return 0
    services.give_health_consent(user)
    user.home_centre_id = home.id
    instrument = assessments.get("phq9")
    saved = services.save_result(user, instrument, DEMO_ANSWERS, {"difficulty": 1}, keep=True)
    services.set_shared(user, saved.result, True)
    return 1
