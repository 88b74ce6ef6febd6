"""The audit log's part of the retention policy: prune the front of the chain, leaving an
anchor, and record every run (see app/security/retention.py)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select, update

from app.audit.models import AuditEvent, AuditHead
from app.audit.services import record
from app.extensions import db
from app.security.retention import days, register_recorder, register_step
from app.types import rowcount


def audit_events(now: datetime, batch: int) -> int:
    """Audit events older than the period, from the front of the chain, leaving an anchor."""
    cutoff = now - days("RETAIN_AUDIT_DAYS")
    head_table = AuditHead.__table__
    total = 0
    while True:
        # Lock the head first: writers and a second pruner wait here, so the chain's
        # front, its anchor and its tip change together.
        head = db.session.execute(
            update(head_table).where(head_table.c.id == 1)
            .values(anchor_seq=head_table.c.anchor_seq)
            .returning(head_table.c.anchor_seq)
        ).one()
        oldest = (select(AuditEvent.seq)
                  .where(AuditEvent.at < cutoff, AuditEvent.seq > head.anchor_seq)
                  .order_by(AuditEvent.seq).limit(batch).subquery())
        through = db.session.scalar(select(func.max(oldest.c.seq)))
        if through is None:
            db.session.commit()
            return total
        through_mac = db.session.scalar(select(AuditEvent.mac).where(AuditEvent.seq == through))
        removed = db.session.execute(delete(AuditEvent).where(AuditEvent.seq <= through))
        db.session.execute(update(head_table).where(head_table.c.id == 1)
                           .values(anchor_seq=through, anchor_mac=through_mac))
        record(None, "audit.pruned", None, {
            "through_seq": through, "through_mac": through_mac,
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
