"""Short links in booking SMS: "I will come" or "cancel" for one booking, without signing in.

The reminder SMS carries ``/s/<code>``: 11 random URL-safe characters (66 bits), of which
only a SHA-256 is stored. The link opens a page for that one booking that allows only two
actions, confirming attendance or cancelling (each one tap), and stops working when the
session starts, when the booking is no longer upcoming, or once it was used to cancel.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app import audit
from app.booking.models import Booking, BookingStatus
from app.domain import DomainError
from app.extensions import Model, db
from app.types import UTCDateTime, utcnow


class LinkError(DomainError):
    """The link is unknown, expired, used up, or its booking is no longer upcoming."""


UPCOMING = (BookingStatus.REQUESTED.value, BookingStatus.CONFIRMED.value)
DEAD = _l("This link no longer works: the session has started, or the booking was changed "
          "or cancelled. Please sign in to see your bookings.")


class BookingLink(Model):
    """One SMS link for one booking; only the hash of its code is kept."""

    __tablename__ = "booking_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"),
                                            index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # cancelled through it

    booking: Mapped[Booking] = relationship()


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def issue(booking: Booking) -> str:
    """A new link for ``booking``, valid until its session starts; the caller commits."""
    code = secrets.token_urlsafe(8)
    db.session.add(BookingLink(code_hash=_hash(code), booking_id=booking.id,
                               expires_at=booking.session.starts_at))
    base = current_app.config.get("PUBLIC_BASE_URL", "").rstrip("/")
    return f"{base}/s/{code}"


def find(code: str, now: datetime | None = None) -> BookingLink:
    """The live link for ``code``; LinkError otherwise."""
    now = now or utcnow()
    link = db.session.scalar(select(BookingLink).where(BookingLink.code_hash == _hash(code)))
    if (link is None or link.used_at is not None or link.expires_at <= now
            or link.booking.status not in UPCOMING or link.booking.session.starts_at <= now):
        raise LinkError(DEAD)
    return link


def confirm(code: str, now: datetime | None = None) -> Booking:
    """The person says they will come (recorded once, audited); commits."""
    link = find(code, now)
    if link.confirmed_at is None:
        link.confirmed_at = now or utcnow()
        audit.record(link.booking.user, "booking.attendance_confirmed", link.booking,
                     {"by": "sms-link"})
    db.session.commit()
    return link.booking


def cancel(code: str, now: datetime | None = None) -> Booking:
    """Cancel that one booking as its owner would (late-cancel rules alike); commits."""
    from app.booking import bookings  # bookings -> mail -> this module

    link = find(code, now)
    link_id, booking, user = link.id, link.booking, link.booking.user
    cancelled = bookings.cancel(user, booking.uid, now=now)  # its own transaction
    db.session.execute(update(BookingLink).where(BookingLink.id == link_id)
                       .values(used_at=now or utcnow()))
    db.session.commit()
    return cancelled
