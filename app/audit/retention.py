"""The audit log's part of the retention policy: prune the front of the chain, leaving an
anchor, and record every run (see app/security/retention.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from app.audit.models import CHAINS, AuditEvent, AuditHead
from app.audit.services import record
from app.extensions import db
from app.security.retention import days, register_recorder, register_step
from app.types import rowcount


def audit_events(now: datetime, batch: int) -> int:
    """Audit events older than the period, from the front of each chain, leaving anchors.

    When anything was removed, chains pruned in earlier runs get their anchor named again
    (an ``audit.pruned`` event per chain), so the event vouching for an anchor can never be
    pruned away before a newer one replaces it.
    """
    total, pruned = 0, set()
    for chain in range(CHAINS):
        removed = _prune_chain(chain, now - days("RETAIN_AUDIT_DAYS"), batch)
        if removed:
            pruned.add(chain)
        total += removed
    if total:
        head_table = AuditHead.__table__
        for head in db.session.execute(select(head_table).where(head_table.c.anchor_seq > 0)
                                       .order_by(head_table.c.id)).all():
            if head.id not in pruned:
                record(None, "audit.pruned", None, {
                    "chain": head.id, "through_seq": head.anchor_seq,
                    "through_mac": head.anchor_mac, "count": 0})
        db.session.commit()
    return total


def _prune_chain(chain: int, cutoff: datetime, batch: int) -> int:
    head_table = AuditHead.__table__
    total = 0
    while True:
        # Lock the chain's head first: its writers and a second pruner wait here, so the
        # chain's front, its anchor and its tip change together.
        head = db.session.execute(
            update(head_table).where(head_table.c.id == chain)
            .values(anchor_seq=head_table.c.anchor_seq)
            .returning(head_table.c.anchor_seq)
        ).one()
        mine = (AuditEvent.chain == chain)
        oldest = (select(AuditEvent.link)
                  .where(mine, AuditEvent.at < cutoff, AuditEvent.link > head.anchor_seq)
                  .order_by(AuditEvent.link).limit(batch).subquery())
        through = db.session.scalar(select(func.max(oldest.c.link)))
        if through is None:
            db.session.commit()
            return total
        through_mac = db.session.scalar(select(AuditEvent.mac).where(
            mine, AuditEvent.link == through))
        removed = db.session.execute(delete(AuditEvent).where(mine, AuditEvent.link <= through))
        db.session.execute(update(head_table).where(head_table.c.id == chain)
                           .values(anchor_seq=through, anchor_mac=through_mac))
        record(None, "audit.pruned", None, {
            "chain": chain, "through_seq": through, "through_mac": through_mac,
            "older_than": cutoff.isoformat(timespec="seconds"),
            "count": rowcount(removed) or 0})
        db.session.commit()
        total += rowcount(removed) or 0


def record_run(counts: dict[str, int]) -> None:
    """The run itself, with what each step removed (steps that removed nothing left out)."""
    record(None, "retention.run", None, {k: v for k, v in counts.items() if v})


def register() -> None:
    register_step("audit_events", audit_events, last=True)
    register_recorder(record_run)
