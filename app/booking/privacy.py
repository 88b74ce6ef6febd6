"""Booking's part in a person's data rights: their bookings in the copy, seats released
when the account is deleted, and their bookings and notes in the access history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.privacy import register_eraser, register_exporter, register_target_provider
from app.booking.bookings import UPCOMING, my_bookings
from app.booking.models import Booking, WaitlistEntry
from app.booking.transitions import apply
from app.counselling.models import SessionNote
from app.extensions import db
from app.types import utcnow


def export_bookings(user: User) -> list[dict[str, Any]]:
    """Each booking: what, where, when and how it stands."""
    return [{
        "service": b.session.service.name_zh, "service_en": b.session.service.name_en,
        "centre": b.session.centre.name_zh, "starts_at": b.session.starts_at.isoformat(),
        "status": b.status, "booked_at": b.created_at.isoformat(),
    } for b in my_bookings(user)]


def release_everything(user: User) -> None:
    """Before the account goes: free its seats (to the waitlist first) and open offers."""
    now = utcnow()
    for booking in db.session.scalars(select(Booking).where(
            Booking.user_id == user.id, Booking.status.in_(UPCOMING))).all():
        if booking.session.starts_at > now:
            apply("erase", None, now=now, booking=booking)
    for entry in db.session.scalars(select(WaitlistEntry).where(
            WaitlistEntry.user_id == user.id, WaitlistEntry.status == "offered")).all():
        apply("decline", None, now=now, entry=entry)  # an open offer holds a seat: pass it on


def audit_targets(user: User) -> list[str]:
    """Audit references of the person's bookings and of notes about them."""
    bookings = db.session.scalars(select(Booking.uid).where(Booking.user_id == user.id)).all()
    notes = db.session.scalars(select(SessionNote.uid).where(SessionNote.worker_id == user.id))
    return [f"bookings:{uid}" for uid in bookings] + [f"session_notes:{uid}" for uid in notes]


def register() -> None:
    """Plug booking into app/accounts/privacy.py."""
    register_exporter("bookings", export_bookings)
    register_eraser(release_everything)
    register_target_provider(audit_targets)
