"""Wrapped data keys: one per person or anonymous record (see crypto.py)."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from app.extensions import Model
from app.types import UTCDateTime, utcnow


class DataKey(Model):
    """A data key wrapped by KEK ``kek_version``; deleting the row crypto-shreds its data."""

    __tablename__ = "data_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    kek_version: Mapped[int] = mapped_column(Integer, index=True)
    wrapped: Mapped[bytes] = mapped_column(LargeBinary(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    # Set only on keys made in this process (never stored), so new rows seal without an unwrap.
    if TYPE_CHECKING:
        _plain: bytes | None = None
    else:
        _plain = None


class ServerSession(Model):
    """One signed-in (or anonymous) browser session; see app/security/session_store.py.

    ``id`` is derived one-way from the cookie value and ``data`` is sealed under a key
    derived from it, so this table alone neither reveals nor resumes any session.
    """

    __tablename__ = "server_sessions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_uid: Mapped[str | None] = mapped_column(String(32), index=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
