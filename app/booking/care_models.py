"""Counsellor profiles workers choose from, and the sealed meeting links of video sessions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.booking.models import Session
from app.extensions import Model
from app.security.crypto import Encrypted, EncryptedRow, get_crypto
from app.security.models import DataKey
from app.types import UTCDateTime, new_uid, utcnow


class CounsellorProfile(Model):
    """What workers see of a counsellor. The columns are the approved (public) version; a
    counsellor's edits wait in ``pending`` until an admin approves them
    (app/admin/services.py), so nothing unchecked is ever public."""

    __tablename__ = "counsellor_profiles"
    __table_args__ = (
        CheckConstraint("gender IN ('female', 'male', 'unsaid')", name="gender_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                         unique=True)
    display_name: Mapped[str] = mapped_column(String(40), default="")
    photo: Mapped[str] = mapped_column(String(64), default="")  # file name, or ""
    # [{"title": "国家二级心理咨询师", "number": "..."}]
    qualifications: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    specialties: Mapped[list[str]] = mapped_column(JSON, default=list)  # codes
    languages: Mapped[list[str]] = mapped_column(JSON, default=list)  # codes
    gender: Mapped[str] = mapped_column(String(8), default="unsaid")
    intro_zh: Mapped[str] = mapped_column(Text, default="")
    intro_en: Mapped[str] = mapped_column(Text, default="")
    published: Mapped[bool] = mapped_column(default=False)  # approved at least once
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                  ondelete="SET NULL"))
    # The counsellor's submitted changes (the same fields), awaiting an admin; None if none.
    pending: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_note: Mapped[str] = mapped_column(String(300), default="")  # why it was sent back
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def intro(self, locale: str) -> str:
        """The introduction in the reader's language (the other one when that is empty)."""
        first, second = ((self.intro_en, self.intro_zh) if locale.startswith("en")
                         else (self.intro_zh, self.intro_en))
        return first or second


class SessionMeeting(EncryptedRow, Model):
    """A video session's meeting link, sealed under its own data key.

    Only the counsellor of the session and people booked into it are shown the link
    (app/booking/meetings.py); the database holds it only sealed.
    """

    __tablename__ = "session_meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"),
                                            unique=True)
    data_key_id: Mapped[int | None] = mapped_column(ForeignKey("data_keys.id",
                                                               ondelete="SET NULL"))
    link = Encrypted()
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()
    own_key: Mapped[DataKey | None] = relationship()

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The row's own key: neither the counsellor's nor a worker's account owns the link."""
        if self.own_key is None and create:
            self.own_key = get_crypto().new_data_key()
        return self.own_key


class FeedbackGiven(Model):
    """That a booking's feedback was given (so it is asked once), never what was answered."""

    __tablename__ = "feedback_given"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"),
                                            unique=True)


class FeedbackStat(Model):
    """One session's feedback as a de-identified statistics row: no person, no booking, no
    counsellor, no exact time, a random key; so a counsellor can never tell whose it is."""

    __tablename__ = "feedback_stats"
    __table_args__ = (
        CheckConstraint("rating BETWEEN 1 AND 5", name="rating_range"),
        CheckConstraint("recommend IN ('yes', 'no', 'unsure')", name="recommend_known"),
    )

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    month: Mapped[str] = mapped_column(String(7), index=True)  # "YYYY-MM"
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="SET NULL"),
                                                  index=True)
    mode: Mapped[str] = mapped_column(String(10))
    rating: Mapped[int] = mapped_column(Integer)
    recommend: Mapped[str] = mapped_column(String(6))
