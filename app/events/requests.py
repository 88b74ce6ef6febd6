"""Enterprise event requests (点单式服务): the requester's side and the notices.

A union contact picks a centre, one service from its menu (its group services: group
stress relief, relaxation training, lectures), proposes one or two dates, the site and
the audience size. The centre's admin answers in app/admin/event_requests.py, where the
scope is checked; the requester is told the answer through the outbox on their own
channels. Who may ask, and why, is in app/events/models.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app import audit
from app.accounts.models import User
from app.booking import bookings, mail
from app.booking.labels import when
from app.booking.models import Centre, Service, ServiceKind
from app.booking.scheduling import local_zone
from app.domain import DomainError
from app.events.models import EventRequest, RequestStatus
from app.extensions import db
from app.notifications.notices import Notice, deliver
from app.types import utcnow

MENU_KINDS = (ServiceKind.GROUP.value, ServiceKind.RELAXATION.value, ServiceKind.LECTURE.value)
EARLIEST = timedelta(days=7)   # a centre needs a week to staff an event at a site
LATEST = timedelta(days=365)
MAX_PENDING = 3                # per person: more is a mistake or a flood, not a programme
MAX_AUDIENCE = 500
PHONE = re.compile(r"\+?[0-9][0-9 \-]{5,38}")


class RequestError(DomainError):
    """A request refused; ``field`` names the form field the message belongs to."""

    def __init__(self, message: object, field: str | None = None) -> None:
        super().__init__(message)
        self.errors: dict[str, object] = {field: message} if field else {}

    @property
    def field(self) -> str | None:
        """The form field of the message."""
        return next(iter(self.errors), None)


@dataclass(frozen=True)
class Proposal:
    """What the union contact fills in."""

    centre_id: int
    service_id: int
    enterprise: str
    site: str
    phone: str
    audience_size: int
    first_choice: date
    second_choice: date | None = None
    note: str = ""


def menu(centre: Centre) -> list[Service]:
    """The centre's services a union may order for its site (group kinds, open ones)."""
    return [s for s in centre.services if s.active and s.kind in MENU_KINDS]


def centres_with_menu() -> list[Centre]:
    """Open centres that offer at least one such service, the hub first."""
    centres = db.session.scalars(select(Centre).where(Centre.active.is_(True))
                                 .order_by(Centre.parent_id.is_not(None), Centre.id))
    return [c for c in centres if menu(c)]


def may_request(user: User) -> bool:
    """Workers' accounts ask (see models.py); staff answer and never ask."""
    return bool(getattr(user, "is_authenticated", False)) and bookings.may_book(user)


def submit(user: User, proposal: Proposal, now: datetime | None = None) -> EventRequest:
    """Record a request for the centre's admins (audited); the caller commits."""
    now = now or utcnow()
    if not may_request(user):
        raise RequestError(_l("Only a worker's account can request an event."))
    centre = db.session.get(Centre, proposal.centre_id)
    if centre is None or not centre.active or not menu(centre):
        raise RequestError(_l("Choose one of the options offered."), field="centre")
    service = db.session.get(Service, proposal.service_id)
    if service is None or service not in menu(centre):
        raise RequestError(_l("This centre does not offer this service at a workplace. "
                              "Choose one of its services."), field="service")
    enterprise, site = proposal.enterprise.strip(), proposal.site.strip()
    if not enterprise:
        raise RequestError(_l("Give the enterprise's name."), field="enterprise")
    if not site:
        raise RequestError(_l("Give the address where the event would take place."),
                           field="site")
    phone = " ".join(proposal.phone.split())
    if not PHONE.fullmatch(phone):
        raise RequestError(_l("Give a phone number of digits, such as 0595-12345678."),
                           field="phone")
    if not 0 < proposal.audience_size <= MAX_AUDIENCE:
        raise RequestError(_l("Give the number of people, from 1 to %(most)d.",
                              most=MAX_AUDIENCE), field="audience_size")
    today = now.astimezone(local_zone()).date()
    for name, day in (("first_choice", proposal.first_choice),
                      ("second_choice", proposal.second_choice)):
        if day is not None and not today + EARLIEST <= day <= today + LATEST:
            raise RequestError(_l("Propose a date at least 7 days and at most a year from "
                                  "today."), field=name)
    if proposal.second_choice == proposal.first_choice:
        raise RequestError(_l("The second date must differ from the first."),
                           field="second_choice")
    pending = db.session.scalar(select(func.count()).select_from(EventRequest).where(
        EventRequest.requester_id == user.id,
        EventRequest.status == RequestStatus.PENDING.value)) or 0
    if pending >= MAX_PENDING:
        raise RequestError(_l("You have %(count)d requests waiting for an answer. Please "
                              "wait for the centre to answer them.", count=pending))
    row = EventRequest(requester=user, centre_id=centre.id, service_id=service.id,
                       enterprise=enterprise[:120], site=site[:200], phone=phone,
                       audience_size=proposal.audience_size,
                       first_choice=proposal.first_choice,
                       second_choice=proposal.second_choice, note=proposal.note.strip()[:1000],
                       status=RequestStatus.PENDING.value, reason="", created_at=now)
    db.session.add(row)
    db.session.flush()
    audit.record(user, "event_request.sent", f"event_requests:{row.uid}",
                 {"centre": centre.code, "service": service.code})
    return row


def mine(user: User) -> list[EventRequest]:
    """The person's requests, newest first."""
    return list(db.session.scalars(select(EventRequest).where(
        EventRequest.requester_id == user.id).order_by(EventRequest.created_at.desc(),
                                                      EventRequest.id.desc())))


# -- the answer, on the requester's channels --------------------------------------------------
def _lang(user: User) -> str:
    return "en" if (user.locale or "").startswith("en") else "zh_CN"


def tell_accepted(row: EventRequest) -> None:
    """The requester learns the event is scheduled: what, when, where, and its page."""
    user, event = row.requester, row.event
    assert event is not None
    lang = _lang(user)
    with force_locale(mail._locale(user)):
        subject = _("Your event request to %(centre)s is accepted",
                    centre=row.centre.localised("name", lang))
        text = "\n\n".join([
            subject,
            "\n".join([event.localised("title", lang), when(event.session.starts_at),
                       event.localised("site", lang) or row.site]),
            _("The centre may call you to settle the details. Workers register on the "
              "event's page: %(url)s", url=mail.link(f"/events/{event.uid}")),
        ])
        deliver(user, Notice("event_request.accepted", subject=subject, text=text,
                             link=mail.link(f"/events/{event.uid}")))


def tell_declined(row: EventRequest) -> None:
    """The requester learns the centre cannot hold it, and why."""
    user = row.requester
    lang = _lang(user)
    with force_locale(mail._locale(user)):
        subject = _("Your event request to %(centre)s was declined",
                    centre=row.centre.localised("name", lang))
        text = "\n\n".join([
            subject,
            _("Reason: %(reason)s", reason=row.reason),
            _("You can send a new request with other dates: %(url)s",
              url=mail.link("/events/request")),
        ])
        deliver(user, Notice("event_request.declined", subject=subject, text=text,
                             link=mail.link("/events/request")))
