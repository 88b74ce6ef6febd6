"""Writing and verifying the audit log.

Each event's ``mac`` is an HMAC (key derived from the key ring, so someone with
only database access cannot forge it) over the event and the previous event's
mac. ``record`` is the one way in; nothing updates or deletes events.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select, update

from app.audit.models import GENESIS, AuditEvent, AuditHead
from app.extensions import db
from app.security.crypto import get_crypto
from app.types import utcnow


def _describe(obj: Any) -> str | None:
    """A stable, non-identifying reference: ``table:uid`` for models, text as given."""
    if obj is None or isinstance(obj, str):
        return obj
    table = getattr(obj, "__tablename__", type(obj).__name__.lower())
    ref = getattr(obj, "uid", None) or getattr(obj, "id", None)
    return f"{table}:{ref}"


def _actor(actor: Any) -> str | None:
    if actor is None or not getattr(actor, "is_authenticated", True):
        return None
    return getattr(actor, "uid", None) or _describe(actor)


def _mac(event: AuditEvent) -> str:
    body = json.dumps(
        [event.seq, event.at.isoformat(timespec="microseconds"), event.actor, event.action,
         event.target, event.detail, event.prev_mac],
        sort_keys=True, separators=(",", ":"), ensure_ascii=False,
    )
    return get_crypto().keyed_hash("audit-chain", body).hex()


def record(actor: Any, action: str, target: Any = None,
           detail: Mapping[str, Any] | None = None) -> AuditEvent:
    """Append an event in the caller's transaction; it commits or rolls back with the action.

    ``detail`` must never hold health data or contact data: ids, codes and counts only.
    """
    head = db.session.execute(
        update(AuditHead.__table__)
        .where(AuditHead.__table__.c.id == 1)
        .values(seq=AuditHead.__table__.c.seq + 1)
        .returning(AuditHead.__table__.c.seq, AuditHead.__table__.c.last_mac)
    ).one()
    event = AuditEvent(
        seq=head.seq, at=utcnow(), actor=_actor(actor), action=action,
        target=_describe(target), detail=dict(detail or {}), prev_mac=head.last_mac,
    )
    event.mac = _mac(event)
    db.session.execute(
        update(AuditHead.__table__)
        .where(AuditHead.__table__.c.id == 1)
        .values(last_mac=event.mac)
    )
    db.session.add(event)
    return event


@dataclass(frozen=True)
class Verdict:
    """Outcome of ``verify``: ``problem`` is None when the chain is intact."""

    events: int
    problem: str | None = None
    seq: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(batch: int = 1000) -> Verdict:
    """Walk the chain and report the first edited, inserted or deleted event.

    After retention removed the oldest events, the walk starts at the anchor they left
    (``AuditHead.anchor_seq/anchor_mac``), which a chained ``audit.pruned`` event must
    vouch for; otherwise the front of the log was cut by hand.
    """
    head = db.session.get(AuditHead, 1)
    anchor_seq = head.anchor_seq if head is not None else 0
    anchor_mac = head.anchor_mac if head is not None else GENESIS
    stmt = (select(AuditEvent).where(AuditEvent.seq > anchor_seq)
            .order_by(AuditEvent.seq, AuditEvent.id).execution_options(yield_per=batch))
    result = db.session.scalars(stmt)
    try:
        verdict = _walk(iter(result), head, anchor_seq + 1, anchor_mac)
    finally:
        result.close()  # a server-side cursor on PostgreSQL: release it even on early return
    if verdict.ok and anchor_seq and not _anchor_vouched(anchor_seq, anchor_mac):
        return Verdict(verdict.events, "deleted", anchor_seq)
    return verdict


def _anchor_vouched(anchor_seq: int, anchor_mac: str) -> bool:
    """True when the newest ``audit.pruned`` event in the (verified) chain names the anchor."""
    pruned = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "audit.pruned", AuditEvent.seq > anchor_seq)
        .order_by(AuditEvent.seq.desc()).limit(1))
    return pruned is not None and pruned.detail.get("through_seq") == anchor_seq \
        and pruned.detail.get("through_mac") == anchor_mac


def _walk(events: Iterator[AuditEvent], head: AuditHead | None, first_seq: int = 1,
          first_prev: str = GENESIS) -> Verdict:
    expected_seq, prev_mac, count = first_seq, first_prev, 0
    for event in events:
        count += 1
        if event.seq > expected_seq:
            return Verdict(count, "deleted", expected_seq)
        if _mac(event) != event.mac or event.seq < expected_seq:
            # A row written after its successor (higher id) or past the tip was slipped in.
            following = next(events, None)
            slipped_in = (head is not None and event.seq > head.seq) or (
                following is not None and following.id < event.id
            )
            return Verdict(count, "inserted" if slipped_in else "edited", event.seq)
        if event.prev_mac != prev_mac:
            return Verdict(count, "deleted", event.seq - 1)
        expected_seq, prev_mac = event.seq + 1, event.mac
    tip = head.seq if head is not None else 0
    if expected_seq - 1 < tip:
        return Verdict(count, "deleted", expected_seq)
    if head is not None and head.last_mac != prev_mac:
        return Verdict(count, "edited", tip)
    return Verdict(count)


@dataclass(frozen=True)
class Page:
    """One page of events, newest first, and how many match in all."""

    events: list[AuditEvent]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def search(*, action: str | None = None, actor: str | None = None, target: str | None = None,
           since: datetime | None = None, until: datetime | None = None, page: int = 1,
           per_page: int = 50, unsearchable_by_actor: tuple[str, ...] = ()) -> Page:
    """Events matching every given filter (``action`` and ``target`` match as prefixes).

    With an ``actor``, actions starting with ``unsearchable_by_actor`` are left out (a
    person's id must not find out whether they are in the risk queue).
    """
    conditions = []
    if actor:
        conditions += [~AuditEvent.action.startswith(p, autoescape=True)
                       for p in unsearchable_by_actor]
    if action:
        conditions.append(AuditEvent.action.startswith(action, autoescape=True))
    if actor:
        conditions.append(AuditEvent.actor == actor)
    if target:
        conditions.append(AuditEvent.target.startswith(target, autoescape=True))
    if since:
        conditions.append(AuditEvent.at >= since)
    if until:
        conditions.append(AuditEvent.at < until)
    total = db.session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    page = max(1, page)
    events = db.session.scalars(
        select(AuditEvent).where(*conditions).order_by(AuditEvent.seq.desc())
        .limit(per_page).offset((page - 1) * per_page)
    ).all()
    return Page(list(events), int(total or 0), page, per_page)
