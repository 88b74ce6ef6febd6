"""Courses of care: one worker with one counsellor, from the first individual session to
discharge, and the PHQ-9/GAD-7 results filled before each of its sessions."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import Consent, User
from app.booking.models import Booking, Centre
from app.extensions import Model
from app.screening.models import ScreeningResult
from app.security.crypto import Encrypted, EncryptedRow
from app.security.models import DataKey
from app.types import UTCDateTime, new_uid, utcnow


class CareCourse(EncryptedRow, Model):
    """An episode of care. Open until the counsellor discharges it or it lapses (no session
    for ``COURSE_LAPSE_WEEKS``). ``consent_id`` is the worker's consent to be asked for the
    measures in this course; without it nothing is asked."""

    __tablename__ = "care_courses"
    __table_args__ = (
        CheckConstraint("close_reason IS NULL OR close_reason IN ('discharged', 'lapsed')",
                        name="close_reason_known"),
        # One open course per worker and counsellor, enforced by the database.
        Index("uq_care_courses_open", "worker_id", "counsellor_id", unique=True,
              sqlite_where=text("closed_at IS NULL"),
              postgresql_where=text("closed_at IS NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           index=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    # The first booking: its request time and session time are the access statistics.
    first_booking_id: Mapped[int | None] = mapped_column(
        ForeignKey("bookings.id", ondelete="SET NULL"))
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    close_reason: Mapped[str | None] = mapped_column(String(12))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id",
                                                              ondelete="SET NULL"))
    # The discharge questionnaire was answered (its answers are only statistics).
    experience_given: Mapped[bool] = mapped_column(default=False, server_default="0")
    # The answers themselves, only when the worker ticked "let my counsellor see my
    # answers": sealed under the worker's key (erasing them erases these too).
    experience = Encrypted("json")

    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    counsellor: Mapped[User] = relationship(foreign_keys=[counsellor_id])
    centre: Mapped[Centre] = relationship()
    first_booking: Mapped[Booking | None] = relationship()
    consent: Mapped[Consent | None] = relationship()

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The worker's data key."""
        return self.worker.encryption_key(create)

    @property
    def measuring(self) -> bool:
        """Whether the worker agreed (and has not withdrawn) to be asked in this course."""
        return self.consent is not None and self.consent.withdrawn_at is None


class CourseMeasure(Model):
    """One questionnaire filled before one session of a course. The scores themselves are a
    ``ScreeningResult``, sealed under the worker's key like every other result."""

    __tablename__ = "course_measures"
    __table_args__ = (
        UniqueConstraint("booking_id", "instrument", name="uq_course_measures_booking"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("care_courses.id", ondelete="CASCADE"),
                                           index=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"))
    instrument: Mapped[str] = mapped_column(String(20))
    result_id: Mapped[int] = mapped_column(ForeignKey("screening_results.id",
                                                      ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course: Mapped[CareCourse] = relationship()
    booking: Mapped[Booking] = relationship()
    result: Mapped[ScreeningResult] = relationship()
