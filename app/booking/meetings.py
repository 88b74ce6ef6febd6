"""Remote sessions: who may see a video session's link, how it is made and checked.

No home-made video: a link points at an existing platform (Tencent Meeting / VooV, or a
self-hosted Jitsi Meet). It comes from the service's URL template (``{room}`` becomes a random
room name per session) or is typed by the counsellor for one session. Links are sealed at
rest (``SessionMeeting``) and shown only to the session's counsellor and the people booked
into it; every showing to staff is audited.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.accounts.models import User
from app.booking.care_models import SessionMeeting
from app.booking.models import ACTIVE_BOOKING, Booking, Mode, Session
from app.domain import DomainError
from app.extensions import db

MAX_LINK = 300
NOT_HTTPS = _l("A meeting link must start with https:// and name the meeting's address.")
NOT_VIDEO = _l("Only a video session has a meeting link.")


class MeetingError(DomainError):
    """A meeting link refused; nothing was changed."""


def check_link(value: str, *, template: bool = False) -> str:
    """The trimmed https address, or MeetingError (http, other schemes, spaces, no host)."""
    link = (value or "").strip()
    parts = urlsplit(link) if len(link) <= MAX_LINK and link.isprintable() else None
    if (parts is None or parts.scheme != "https" or not parts.hostname or " " in link
            or parts.username or parts.password):
        raise MeetingError(NOT_HTTPS)
    if template and link.count("{room}") > 1:
        raise MeetingError(NOT_HTTPS)
    return link


def _row(session: Session) -> SessionMeeting | None:
    return db.session.scalar(select(SessionMeeting).where(
        SessionMeeting.session_id == session.id))


def ensure_link(session: Session) -> str | None:
    """The session's link, made from the service's template the first time it is needed
    (called when a booking is made or a notice composed, in that change's transaction)."""
    if session.meeting_mode != Mode.VIDEO.value:
        return None
    row = _row(session)
    if row is not None:
        return str(row.link)
    template = session.service.meeting_url_template
    if not template:
        return None
    room = f"xinqing-{secrets.token_hex(8)}"
    link = template.replace("{room}", room) if "{room}" in template else template
    row = SessionMeeting(session_id=session.id)
    row.link = link
    db.session.add(row)
    db.session.flush()
    return link


def set_link(actor: User, session: Session, value: str) -> None:
    """The counsellor types this session's link; only theirs, only a video session."""
    if session.counsellor_id != actor.id:
        raise LookupError(session.id)
    if session.meeting_mode != Mode.VIDEO.value:
        raise MeetingError(NOT_VIDEO)
    link = check_link(value)
    row = _row(session) or SessionMeeting(session_id=session.id)
    row.link = link
    row.set_by_id = actor.id
    row.version = (row.version or 0) + 1 if row.id else 1
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "meeting.link_set", f"sessions:{session.id}")


def may_see(viewer: User | None, session: Session) -> bool:
    """Only the session's counsellor and a person holding a seat in it."""
    if viewer is None or not getattr(viewer, "is_authenticated", False):
        return False
    if session.counsellor_id == viewer.id:
        return True
    return db.session.scalar(select(Booking.id).where(
        Booking.session_id == session.id, Booking.user_id == viewer.id,
        Booking.status.in_([s.value for s in ACTIVE_BOOKING]))) is not None


def link_for(viewer: User | None, session: Session) -> str | None:
    """The link if ``viewer`` may see it (the counsellor's look is audited), else None."""
    if session.meeting_mode != Mode.VIDEO.value or not may_see(viewer, session):
        return None
    row = _row(session)
    if row is None:
        return None
    if viewer is not None and session.counsellor_id == viewer.id:
        audit.record(viewer, "meeting.link_shown", f"sessions:{session.id}")
    return str(row.link)


def numbers_to_call(viewer: User, session: Session,
                    bookings: Iterable[Booking]) -> dict[int, str]:
    """Phone sessions: the counsellor calls each booked worker on their account's number.

    Only the session's own counsellor gets the numbers, and each one shown is audited.
    """
    if session.meeting_mode != Mode.PHONE.value or session.counsellor_id != viewer.id:
        return {}
    numbers = {}
    for booking in bookings:
        if booking.active and booking.user.phone:
            numbers[booking.id] = str(booking.user.phone)
            audit.record(viewer, "meeting.phone_shown", booking)
    return numbers
