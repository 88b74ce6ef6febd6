"""Booking's part of the retention policy: cancelled bookings, closed waiting-list places."""

from __future__ import annotations

from datetime import datetime

from app.booking import profiles
from app.booking.models import Booking, BookingStatus, WaitlistEntry, WaitStatus
from app.security.retention import days, delete_batched, register_step


def cancelled_bookings(now: datetime, batch: int) -> int:
    """Cancelled bookings (they hold no seat) after the period; notes go with them."""
    cutoff = now - days("RETAIN_CANCELLED_BOOKINGS_DAYS")
    cancelled = (BookingStatus.CANCELLED.value, BookingStatus.LATE_CANCELLED.value)
    return delete_batched(Booking, Booking.status.in_(cancelled) & (Booking.changed_at < cutoff),
                          batch)


def closed_waitlist(now: datetime, batch: int) -> int:
    """Finished waitlist places (accepted, expired, left) after the period."""
    cutoff = now - days("RETAIN_CLOSED_WAITLIST_DAYS")
    closed = (WaitStatus.ACCEPTED.value, WaitStatus.EXPIRED.value, WaitStatus.LEFT.value)
    return delete_batched(WaitlistEntry, WaitlistEntry.status.in_(closed)
                          & (WaitlistEntry.created_at < cutoff), batch)


def register() -> None:
    register_step("cancelled_bookings", cancelled_bookings)
    register_step("closed_waitlist", closed_waitlist)
    register_step("stray_photos", profiles.stray_photos)
