"""The "1+N" network of centres and the services they offer."""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    Time,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.accounts.models import User
from app.extensions import Model, db
from app.types import UTCDateTime, new_uid, utcnow


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


class Mode(enum.StrEnum):
    """How people meet: at the centre, by phone, or by video on an existing meeting platform."""

    IN_PERSON = "in_person"
    PHONE = "phone"
    VIDEO = "video"


_MODES_SQL = "mode IN ('in_person', 'phone', 'video')"


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


class Centre(Model):
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


class Service(Model):
    """A kind of session a centre offers, with its booking rules."""

    __tablename__ = "services"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('individual', 'group', 'relaxation', 'assessment', 'lecture')",
            name="kind_known",
        ),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint(_MODES_SQL, name="mode_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    mode: Mapped[str] = mapped_column(String(10), default=Mode.IN_PERSON.value,
                                      server_default=Mode.IN_PERSON.value)
    # Video services: an https address on an existing meeting platform, where ``{room}``
    # becomes a random room name per session (self-hosted Jitsi Meet); empty when the
    # counsellor types each session's link (Tencent Meeting / VooV).
    meeting_url_template: Mapped[str] = mapped_column(String(300), default="",
                                                      server_default="")
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


class CatalogueChange(Model):
    """One flush that wrote centres or services; the newest row versions the catalogue."""

    __tablename__ = "catalogue_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SessionStatus(enum.StrEnum):
    """A session runs as scheduled or was called off by staff."""

    SCHEDULED = "scheduled"
    CANCELLED = "cancelled"


class BookingStatus(enum.StrEnum):
    """Where a booking stands; the first four hold a seat."""

    REQUESTED = "requested"
    CONFIRMED = "confirmed"
    CHECKED_IN = "checked_in"
    ATTENDED = "attended"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"
    LATE_CANCELLED = "late_cancelled"


# Statuses in which a booking holds its seat (and counts as the person's one booking).
ACTIVE_BOOKING = (BookingStatus.REQUESTED, BookingStatus.CONFIRMED, BookingStatus.CHECKED_IN,
                  BookingStatus.ATTENDED, BookingStatus.NO_SHOW)
ACTIVE_SQL = "status IN (" + ", ".join(f"'{s.value}'" for s in ACTIVE_BOOKING) + ")"


class WaitStatus(enum.StrEnum):
    """A waitlist place: waiting, holding an offer, or finished."""

    WAITING = "waiting"
    OFFERED = "offered"
    ACCEPTED = "accepted"
    EXPIRED = "expired"
    LEFT = "left"


class Availability(Model):
    """A counsellor's weekly hours at one centre for one service, in Shanghai local time."""

    __tablename__ = "availability"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_valid"),
        CheckConstraint("start_time < end_time", name="times_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"),
                                           index=True)
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id", ondelete="CASCADE"))
    weekday: Mapped[int] = mapped_column(Integer)  # Monday is 0, as in date.weekday()
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date)
    room: Mapped[str] = mapped_column(String(60), default="")
    room_en: Mapped[str] = mapped_column(String(60), default="", server_default="")

    counsellor: Mapped[User] = relationship()
    centre: Mapped[Centre] = relationship()
    service: Mapped[Service] = relationship()


