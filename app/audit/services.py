"""Writing and verifying the audit log.

Each event's ``mac`` is an HMAC (key derived from the key ring, so someone with
only database access cannot forge it) over the event and the previous event's
mac. ``record`` is the one way in; nothing updates or deletes events.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import bindparam, func, insert, select, text, update

from app.audit.models import CHAINS, EVENT_ORDER, GENESIS, AuditAnchor, AuditEvent, AuditHead
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


def chain_of(actor: str | None) -> int:
    """The chain an actor's events go to: a stable hash, so one person's events stay in
    order in one chain; events without an actor share one chain."""
    digest = hashlib.sha256((actor or "").encode()).digest()
    return int.from_bytes(digest[:4], "big") % CHAINS


def _mac(event: AuditEvent) -> str:
    # Chain 0 keeps the body events had before the chains were split (its link is the old
    # seq), so events written before the migration still verify.
    fields = [event.link, event.at.isoformat(timespec="microseconds"), event.actor,
              event.action, event.target, event.detail, event.prev_mac]
    if event.chain:
        fields.append(event.chain)
    body = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return get_crypto().keyed_hash("audit-chain", body).hex()


def _next_seq() -> int | None:
    """SQLite has no sequences; its writers hold the database lock, so counting is safe."""
    if db.session.get_bind().dialect.name != "sqlite":
        return None  # the column's sequence
    return int(db.session.scalar(select(func.coalesce(func.max(AuditEvent.seq), 0))) or 0) + 1


def record(actor: Any, action: str, target: Any = None,
           detail: Mapping[str, Any] | None = None, *, chain_by: Any = None) -> AuditEvent:
    """Append an event in the caller's transaction; it commits or rolls back with the action.

    Only the actor's chain's head row is locked, from here to the commit. The returned event
    is not attached to the session (it is written at once, see ``_statements``).
    ``detail`` must never hold health data or contact data: ids, codes and counts only.
    ``chain_by``: an event without an actor that follows from someone's move goes in that
    person's chain, whose head the transaction already holds, instead of claiming the chain
    every actor-less event shares (claimed after the move's rows were locked, it deadlocked
    with a job holding that chain and waiting for those rows; verification reads each
    event's chain from the event, so any chain proves it the same way).
    """
    who = _actor(actor)
    chain = chain_of(who if chain_by is None else _actor(chain_by))
    dialect = db.session.get_bind().dialect.name
    claim, write, tip = _statements(dialect)
    head = db.session.execute(claim, {"chain_id": chain}).one()
    event = AuditEvent(
        chain=chain, link=head.seq, at=utcnow(), actor=who, action=action,
        target=_describe(target), detail=dict(detail or {}), prev_mac=head.last_mac,
    )
    seq = _next_seq()
    if seq is not None:
        event.seq = seq
    event.mac = _mac(event)
    values = {"chain_id": chain, "chain": chain, "link": event.link, "at": event.at,
              "actor": who, "action": action, "target": event.target,
              "detail": event.detail, "prev_mac": event.prev_mac, "mac": event.mac}
    if seq is not None:
        values["seq"] = seq
    # Each statement gets only its own parameters: an UPDATE would also SET any other column
    # named among them (the head's ``seq``).
    event.id, event.seq = db.session.execute(write[0], {n: values[n] for n in write[1]}).one()
    if tip is not None:
        db.session.execute(tip[0], {n: values[n] for n in tip[1]})
    return event


Written = tuple[Any, tuple[str, ...]]  # a statement and the names of its parameters


@lru_cache(maxsize=4)
def _statements(dialect: str) -> tuple[Any, Written, Written | None]:
    """The chain head's claim, the event's INSERT (returning its id and seq) and the head's
    new tip (each with the names of its parameters), built once per dialect.

    Building these per event, and the ORM's unit of work for the INSERT, cost more CPU than
    the database's work (a dashboard view is audited every time). On PostgreSQL the event's
    INSERT and the tip's UPDATE go in one statement (a data-modifying WITH), its ``seq``
    from the sequence; SQLite runs them one after the other with the counted ``seq``.
    """
    head, events = AuditHead.__table__, AuditEvent.__table__
    claim = (update(head).where(head.c.id == bindparam("chain_id"))
             .values(seq=head.c.seq + 1).returning(head.c.seq, head.c.last_mac))
    columns = ("chain", "link", "at", "actor", "action", "target", "detail", "prev_mac", "mac")
    values: dict[str, Any] = {name: bindparam(name) for name in columns}
    values["seq"] = (EVENT_ORDER.next_value() if dialect == "postgresql"
                     else bindparam("seq"))
    write = insert(events).values(**values).returning(events.c.id, events.c.seq)
    tip = update(head).values(last_mac=bindparam("mac"))
    if dialect == "postgresql":
        # The head joined to its new event (one row), so the UPDATE returns the event's id
        # and seq.
        event = write.returning(events.c.chain).cte("event")
        both = (tip.add_cte(event).where(head.c.id == bindparam("chain_id"),
                                         head.c.id == event.c.chain)
                .returning(event.c.id, event.c.seq))
        return claim, (both, (*columns, "chain_id")), None
    return (claim, (write, (*columns, "seq")),
            (tip.where(head.c.id == bindparam("chain_id")), ("chain_id", "mac")))


def _anchor_body(anchor: AuditAnchor) -> str:
    return json.dumps([anchor.at.isoformat(timespec="microseconds"), anchor.heads,
                       anchor.prev_mac], separators=(",", ":"))


def anchor() -> AuditAnchor:
    """Write a keyed anchor of every chain's tip (``flask audit anchor``, from cron).

    Reads the heads without locking them: each head row and its newest event commit
    together, so every tip read is a committed event. Anchors chain to each other, so two
    writers take turns (an advisory lock on PostgreSQL, the write lock on SQLite).
    """
    if db.session.get_bind().dialect.name == "postgresql":  # two crons at once: one waits
        db.session.execute(text("SELECT pg_advisory_xact_lock(hashtext('xq-audit-anchor'))"))
    heads = {h.id: [h.seq, h.last_mac] for h in db.session.scalars(select(AuditHead))}
    last = db.session.scalar(select(AuditAnchor).order_by(AuditAnchor.id.desc()).limit(1))
    row = AuditAnchor(at=utcnow(), heads=[heads.get(c, [0, GENESIS]) for c in range(CHAINS)],
                      prev_mac=last.mac if last is not None else GENESIS)
    row.mac = get_crypto().keyed_hash("audit-anchor", _anchor_body(row)).hex()
    db.session.add(row)
    db.session.commit()
    return row


@dataclass(frozen=True)
class Verdict:
    """Outcome of ``verify``: ``problem`` is None when every chain is intact.

    ``seq`` is the position (link) of the first bad event in ``chain``.
    """

    events: int
    problem: str | None = None
    seq: int | None = None
    chain: int | None = None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(batch: int = 1000) -> Verdict:
    """Walk every chain and report the first edited, inserted or deleted event, then check
    the newest anchor against the chains' tips.

    After retention removed the oldest events of a chain, its walk starts at the anchor
    they left (``AuditHead.anchor_seq/anchor_mac``), which an ``audit.pruned`` event must
    vouch for; otherwise the front of the chain was cut by hand.
    """
    heads = {h.id: h for h in db.session.scalars(select(AuditHead))}
    total = 0
    for chain in range(CHAINS):
        head = heads.get(chain)
        if head is None:
            return Verdict(total, "deleted", 0, chain)
        verdict = _verify_chain(chain, head, batch)
        total += verdict.events
        if not verdict.ok:
            return Verdict(total, verdict.problem, verdict.seq, chain)
    problem = _check_anchors(heads)
    if problem is not None:
        return Verdict(total, problem[0], problem[1], problem[2])
    return Verdict(total)


def _verify_chain(chain: int, head: AuditHead, batch: int) -> Verdict:
    anchor_seq, anchor_mac = head.anchor_seq, head.anchor_mac
    if anchor_seq > head.seq:  # an anchor past the tip: the tip was rewound
        return Verdict(0, "deleted", head.seq + 1)
    stmt = (select(AuditEvent).where(AuditEvent.chain == chain, AuditEvent.link > anchor_seq)
            .order_by(AuditEvent.link, AuditEvent.id).execution_options(yield_per=batch))
    result = db.session.scalars(stmt)
    try:
        verdict = _walk(iter(result), head, anchor_seq + 1, anchor_mac)
    finally:
        result.close()  # a server-side cursor on PostgreSQL: release it even on early return
    if verdict.ok and anchor_seq and not _anchor_vouched(chain, anchor_seq, anchor_mac):
        return Verdict(verdict.events, "deleted", anchor_seq)
    return verdict


def _check_anchors(heads: dict[int, AuditHead]) -> tuple[str, int, int] | None:
    """Anchors chain to each other; the newest one's tips must still be in their chains."""
    prev, newest = GENESIS, None
    for row in db.session.scalars(select(AuditAnchor).order_by(AuditAnchor.id)):
        if row.prev_mac != prev or get_crypto().keyed_hash(
                "audit-anchor", _anchor_body(row)).hex() != row.mac:
            return ("edited", 0, -1)
        prev, newest = row.mac, row
    if newest is None:
        return None
    for chain, (link, mac) in enumerate(newest.heads):
        head = heads[chain]
        if link > head.seq:
            return ("deleted", head.seq + 1, chain)
        if link > head.anchor_seq:
            found = db.session.scalar(select(AuditEvent.mac).where(
                AuditEvent.chain == chain, AuditEvent.link == link))
            if found != mac:
                return ("deleted" if found is None else "edited", link, chain)
    return None


def _anchor_vouched(chain: int, anchor_seq: int, anchor_mac: str) -> bool:
    """True when the newest ``audit.pruned`` event for this chain names the anchor (events
    from before the chains were split name no chain: chain 0)."""
    pruned = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit.pruned")
                                .order_by(AuditEvent.seq.desc()))
    for event in pruned:
        if event.detail.get("chain", 0) == chain:
            return event.detail.get("through_seq") == anchor_seq \
                and event.detail.get("through_mac") == anchor_mac
    return False


def _walk(events: Iterator[AuditEvent], head: AuditHead | None, first_seq: int = 1,
          first_prev: str = GENESIS) -> Verdict:
    expected_seq, prev_mac, count = first_seq, first_prev, 0
    for event in events:
        count += 1
        if event.link > expected_seq:
            return Verdict(count, "deleted", expected_seq)
        if _mac(event) != event.mac or event.link < expected_seq:
            # A row written after its successor (higher id) or past the tip was slipped in.
            following = next(events, None)
            slipped_in = (head is not None and event.link > head.seq) or (
                following is not None and following.id < event.id
            )
            return Verdict(count, "inserted" if slipped_in else "edited", event.link)
        if event.prev_mac != prev_mac:
            return Verdict(count, "deleted", event.link - 1)
        expected_seq, prev_mac = event.link + 1, event.mac
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
