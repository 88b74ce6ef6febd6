"""The outbox: every email and SMS to send, sealed under its recipient's data key."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import Model
from app.security.crypto import Encrypted, EncryptedRow, get_crypto
from app.security.models import DataKey
from app.types import UTCDateTime, utcnow


class OutboxMessage(EncryptedRow, Model):
    """One message on one ``channel`` (``email``, ``sms``); ``payload`` is encrypted
    (email: address, subject, bodies, attachments; sms: number, template, parameters).

    ``dedupe_key`` makes enqueueing idempotent (e.g. one 24-hour reminder per booking).
    A runner claims due rows (``claim_token``) before sending; a claim older than the
    lease is taken to be from a crashed runner and may be claimed again.
    """

    __tablename__ = "outbox_messages"
    # ``notices.drop_unsent`` finds a key's variants (``key#...``) as a byte-order range: on
    # PostgreSQL through this index, whatever the database's collation (the unique index
    # compares in that collation). SQLite compares bytes, so its unique index serves.
    __table_args__ = (Index("ix_outbox_messages_dedupe_key_prefix", "dedupe_key",
                            postgresql_ops={"dedupe_key": "varchar_pattern_ops"}),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    data_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True
    )
    kind: Mapped[str] = mapped_column(String(40))
    channel: Mapped[str] = mapped_column(String(16), default="email", server_default="email",
                                         index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True)
    payload = Encrypted("json")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    send_after: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32), index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    failed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(120))

    user: Mapped[User | None] = relationship()
    own_key: Mapped[DataKey | None] = relationship()

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The recipient's data key (deleting the person shreds their unsent messages too),
        or the message's own key when there is no account yet (a sign-up code)."""
        if self.user is not None:
            return self.user.encryption_key(create=create)
        if self.own_key is None and create:
            self.own_key = get_crypto().new_data_key()
        return self.own_key
