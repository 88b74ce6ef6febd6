"""Library items and their versions.

An item (one language, article or audio) has many versions; ``published_version_id`` names
the one readers see, so a new draft can be written and reviewed while the published text
stays up. Nothing here names a reader: reads are counted per item and month only
(``LibraryUse``, de-identified).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import Model
from app.types import UTCDateTime, new_uid, utcnow

ARTICLE, AUDIO = "article", "audio"
KINDS = (ARTICLE, AUDIO)
LANGS = ("zh", "en")
DRAFT, REVIEW, PUBLISHED, SUPERSEDED = "draft", "review", "published", "superseded"


class LibraryItem(Model):
    """One article or audio exercise in one language; its text lives in versions."""

    __tablename__ = "library_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    kind: Mapped[str] = mapped_column(String(10))
    lang: Mapped[str] = mapped_column(String(5), index=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("library_versions.id", use_alter=True, ondelete="SET NULL"))

    published: Mapped[LibraryVersion | None] = relationship(
        foreign_keys=[published_version_id], post_update=True)
    versions: Mapped[list[LibraryVersion]] = relationship(
        back_populates="item", foreign_keys="LibraryVersion.item_id",
        order_by="LibraryVersion.number")


class LibraryVersion(Model):
    """One wording of an item: draft, in review, published or superseded."""

    __tablename__ = "library_versions"
    __table_args__ = (UniqueConstraint("item_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("library_items.id", ondelete="CASCADE"),
                                         index=True)
    number: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), index=True, default=DRAFT)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(String(500), default="")
    body_md: Mapped[str] = mapped_column(Text, default="")
    body_html: Mapped[str] = mapped_column(Text, default="")
    transcript: Mapped[str] = mapped_column(Text, default="")
    tags: Mapped[str] = mapped_column(String(1000), default="")  # " tag1 tag2 " for LIKE
    search_text: Mapped[str] = mapped_column(Text, default="")
    audio_file: Mapped[str | None] = mapped_column(String(64))
    audio_seconds: Mapped[int | None] = mapped_column(Integer)
    placeholder_voice: Mapped[bool] = mapped_column(default=False)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"),
                                                  index=True)
    reviewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    item: Mapped[LibraryItem] = relationship(back_populates="versions",
                                             foreign_keys=[item_id])
    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])

    @property
    def tag_list(self) -> list[str]:
        """The tags, in the order they were given."""
        return self.tags.split()
