"""A centre's answer to enterprise event requests: accept (schedule the event) or decline.

Scope is checked here, once: a county admin sees and answers their own centre's requests
only; another centre's request is "not found" (``OutOfScopeError``), as for any admin
object. Accepting creates the event through ``create_event`` (leader and room free, the
centre open on that day), so a request can never book what the rules would refuse.
"""

from __future__ import annotations

from dataclasses import replace

from flask_babel import lazy_gettext as _l
from sqlalchemy import case, select

from app import audit
from app.accounts.models import User
from app.admin import services
from app.admin.services import AdminError, EventPlan, OutOfScopeError
from app.booking.models import Event, EventPlace
from app.events import requests
from app.events.models import EventRequest, RequestStatus
from app.extensions import db
from app.types import utcnow

ANSWERED = _l("This request has already been answered.")
REASON_LENGTH = (5, 300)


def in_scope(actor: User, limit: int = 200) -> list[EventRequest]:
    """Requests to ``actor``'s centres: those waiting first (oldest first), then answered."""
    scope = services.require_admin(actor)
    query = select(EventRequest).order_by(
        case((EventRequest.status == RequestStatus.PENDING.value, 0), else_=1),
        EventRequest.created_at, EventRequest.id)
    if not scope.everywhere:
        query = query.where(EventRequest.centre_id.in_(scope.centre_ids or {-1}))
    return list(db.session.scalars(query.limit(limit)))


def pending_count(actor: User) -> int:
    """How many requests wait for ``actor``'s answer (for the admin's start page)."""
    return sum(r.status == RequestStatus.PENDING.value for r in in_scope(actor))


def find(actor: User, uid: str) -> EventRequest:
    """One request of ``actor``'s centres; OutOfScopeError for any other or unknown one."""
    scope = services.require_admin(actor)
    row = db.session.scalar(select(EventRequest).where(EventRequest.uid == uid[:32]))
    if row is None or not scope.covers(row.centre_id):
        raise OutOfScopeError()
    return row


def _pending(row: EventRequest) -> None:
    if row.status != RequestStatus.PENDING.value:
        raise AdminError(ANSWERED)


def accept(actor: User, row: EventRequest, plan: EventPlan) -> Event:
    """Schedule the event at the enterprise's site and tell the requester; the caller
    commits. The plan's centre and service are the request's, whatever was sent."""
    find(actor, row.uid)
    _pending(row)
    texts = dict(plan.texts or {})
    texts.setdefault("site_zh", row.site)
    if not (texts.get("site_zh") or "").strip():
        texts["site_zh"] = row.site
    plan = replace(plan, centre_id=row.centre_id, service_id=row.service_id,
                   place=EventPlace.SITE.value, texts=texts)
    event = services.create_event(actor, plan)
    row.status, row.event_id = RequestStatus.ACCEPTED.value, event.id
    row.decided_by_id, row.decided_at = actor.id, utcnow()
    db.session.flush()
    audit.record(actor, "event_request.accepted", f"event_requests:{row.uid}",
                 {"event": event.uid})
    requests.tell_accepted(row)
    return event


def decline(actor: User, row: EventRequest, reason: str) -> None:
    """Decline with a reason the requester reads; the caller commits."""
    find(actor, row.uid)
    _pending(row)
    reason = (reason or "").strip()
    least, most = REASON_LENGTH
    if not least <= len(reason) <= most:
        raise AdminError(_l("Say in %(least)d to %(most)d characters why the centre cannot "
                            "hold it.", least=least, most=most), field="reason")
    row.status, row.reason = RequestStatus.DECLINED.value, reason
    row.decided_by_id, row.decided_at = actor.id, utcnow()
    audit.record(actor, "event_request.declined", f"event_requests:{row.uid}")
    requests.tell_declined(row)
