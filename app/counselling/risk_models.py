"""The follow-up of a risk item: its steps (sealed) and the hub's lead counsellors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import Model, db
from app.screening.models import RiskItem
from app.security.crypto import Encrypted, EncryptedRow
from app.security.models import DataKey
from app.types import UTCDateTime, utcnow

# Counsellors who receive escalations for a hub and every centre under it.
risk_leads = Table(
    "risk_leads",
    db.metadata,
    Column("centre_id", ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class RiskStep(EncryptedRow, Model):
    """One thing that happened to a risk item: an attempt, reaching the person, a referral,
    closing it, or the system's escalation. What was said is sealed under the item's key,
    so shredding the item shreds its history too."""

    __tablename__ = "risk_steps"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("risk_items.id", ondelete="CASCADE"),
                                         index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(12))  # attempted|reached|referred|closed|escalated
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail = Encrypted("json")  # {"result"|"to"|"outcome": code, "note": text}

    item: Mapped[RiskItem] = relationship()
    author: Mapped[User | None] = relationship()

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The item's own key: the step goes wherever the item goes."""
        return self.item.encryption_key(create)