class AvailabilityException(Model):
    """Leave or a holiday (no sessions then), or one-off extra hours at a centre."""

    __tablename__ = "availability_exceptions"
    __table_args__ = (
        CheckConstraint("kind IN ('leave', 'extra')", name="kind_known"),
        CheckConstraint("starts_at < ends_at", name="times_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"),
                                               index=True)
    kind: Mapped[str] = mapped_column(String(10))
    centre_id: Mapped[int | None] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    service_id: Mapped[int | None] = mapped_column(ForeignKey("services.id",
                                                              ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)

    centre: Mapped[Centre | None] = relationship()
    service: Mapped[Service | None] = relationship()


class Session(Model):
    """One bookable occurrence. ``booked`` counts held seats; the database keeps it in range.

    On PostgreSQL the migration adds an exclusion constraint so that one counsellor's
    scheduled sessions never overlap (Alembic does not compare it; see 0003_booking).
    """

    __tablename__ = "sessions"
    __table_args__ = (
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_in_range"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("starts_at < ends_at", name="times_ordered"),
        CheckConstraint("status IN ('scheduled', 'cancelled')", name="status_known"),
        CheckConstraint(f"mode IS NULL OR {_MODES_SQL}", name="mode_known"),
        Index("ix_sessions_centre_start", "centre_id", "starts_at"),
        Index("ix_sessions_counsellor_start", "counsellor_id", "starts_at"),
        # Every list of bookable sessions reads scheduled ones by start (bookable.py): the
        # day's, the week's, and the earliest, which walks this in order and stops early.
        Index("ix_sessions_scheduled_start", "starts_at", "id",
              sqlite_where=text("status = 'scheduled'"),
              postgresql_where=text("status = 'scheduled'")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id"))
    service_id: Mapped[int] = mapped_column(ForeignKey("services.id"), index=True)
    counsellor_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    room: Mapped[str] = mapped_column(String(60), default="")
    room_en: Mapped[str] = mapped_column(String(60), default="", server_default="")
    # The room as an object (see Room): two scheduled sessions never share one at once.
    room_id: Mapped[int | None] = mapped_column(ForeignKey("rooms.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str] = mapped_column(String(12), default=SessionStatus.SCHEDULED.value)
    generated: Mapped[bool] = mapped_column(Boolean, default=False)  # from availability
    # None: the service's mode (see ``meeting_mode``); set only where one session differs.
    mode: Mapped[str | None] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre: Mapped[Centre] = relationship()
    service: Mapped[Service] = relationship()
    counsellor: Mapped[User] = relationship()
    room_row: Mapped[Room | None] = relationship()

    @property
    def meeting_mode(self) -> str:
        """``in_person``, ``phone`` or ``video``: the session's own, else its service's."""
        return self.mode or self.service.mode or Mode.IN_PERSON.value

    @property
    def free(self) -> int:
        """Seats nobody holds."""
        return max(self.capacity - self.booked, 0)

    def room_name(self, locale: str) -> str:
        """The room in the reader's language (see ``room_name``)."""
        return room_name(self, locale)


def room_name(row: Availability | Session, locale: str) -> str:
    """The room in the reader's language: the English name for English readers when one was
    given, else the Chinese (rooms are free text; many have no English name)."""
    if locale.startswith("en") and row.room_en:
        return row.room_en
    return row.room or ""


class Booking(Model):
    """A person's place in a session. Pages address it by ``uid``, never the sequential id.

    The partial unique index lets a person hold one active booking per session while
    keeping any number of cancelled ones (it works on SQLite and PostgreSQL alike).
    """

    __tablename__ = "bookings"
    __table_args__ = (
        CheckConstraint("status IN ('requested', 'confirmed', 'checked_in', 'attended', "
                        "'no_show', 'cancelled', 'late_cancelled')", name="status_known"),
        Index("uq_bookings_active_person_session", "session_id", "user_id", unique=True,
              sqlite_where=text(ACTIVE_SQL), postgresql_where=text(ACTIVE_SQL)),
        # A person's bookings by status: every booking's standing and limit checks read the
        # person's upcoming ones only, not the cancelled and attended ones a regular gathers
        # over the years (bench/README.md Step 15d). It also serves lookups by person alone.
        Index("ix_bookings_user_status", "user_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The calendar entry's revision (RFC 5545 SEQUENCE): raised by every change the person
    # is emailed about, so calendar apps update the one event instead of adding another.
    sequence: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    session: Mapped[Session] = relationship()
    user: Mapped[User] = relationship()

    @property
    def active(self) -> bool:
        """True while the booking holds a seat."""
        return self.status in ACTIVE_BOOKING


class WaitlistEntry(Model):
    """A person waiting for a seat in a full session; an offer holds a seat until it expires."""

    __tablename__ = "waitlist_entries"
    __table_args__ = (
        CheckConstraint("status IN ('waiting', 'offered', 'accepted', 'expired', 'left')",
                        name="status_known"),
        Index("uq_waitlist_open_person_session", "session_id", "user_id", unique=True,
              sqlite_where=text("status IN ('waiting', 'offered')"),
              postgresql_where=text("status IN ('waiting', 'offered')")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10), default=WaitStatus.WAITING.value)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    offered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    offer_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    session: Mapped[Session] = relationship()
    user: Mapped[User] = relationship()


class Room(Model):
    """A room of a centre, as an object: its capacity and step-free access are facts that
    scheduling checks, and on PostgreSQL migration 0022_events adds an exclusion constraint
    so that two scheduled sessions never hold one room at overlapping times."""

    __tablename__ = "rooms"
    __table_args__ = (
        UniqueConstraint("centre_id", "name_zh", name="uq_rooms_centre_name"),
        CheckConstraint("capacity > 0", name="capacity_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"),
                                           index=True)
    name_zh: Mapped[str] = mapped_column(String(60))
    name_en: Mapped[str] = mapped_column(String(60), default="", server_default="")
    capacity: Mapped[int] = mapped_column(Integer, default=1)
    accessible: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default="1")

    centre: Mapped[Centre] = relationship()

    def localised(self, field: str, locale: str) -> str:
        """The name in the reader's language (the Chinese when no English was given)."""
        if locale.startswith("en") and self.name_en:
            return self.name_en
        return self.name_zh


class CentreClosure(Model):
    """Whole days a centre is shut (a public holiday, 春节, a typhoon day).

    The local days are kept for people; ``starts_at``/``ends_at`` are the same span in UTC
    (local midnight to midnight), so that the bookable rule and scheduling compare it with
    sessions in SQL. One row per centre and span: loading a calendar twice adds nothing.
    """

    __tablename__ = "centre_closures"
    __table_args__ = (
        UniqueConstraint("centre_id", "first_day", "last_day", name="uq_closures_centre_days"),
        CheckConstraint("first_day <= last_day", name="days_ordered"),
        CheckConstraint("starts_at < ends_at", name="times_ordered"),
        Index("ix_closures_centre_start", "centre_id", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    centre_id: Mapped[int] = mapped_column(ForeignKey("centres.id", ondelete="CASCADE"))
    first_day: Mapped[date] = mapped_column(Date)
    last_day: Mapped[date] = mapped_column(Date)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason_zh: Mapped[str] = mapped_column(String(120))
    reason_en: Mapped[str] = mapped_column(String(160), default="", server_default="")
    source: Mapped[str] = mapped_column(String(120), default="", server_default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id",
                                                                 ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    centre: Mapped[Centre] = relationship()

    def reason(self, locale: str) -> str:
        """The reason in the reader's language (the Chinese when no English was given)."""
        if locale.startswith("en") and self.reason_en:
            return self.reason_en
        return self.reason_zh


class EventKind(enum.StrEnum):
    """What an event is, for the filters of ``/events``."""

    LECTURE = "lecture"        # 公益讲座
    GROUP = "group"            # 团体减压
    RELAXATION = "relaxation"  # 放松训练
    FAMILY = "family"          # 亲子活动
    WORKSHOP = "workshop"      # workshop at an enterprise's 职工之家


class EventPlace(enum.StrEnum):
    """Where an event happens."""

    CENTRE = "centre"
    SITE = "site"      # an enterprise's site (职工之家)
    ONLINE = "online"


class Event(Model):
    """A public event with its own page: the details people read, on top of one Session.

    Why a session and not a model of its own: an event has a time, a leader, seats, a
    waiting list, reminders, cancellation and attendance, and the booking state machine
    (app/booking/transitions.py) already does all of those once, with the race-safe seat
    count, the calendar file and the de-identified statistics reports read. So registering
    is booking the event's session, and checking in is the "attended" move. What a session
    lacks (a title, a speaker, the audience, a place that may be an enterprise site or
    online, a registration window and tags) lives here; the session's ``counsellor_id`` is
    the facilitator who leads it, and the bookable rule (bookable.py) honours the window.
    """

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("kind IN ('lecture', 'group', 'relaxation', 'family', 'workshop')",
                        name="kind_known"),
        CheckConstraint("place IN ('centre', 'site', 'online')", name="place_known"),
        CheckConstraint("registration_opens_at < registration_closes_at",
                        name="window_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    uid: Mapped[str] = mapped_column(String(32), unique=True, default=new_uid)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id"), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    title_zh: Mapped[str] = mapped_column(String(120))
    title_en: Mapped[str] = mapped_column(String(160), default="")
    description_zh: Mapped[str] = mapped_column(Text, default="")
    description_en: Mapped[str] = mapped_column(Text, default="")
    speaker: Mapped[str] = mapped_column(String(120), default="")
    audience_zh: Mapped[str] = mapped_column(String(200), default="")
    audience_en: Mapped[str] = mapped_column(String(200), default="")
    place: Mapped[str] = mapped_column(String(10), default=EventPlace.CENTRE.value)
    site_zh: Mapped[str] = mapped_column(String(200), default="")  # the enterprise's address
    site_en: Mapped[str] = mapped_column(String(200), default="")
    online_url: Mapped[str] = mapped_column(String(300), default="")
    registration_opens_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registration_closes_at: Mapped[datetime] = mapped_column(UTCDateTime)
    tags: Mapped[str] = mapped_column(String(200), default="")  # comma-separated, lower case
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    session: Mapped[Session] = relationship()

    def localised(self, field: str, locale: str) -> str:
        """``title``, ``description``, ``audience`` or ``site`` in the reader's language."""
        english = getattr(self, f"{field}_en")
        return english if locale.startswith("en") and english else getattr(self, f"{field}_zh")

    @property
    def tag_list(self) -> list[str]:
        """The tags, in the order given."""
        return [t for t in (x.strip() for x in self.tags.split(",")) if t]
