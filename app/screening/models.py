"""Screening results (encrypted), de-identified statistics and risk follow-up items."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import Model
from app.security.crypto import Encrypted, EncryptedRow, get_crypto
from app.security.models import DataKey
from app.types import UTCDateTime, new_uid, utcnow


class ScreeningResult(EncryptedRow, Model):
    """One completed questionnaire; everything about the answers is sealed in ``data``.

    A signed-in person's result is sealed under their own data key; an anonymous one gets a
    data key of its own, so purging it (row and key) shreds it for good.
    """

    __tablename__ = "screening_results"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    data_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    instrument: Mapped[str] = mapped_column(String(20))
    version: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    # SHA-256 of the anonymous retrieval code; the code itself is shown once, never stored.
    retrieval_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    data = Encrypted("json")  # answers, extra, total, min, max, band, flags, subscales, crisis

    user: Mapped[User | None] = relationship()
    own_key: Mapped[DataKey | None] = relationship()

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The owner's data key, or the result's own key when anonymous."""
        if self.user is not None:
            return self.user.encryption_key(create)
        if self.own_key is None and create:
            self.own_key = get_crypto().new_data_key()
        return self.own_key


class ScreeningStat(Model):
    """A de-identified count row for reports: no person, no exact time, a random key."""

    __tablename__ = "screening_stats"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_uid)
    instrument: Mapped[str] = mapped_column(String(20), index=True)
    band: Mapped[str] = mapped_column(String(30))
    month: Mapped[str] = mapped_column(String(7), index=True)  # "YYYY-MM"
    centre_id: Mapped[int | None] = mapped_column(
        ForeignKey("centres.id", ondelete="SET NULL"), index=True
    )
    region: Mapped[str | None] = mapped_column(String(60))
    age_band: Mapped[str | None] = mapped_column(String(20))
    sector: Mapped[str | None] = mapped_column(String(30))
    # True when the same person had an earlier result of this instrument (set at write time;
    # anonymous results are never known to be repeats).
    repeat: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class RiskItem(EncryptedRow, Model):
    """A request to be contacted after a crisis answer; open until a counsellor resolves it."""

    __tablename__ = "risk_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    data_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    contact = Encrypted("json")  # phone, best time, instrument, flags
    outcome = Encrypted()
    # How soon a counsellor must reach the person: "urgent", "high" or "standard"
    # (set from the follow-up answers; see the triage rules in assessments).
    triage: Mapped[str] = mapped_column(String(10), default="standard",
                                        server_default="standard", index=True)
    # The result that raised the item, when there is one; one open item per result.
    result_id: Mapped[int | None] = mapped_column(
        ForeignKey("screening_results.id", ondelete="SET NULL"), index=True
    )
    # When first contact is due (the centre's opening hours and the triage target).
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The safety loop (app/counselling/risk_queue.py): when a counsellor first reached the
    # person, when the item was escalated to the hub's lead counsellors, and, for a person
    # who deleted their account, when the open item is shredded at the latest.
    first_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    escalated_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    shred_after: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    own_key: Mapped[DataKey | None] = relationship()

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """Always the item's own key: counsellors read it without touching the person's key."""
        if self.own_key is None and create:
            self.own_key = get_crypto().new_data_key()
        return self.own_key
