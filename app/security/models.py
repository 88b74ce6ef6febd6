"""Wrapped data keys: one per person or anonymous record (see crypto.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Integer, LargeBinary
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import db
from app.types import UTCDateTime, utcnow


class DataKey(db.Model):
    """A data key wrapped by KEK ``kek_version``; deleting the row crypto-shreds its data."""

    __tablename__ = "data_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kek_version: Mapped[int] = mapped_column(Integer, index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Set only on keys made in this process (never stored), so new rows seal without an unwrap.
    _plain = None
