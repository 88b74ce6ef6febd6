"""Events: finding them, registering (booking the event's session), checking in.

Registration, the waiting list, cancellation, reminders and attendance are booking moves
(app/booking/bookings.py and transitions.py): an event is a session with a public page
(see ``Event``). This module adds what only events have: the filters of the list, who may
lead an event, and the signed, expiring check-in link the QR code carries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import segno
from flask import current_app
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import or_, select

from app import audit
from app.accounts.models import User
from app.booking import bookings
from app.booking.models import (
    ACTIVE_BOOKING,
    Booking,
    Event,
    EventKind,
    EventPlace,
    Session,
    SessionStatus,
)
from app.domain import DomainError
from app.extensions import db
from app.security.roles import Role
from app.security.scope import centres_in_scope
from app.types import utcnow

CHECK_IN_SALT = "xinqing.event-check-in"
CHECK_IN_AFTER_END = timedelta(hours=1)  # the code still works this long after the end
LEADERS = (Role.FACILITATOR, Role.COUNSELLOR)


class EventError(DomainError):
    """An event action refused; ``message`` is translated for the reader."""


@dataclass(frozen=True)
class Filters:
    """The list's filters, each optional (unknown values are ignored, never an error)."""

    kind: str = ""
    place: str = ""
    centre: str = ""  # a centre's code
    tag: str = ""

    @classmethod
    def from_args(cls, args) -> Filters:
        """From the query string, keeping only values the list knows."""
        kind = args.get("kind", "")
        place = args.get("place", "")
        return cls(kind=kind if kind in set(EventKind) else "",
                   place=place if place in set(EventPlace) else "",
                   centre=(args.get("centre", "") or "")[:40],
                   tag=(args.get("tag", "") or "").strip().lower()[:40])


def upcoming(filters: Filters, now: datetime | None = None) -> list[Event]:
    """Scheduled events not yet started, soonest first, matching the filters."""
    from app.booking.models import Centre

    now = now or utcnow()
    query = (select(Event).join(Session, Event.session_id == Session.id)
             .where(Session.status == SessionStatus.SCHEDULED.value, Session.starts_at > now)
             .order_by(Session.starts_at, Event.id))
    if filters.kind:
        query = query.where(Event.kind == filters.kind)
    if filters.place:
        query = query.where(Event.place == filters.place)
    if filters.centre:
        query = query.join(Centre, Centre.id == Session.centre_id).where(
            Centre.code == filters.centre)
    events = list(db.session.scalars(query.limit(200)))
    if filters.tag:
        events = [e for e in events if filters.tag in e.tag_list]
    return events


def all_tags(now: datetime | None = None) -> list[str]:
    """The tags of upcoming events, for the filter."""
    return sorted({t for e in upcoming(Filters(), now) for t in e.tag_list})


def find(uid: str) -> Event | None:
    """An event by its uid (None for an unknown one or a called-off one)."""
    event = db.session.scalar(select(Event).where(Event.uid == uid))
    if event is None or event.session.status != SessionStatus.SCHEDULED.value:
        return None
    return event


def may_lead(user: User, event: Event) -> bool:
    """The event's own facilitator (or counsellor), or an admin of its centre; nobody else."""
    if not getattr(user, "is_authenticated", False):
        return False
    if centres_in_scope(user, Role.ADMIN).covers(event.session.centre_id):
        return True
    return event.session.counsellor_id == user.id and user.has_role(*LEADERS)


def led_by(user: User, now: datetime | None = None) -> list[Event]:
    """Upcoming events the person leads (an admin: all of their centres')."""
    now = now or utcnow()
    query = (select(Event).join(Session, Event.session_id == Session.id)
             .where(Session.status == SessionStatus.SCHEDULED.value,
                    Session.ends_at > now - CHECK_IN_AFTER_END).order_by(Session.starts_at))
    scope = centres_in_scope(user, Role.ADMIN)
    if not scope.everywhere:
        query = query.where(or_(Session.counsellor_id == user.id,
                                Session.centre_id.in_(scope.centre_ids or {-1})))
    return list(db.session.scalars(query))


def registration(user: User, event: Event) -> Booking | None:
    """The person's seat-holding booking of the event, if any."""
    if not getattr(user, "is_authenticated", False):
        return None
    return bookings.active_booking(user, event.session_id)


def registration_open(event: Event, now: datetime | None = None) -> bool:
    """Whether the window is open now (the bookable rule also checks the rest)."""
    now = now or utcnow()
    return event.registration_opens_at <= now < event.registration_closes_at


# -- the check-in link ----------------------------------------------------------------------
def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=CHECK_IN_SALT)


def check_in_token(event: Event) -> str:
    """A signed token naming the event and when it stops working (an hour after the end)."""
    expires = event.session.ends_at + CHECK_IN_AFTER_END
    return str(_serializer().dumps({"e": event.uid, "x": int(expires.timestamp())}))


