"""Checks that must hold between the seat counters and the rows behind them.

``sessions.booked`` counts held seats: every active booking holds one, and so does every
open waiting-list offer (a freed seat is kept for the person offered it). Any session
where the two disagree is a lost or phantom seat. The booking tests run this after every
test and ``bench/run.py`` after its booking rounds.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Select, func, select

from app.booking.models import ACTIVE_BOOKING, Booking, Session, WaitlistEntry, WaitStatus
from app.extensions import db


def seat_mismatch_query(session_ids: Iterable[int] | None = None) -> Select:
    """SELECT (session id, booked, active bookings + open offers) where they disagree.

    Plain SQL on the tables, so a tool without the app (bench/run.py) runs the same check.
    """
    active = (select(func.count(Booking.id))
              .where(Booking.session_id == Session.id,
                     Booking.status.in_([s.value for s in ACTIVE_BOOKING]))
              .correlate(Session).scalar_subquery())
    offers = (select(func.count(WaitlistEntry.id))
              .where(WaitlistEntry.session_id == Session.id,
                     WaitlistEntry.status == WaitStatus.OFFERED.value)
              .correlate(Session).scalar_subquery())
    query = select(Session.id, Session.booked, active + offers).where(
        Session.booked != active + offers)
    if session_ids is not None:
        query = query.where(Session.id.in_(list(session_ids)))
    return query.order_by(Session.id)


def seat_mismatches(session_ids: Iterable[int] | None = None) -> list[tuple[int, int, int]]:
    """(session id, booked, active bookings + open offers) for every session that disagrees."""
    return [(row[0], row[1], row[2])
            for row in db.session.execute(seat_mismatch_query(session_ids))]
