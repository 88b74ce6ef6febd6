"""What an administrator sees of the audit log: staff by name, workers by pseudonym.

Admins have no clinical role. An event about health (a request for contact, a screening,
consent or sharing, a session note) must not tell them who it was about, and the page
never decrypts a worker's name or contact details to list events. When an admin has a
real need (a complaint, a legal request), ``reveal`` records who asked, for which event and
why; the person sees that read on their own "who opened my records".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.accounts.models import STAFF_ROLES, User
from app.audit.models import AuditEvent
from app.domain import DomainError
from app.extensions import db
from app.security.crypto import get_crypto
from app.types import utcnow

HEALTH_PREFIXES = ("risk.", "screening.", "consent.", "note.")
# Who is in the risk queue is never shown to an admin (issue 13): these events are never
# revealed and carry a pseudonym of their own, so they cannot be linked to the person's
# other events (a reveal of which would name them).
QUEUE_PREFIXES = ("risk.",)
REVEAL_MINUTES = 10  # how long a stated reason keeps the person's details on screen


class RevealError(DomainError):
    """A reveal that is not allowed or not justified; ``message`` is translated."""


def is_health(action: str) -> bool:
    """True for events whose subject's identity is health information."""
    return action.startswith(HEALTH_PREFIXES)


def pseudonym(uid: str, action: str = "") -> str:
    """A stable, keyed id for a person: the same in every event, useless outside this app.

    Risk-queue events get a separate one (``R-``) that matches none of the person's others.
    """
    if is_queue(action):
        return "R-" + get_crypto().blind_index("audit-pseudonym-risk", uid)[:10]
    return "P-" + get_crypto().blind_index("audit-pseudonym", uid)[:10]


def is_queue(action: str) -> bool:
    """True for events that would tell who is in the risk queue."""
    return action.startswith(QUEUE_PREFIXES)


@dataclass(frozen=True)
class Line:
    """One event as the page shows it."""

    event: AuditEvent
    who: str  # a staff member's name, or a pseudonym
    who_is_pseudonym: bool
    target: str | None
    revealable: bool


def _target_user(event: AuditEvent) -> str | None:
    if event.target and event.target.startswith("users:"):
        return event.target.split(":", 1)[1]
    return None


def describe(events: list[AuditEvent]) -> list[Line]:
    """Lines for the page. Only staff names are decrypted; workers become pseudonyms."""
    uids = {e.actor for e in events if e.actor} | {u for e in events if (u := _target_user(e))}
    people = {p.uid: p for p in db.session.scalars(select(User).where(User.uid.in_(uids)))}
    lines = []
    for event in events:
        actor = people.get(event.actor or "")
        staff = actor is not None and bool(actor.roles & STAFF_ROLES)
        if event.actor is None:
            who, masked = "", False
        elif staff:
            who, masked = actor.name or event.actor, False  # type: ignore[union-attr]
        else:
            who, masked = pseudonym(event.actor, event.action), True
        target = event.target
        subject = _target_user(event)
        if subject and (is_health(event.action) or not (
                people.get(subject) and people[subject].roles & STAFF_ROLES)):
            target = f"users:{pseudonym(subject, event.action)}"
        lines.append(Line(event, who, masked, target,
                          revealable=_subject(event, people) is not None))
    return lines


def _subject(event: AuditEvent, people: dict[str, User]) -> User | None:
    """The worker an event is about (its actor, else its target), if any."""
    if is_queue(event.action):
        return None
    for uid in (event.actor, _target_user(event)):
        person = people.get(uid or "")
        if person is not None and not person.roles & STAFF_ROLES:
            return person
    return None


def _event(seq: int) -> AuditEvent | None:
    return db.session.scalar(select(AuditEvent).where(AuditEvent.seq == seq))


def _subject_of(event: AuditEvent) -> User | None:
    uids = {u for u in (event.actor, _target_user(event)) if u}
    people = {p.uid: p for p in db.session.scalars(select(User).where(User.uid.in_(uids)))}
    return _subject(event, people)


def reveal(admin: User, seq: int, reason: str) -> User:
    """Record that ``admin`` needs to know who event ``seq`` is about, and why."""
    event = _event(seq)
    person = _subject_of(event) if event is not None else None
    if person is None:
        raise RevealError(_l("Only an event about a worker can be revealed."))
    reason = " ".join((reason or "").split())
    if len(reason) < 10 or len(reason) > 300:
        raise RevealError(_l("Say why you need to know who this is (10 to 300 characters)."))
    audit.record(admin, "audit.revealed", f"users:{person.uid}",
                 {"event": seq, "reason": reason})
    db.session.commit()
    return person


def revealed_person(admin: User, seq: int) -> User | None:
    """The person behind event ``seq`` if ``admin`` stated a reason for it in the last minutes."""
    event = _event(seq)
    person = _subject_of(event) if event is not None else None
    if person is None:
        return None
    since = utcnow() - timedelta(minutes=REVEAL_MINUTES)
    for detail in db.session.scalars(select(AuditEvent.detail).where(
            AuditEvent.action == "audit.revealed", AuditEvent.actor == admin.uid,
            AuditEvent.target == f"users:{person.uid}", AuditEvent.at >= since)):
        if detail.get("event") == seq:
            return person
    return None
