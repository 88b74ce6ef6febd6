"""Session notes: sealed under the worker's data key, readable by their author only."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.booking.models import Booking
from app.extensions import Model
from app.security.crypto import Encrypted, EncryptedRow
from app.security.models import DataKey
from app.types import UTCDateTime, new_uid, utcnow

# The longest note a counsellor may save (characters): the form, the page's counter and the
# service all read it from here.
NOTE_MAX_CHARS = 10_000


class SessionNote(EncryptedRow, Model):
    """A counsellor's note on one booking.

    Sealed under the worker's key, so deleting the worker's account shreds the notes too.
    """

    __tablename__ = "session_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("bookings.id", ondelete="CASCADE"),
                                            index=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    body = Encrypted()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    booking: Mapped[Booking] = relationship()
    worker: Mapped[User] = relationship(foreign_keys=[worker_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])

    def encryption_key(self, create: bool = False) -> DataKey | None:
        """The worker's data key (the note is about them)."""
        return self.worker.encryption_key(create=create) if self.worker else None


class NoteHandover(Model):
    """A counsellor's request to pass their notes on a worker to a colleague.

    Nothing is shared until the worker agrees (``agreed_at``); a declined request stays
    as a record that it was asked.
    """

    __tablename__ = "note_handovers"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    worker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                           index=True)
    from_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    to_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    from_counsellor: Mapped[User] = relationship(foreign_keys=[from_id])
    to_counsellor: Mapped[User] = relationship(foreign_keys=[to_id])
