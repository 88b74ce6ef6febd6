"""Administration's own table: a checked staff CSV waiting for its admin's confirmation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.extensions import Model
from app.security.crypto import Encrypted, EncryptedRow, get_crypto
from app.security.models import DataKey
from app.types import UTCDateTime, utcnow


class StaffImportStash(EncryptedRow, Model):
    """The file between the dry run and the confirm, so the confirm form carries only the
    row's random ``uid``. Staff contact data: sealed under the row's own data key, shredded
    on import, and swept by the retention run once ``expires_at`` has passed."""

    __tablename__ = "staff_import_stashes"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                          index=True)
    data_key_id: Mapped[int | None] = mapped_column(
        ForeignKey("data_keys.id", ondelete="SET NULL"), index=True)
    csv = Encrypted()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    own_key: Mapped[DataKey | None] = relationship()

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The stash's own key: destroying it makes the file unreadable at once."""
        if self.own_key is None and create:
            self.own_key = get_crypto().new_data_key()
        return self.own_key
