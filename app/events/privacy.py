"""Event requests in a person's data rights: in their copy, gone with their account, and
in their access history. (A request's accepted event stays: other people registered.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, select

from app.accounts.models import User
from app.accounts.privacy import register_eraser, register_exporter, register_target_provider
from app.events.models import EventRequest
from app.extensions import db


def export_requests(user: User) -> list[dict[str, Any]]:
    """Each request the person sent: to whom, what, where, when, and the answer."""
    rows = db.session.scalars(select(EventRequest).where(EventRequest.requester_id == user.id)
                              .order_by(EventRequest.id))
    return [{
        "centre": r.centre.name_zh, "service": r.service.name_zh, "enterprise": r.enterprise,
        "site": r.site, "phone": r.phone, "audience_size": r.audience_size,
        "first_choice": r.first_choice.isoformat(),
        "second_choice": r.second_choice.isoformat() if r.second_choice else None,
        "note": r.note, "status": r.status, "reason": r.reason,
        "sent_at": r.created_at.isoformat(),
    } for r in rows]


def erase_requests(user: User) -> None:
    """The person's requests go with the account (the database cascades too)."""
    db.session.execute(delete(EventRequest).where(EventRequest.requester_id == user.id))


def audit_targets(user: User) -> list[str]:
    """Audit references of the person's requests."""
    uids = db.session.scalars(select(EventRequest.uid).where(
        EventRequest.requester_id == user.id))
    return [f"event_requests:{uid}" for uid in uids]


def register() -> None:
    """Plug event requests into app/accounts/privacy.py."""
    register_exporter("event_requests", export_requests)
    register_eraser(erase_requests)
    register_target_provider(audit_targets)
