"""Enterprise event requests (点单式服务): an enterprise's union asks a centre for an event.

Who may ask: any signed-in worker account, saying which enterprise they speak for. Why not
a separate "union contact" account type or an anonymous form: the account already has a
verified mobile number or email (registration checks one), so the centre can reach the
person and the outbox can tell them the answer on their own channels, and no admin step
is needed before a union can ask. What the account does not prove is that the person
speaks for the enterprise's union; the centre checks that when it calls back, before it
accepts (the request page says so), on the union office's phone given with the request.
A request never creates anything by itself: only a centre admin's acceptance schedules
an event.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.booking.models import Centre, Event, Service
from app.extensions import Model
from app.security.crypto import Encrypted, EncryptedRow
from app.security.models import DataKey
from app.types import UTCDateTime, new_uid, utcnow


class RequestStatus(enum.StrEnum):
    """Where a request stands: waiting for the centre, accepted (an event exists), declined."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class EventRequest(EncryptedRow, Model):
    """One enterprise's request for an event from a centre's menu, on proposed dates."""

    __tablename__ = "event_requests"
    __table_args__ = (
        CheckConstraint("status IN ('pending', 'accepted', 'declined')", name="status_known"),
        CheckConstraint("audience_size > 0", name="audience_positive"),
        Index("ix_event_requests_centre_status", "centre_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"))
    requester_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                              index=True)
    enterprise: Mapped[str] = mapped_column(String(120))
    site: Mapped[str] = mapped_column(String(200))
    # The union office's phone the centre calls back, and the requester's free-text note:
    # typed by a person, so sealed under the requester's own data key (erasing the account
    # shreds them). The account's own contact details stay hidden from admins, as everywhere.
    phone = Encrypted()
    audience_size: Mapped[int] = mapped_column(Integer)
    first_choice: Mapped[date] = mapped_column(Date)
    second_choice: Mapped[date | None] = mapped_column(Date)
    note = Encrypted()
    status: Mapped[str] = mapped_column(String(10), default=RequestStatus.PENDING.value)
    reason: Mapped[str] = mapped_column(String(300), default="")  # why it was declined
    event_id: Mapped[int | None] = mapped_column(ForeignKey("events.id", ondelete="SET NULL"))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre: Mapped[Centre] = relationship()
    service: Mapped[Service] = relationship()
    requester: Mapped[User] = relationship(foreign_keys=[requester_id])
    event: Mapped[Event | None] = relationship()

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The requester's key: the request is theirs, and goes with their account."""
        return self.requester.encryption_key(create)
