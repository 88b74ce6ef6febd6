"""One-time SMS codes: only a keyed hash of the code is stored, never the code or number."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.types import UTCDateTime, utcnow


class PhoneCode(Model):
    """A code sent (or, for a number without an account, recorded as requested) by SMS.

    Rows double as the request log the anti-abuse limits count. ``active_key`` is
    ``purpose:phone_index`` while the code can still be used and NULL afterwards; its
    unique index keeps one active code per number and purpose.
    """

    __tablename__ = "phone_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(String(16))
    phone_index: Mapped[str] = mapped_column(String(64), index=True)
    address_hash: Mapped[str] = mapped_column(String(64), index=True)
    active_key: Mapped[str | None] = mapped_column(String(90), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))  # None: nothing was sent
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
