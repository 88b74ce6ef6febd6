"""The "1+N" network of centres and the services they offer."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import db
from app.types import UTCDateTime, utcnow


class CentreKind(enum.StrEnum):
    """The city hub ("1") or a county/district centre (one of the "N")."""

    HUB = "hub"
    COUNTY = "county"


class ServiceKind(enum.StrEnum):
    """What happens in a session; decides defaults such as capacity."""

    INDIVIDUAL = "individual"
    GROUP = "group"
    RELAXATION = "relaxation"
    ASSESSMENT = "assessment"
    LECTURE = "lecture"


centre_services = Table(
    "centre_services",
    db.metadata,
    Column("centre_id", ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True),
    Column("service_id", ForeignKey("services.id", ondelete="CASCADE"), primary_key=True),
)


centre_staff = Table(
    "centre_staff",
    db.metadata,
    Column("centre_id", ForeignKey("centres.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True,
           index=True),
)


class Centre(db.Model):
    """A place where workers meet counsellors: the hub or a county centre."""

    __tablename__ = "centres"
    __table_args__ = (CheckConstraint("kind IN ('hub', 'county')", name="kind_known"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id"), index=True)
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    region_zh: Mapped[str] = mapped_column(String(40))
    region_en: Mapped[str] = mapped_column(String(60))
    address_zh: Mapped[str] = mapped_column(String(200))
    address_en: Mapped[str] = mapped_column(String(240))
    phone: Mapped[str] = mapped_column(String(40))
    hours_zh: Mapped[str] = mapped_column(String(200))
    hours_en: Mapped[str] = mapped_column(String(200))
    directions_zh: Mapped[str] = mapped_column(Text, default="")
    directions_en: Mapped[str] = mapped_column(Text, default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    parent: Mapped[Centre | None] = relationship(remote_side=[id], back_populates="children")
    children: Mapped[list[Centre]] = relationship(back_populates="parent")
    services: Mapped[list[Service]] = relationship(
        secondary=centre_services, back_populates="centres", order_by="Service.id"
    )
    # Counsellors and social workers who work here (a person may serve several centres).
    staff: Mapped[list[User]] = relationship(secondary=centre_staff, order_by="User.id")

    def localised(self, field: str, locale: str) -> str:
        """``name``, ``address``... in the reader's language (Chinese unless English)."""
        return getattr(self, f"{field}_{'en' if locale.startswith('en') else 'zh'}")


class Service(db.Model):
    """A kind of session a centre offers, with its booking rules."""

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('individual', 'group', 'relaxation', 'assessment', 'lecture')",
            name="kind_known",
        ),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    name_zh: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(160))
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    duration_minutes: Mapped[int] = mapped_column(Integer)
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    requires_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    cancellation_window_hours: Mapped[int] = mapped_column(Integer, default=24)
    min_notice_hours: Mapped[int] = mapped_column(Integer, default=2)
    horizon_days: Mapped[int] = mapped_column(Integer, default=30)
    buffer_minutes: Mapped[int] = mapped_column(Integer, default=10)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centres: Mapped[list[Centre]] = relationship(
        secondary=centre_services, back_populates="services"
    )

    def localised(self, field: str, locale: str) -> str:
        """``name`` or ``description`` in the reader's language."""
        return getattr(self, f"{field}_{'en' if locale.startswith('en') else 'zh'}")
