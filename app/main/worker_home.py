"""What a worker's own page ("我的") gathers: the next booking, latest results, reminders.

Plain data for the template, no request objects: the view passes the person and the time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import assessments
from app.accounts.models import User
from app.booking import bookings
from app.booking.models import Booking, BookingStatus
from app.notifications.models import OutboxMessage
from app.screening import services as screening
from app.screening.chart import Trend, trend
from app.screening.models import ScreeningResult
from assessments import Instrument

UPCOMING = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED)


@dataclass(frozen=True)
class Latest:
    """A questionnaire's most recent result, and how it compares with the one before."""

    instrument: Instrument
    result: ScreeningResult
    total: float
    band: str
    trend: Trend


def latest_results(user: User) -> list[Latest]:
    """One entry per questionnaire the person has taken, the most recent first."""
    out = []
    for code, rows in screening.history(user).items():
        instrument = assessments.get(code)
        last = screening.view(rows[-1])
        before = screening.view(rows[-2])["total"] if len(rows) > 1 else None
        out.append(Latest(instrument, rows[-1], last["total"], last["band"],
                          trend(instrument, before, last["total"])))
    return sorted(out, key=lambda item: item.result.created_at, reverse=True)


def next_booking(user: User, now: datetime) -> Booking | None:
    """The soonest booking still ahead that holds a seat."""
    ahead = [b for b in bookings.my_bookings(user)
             if b.status in UPCOMING and b.session.starts_at > now]
    return min(ahead, key=lambda b: b.session.starts_at, default=None)


def reminders(user: User) -> list[OutboxMessage]:
    """Reminders to repeat a questionnaire that have not gone out yet."""
    return screening.pending_reminders(user)