def event_of_token(token: str, now: datetime | None = None) -> Event:
    """The event a check-in token names; EventError when forged, expired or called off."""
    now = now or utcnow()
    try:
        data = _serializer().loads(token[:400])
    except BadSignature:
        raise EventError(_l("This check-in code is not valid.")) from None
    if not isinstance(data, dict) or not isinstance(data.get("x"), int):
        raise EventError(_l("This check-in code is not valid."))
    event = find(str(data.get("e", "")))
    if event is None:
        raise EventError(_l("This check-in code is not valid."))
    if now.timestamp() > data["x"]:
        raise EventError(_l("This check-in code has expired."))
    return event


def qr_svg(url: str) -> str:
    """The QR code of ``url`` as an SVG data URI, made here (no outside service)."""
    return str(segno.make(url, error="m").svg_data_uri(scale=6, border=4))


def check_in(user: User, event: Event, now: datetime | None = None) -> Booking:
    """The registered person checks themselves in (the "attended" move, counted in the
    reports); EventError when they hold no seat, it is too early, or it was done already."""
    now = now or utcnow()
    booking = registration(user, event)
    if booking is None:
        raise EventError(_l("You are not registered for this event."))
    return _mark_attended(user, booking, _l("You are already checked in."), now)


def _mark_attended(actor: User, booking: Booking, already: object, now: datetime | None) -> Booking:
    """The one "attended" move for self check-in and the facilitator's tick alike, so both
    refuse a second mark the same way and count once in the reports."""
    if booking.status == "attended":
        raise EventError(already)
    try:
        bookings.record(actor, booking, "attended", now)
    except bookings.BookingError as exc:
        raise EventError(exc.message) from exc
    return booking


# -- the facilitator's list -----------------------------------------------------------------
def roster(actor: User, event: Event) -> list[Booking]:
    """The people holding a seat, for the facilitator to tick (the read is audited)."""
    return _roster(actor, event.session_id, f"events:{event.uid}")


def _roster(actor: User, session_id: int, target: str) -> list[Booking]:
    rows = list(db.session.scalars(select(Booking).where(
        Booking.session_id == session_id,
        or_(*[Booking.status == s.value for s in ACTIVE_BOOKING])).order_by(Booking.id)))
    audit.record(actor, "event.roster_viewed", target, {"people": len(rows)})
    db.session.commit()
    return rows


def tick(actor: User, event: Event, booking_uid: str, now: datetime | None = None) -> Booking:
    """The facilitator marks one registered person as attended."""
    return _tick(actor, event.session_id, booking_uid, now)


def _tick(actor: User, session_id: int, booking_uid: str,
          now: datetime | None = None) -> Booking:
    booking = db.session.scalar(select(Booking).where(Booking.uid == booking_uid,
                                                      Booking.session_id == session_id))
    if booking is None:
        raise EventError(_l("This person is not registered for this event."))
    return _mark_attended(actor, booking, _l("Already marked as attended."), now)


# -- plain group sessions a facilitator leads -------------------------------------------------
# A facilitator may lead a group session (group stress relief, relaxation training) that has
# no event page; they see its list and tick who came, here, and never the counsellor's
# workspace (notes, results, the risk queue: app/counselling is counsellors' only).
def led_sessions(user: User, now: datetime | None = None) -> list[Session]:
    """Upcoming plain group sessions (no event page) the facilitator leads, soonest first."""
    if not user.has_role(Role.FACILITATOR):
        return []
    now = now or utcnow()
    return list(db.session.scalars(
        select(Session).outerjoin(Event, Event.session_id == Session.id)
        .where(Event.id.is_(None), Session.counsellor_id == user.id,
               Session.status == SessionStatus.SCHEDULED.value,
               Session.ends_at > now - CHECK_IN_AFTER_END).order_by(Session.starts_at)))


def led_session(user: User, session_id: int) -> Session | None:
    """A plain session the person leads as a facilitator (None for anything else)."""
    session = db.session.get(Session, session_id)
    if (session is None or session.status != SessionStatus.SCHEDULED.value
            or session.counsellor_id != user.id or not user.has_role(Role.FACILITATOR)
            or db.session.scalar(select(Event.id).where(Event.session_id == session.id))):
        return None
    return session


def session_roster(actor: User, session: Session) -> list[Booking]:
    """Who holds a seat in the facilitator's session (the read is audited)."""
    return _roster(actor, session.id, f"sessions:{session.id}")


def tick_session(actor: User, session: Session, booking_uid: str,
                 now: datetime | None = None) -> Booking:
    """The facilitator marks one booked person as attended."""
    return _tick(actor, session.id, booking_uid, now)
