"""``flask retention run``: delete what the retention policy says we no longer keep.

Every period comes from the configuration (``RETAIN_*_DAYS``; the table is in the README).
Each step deletes in batches with a condition that is checked again in the DELETE itself,
so a rerun, a crash half-way or a second run at the same moment only finds less to do. On
PostgreSQL a session-level advisory lock keeps a second run out altogether.

Audit events older than ``RETAIN_AUDIT_DAYS`` are removed from the front of the chain:
``audit_head.anchor_seq/anchor_mac`` then name the last removed event, and an
``audit.pruned`` event written in the same transaction (itself chained and keyed) vouches
for that anchor, so ``flask audit verify`` still proves the rest of the chain and notices
anyone who trims the front by hand.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import ColumnElement, delete, func, or_, select, text, update

from app import audit
from app.accounts.models import PasswordReset, RecoveryCode
from app.audit.models import AuditEvent, AuditHead
from app.booking.models import Booking, BookingStatus, WaitlistEntry, WaitStatus
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.screening.models import RiskItem
from app.security.models import DataKey
from app.security.shredding import shred_data_keys
from app.types import utcnow

BATCH = 500
LOCK_KEY = 0x58510001  # "XQ" + 1: the advisory lock of `flask retention run`


def _days(name: str) -> timedelta:
    return timedelta(days=int(current_app.config[name]))


def _delete_batched(model: Any, condition: ColumnElement[bool], batch: int,
                    before_delete: Callable[[Any], None] | None = None) -> int:
    """Delete rows matching ``condition``, ``batch`` at a time, each batch committed.

    Each batch is one statement that picks and deletes (write first: SQLite then queues a
    concurrent run instead of failing, and PostgreSQL re-checks the rows it deletes).
    """
    total = 0
    while True:
        chosen = (select(model.id).where(condition).order_by(model.id).limit(batch)
                  .scalar_subquery())
        if before_delete:
            before_delete(chosen)
        result = db.session.execute(delete(model).where(model.id.in_(chosen)))
        db.session.commit()
        if not result.rowcount:
            return total
        total += result.rowcount


def _write_first() -> None:
    """On SQLite, take the write lock before reading (see app/sqlite.py)."""
    if db.engine.dialect.name == "sqlite":
        table = AuditHead.__table__
        db.session.execute(update(table).where(table.c.id == 1).values(seq=table.c.seq))


def anonymous_results(now: datetime, batch: int) -> int:
    """Anonymous screening results (with their data keys) after the configured period."""
    from app.screening import services as screening

    # screening.purge keeps results for its own RETENTION before ``now``; shift ``now`` so
    # the cut-off is the configured period instead.
    _write_first()
    return screening.purge(now - (_days("RETAIN_ANONYMOUS_RESULTS_DAYS") - screening.RETENTION))


def expired_sessions(now: datetime, batch: int) -> int:
    """Server-side sessions past their expiry (Redis drops its own by TTL)."""
    from app.security.session_store import get_store

    return get_store().purge_expired(batch)


def reset_tokens(now: datetime, batch: int) -> int:
    """Password-reset links used or expired more than the period ago."""
    cutoff = now - _days("RETAIN_RESET_TOKENS_DAYS")
    return _delete_batched(PasswordReset, or_(PasswordReset.used_at < cutoff,
                                              PasswordReset.expires_at < cutoff), batch)


def used_recovery_codes(now: datetime, batch: int) -> int:
    """Recovery codes used more than the period ago (kept a while for the audit trail)."""
    cutoff = now - _days("RETAIN_USED_RECOVERY_CODES_DAYS")
    return _delete_batched(RecoveryCode, RecoveryCode.used_at < cutoff, batch)


def outbox(now: datetime, batch: int) -> int:
    """Sent email after one period, email that was given up on after another."""
    sent = now - _days("RETAIN_SENT_MAIL_DAYS")
    failed = now - _days("RETAIN_FAILED_MAIL_DAYS")
    return _delete_batched(OutboxMessage, or_(
        OutboxMessage.sent_at < sent,
        (OutboxMessage.sent_at.is_(None)) & (OutboxMessage.failed_at < failed)), batch)


def cancelled_bookings(now: datetime, batch: int) -> int:
    """Cancelled bookings (they hold no seat) after the period; notes go with them."""
    cutoff = now - _days("RETAIN_CANCELLED_BOOKINGS_DAYS")
    cancelled = (BookingStatus.CANCELLED.value, BookingStatus.LATE_CANCELLED.value)
    return _delete_batched(Booking, Booking.status.in_(cancelled) & (Booking.changed_at < cutoff),
                           batch)


def closed_waitlist(now: datetime, batch: int) -> int:
    """Finished waitlist places (accepted, expired, left) after the period."""
    cutoff = now - _days("RETAIN_CLOSED_WAITLIST_DAYS")
    closed = (WaitStatus.ACCEPTED.value, WaitStatus.EXPIRED.value, WaitStatus.LEFT.value)
    return _delete_batched(WaitlistEntry, WaitlistEntry.status.in_(closed)
                           & (WaitlistEntry.created_at < cutoff), batch)


def resolved_risk_items(now: datetime, batch: int) -> int:
    """Requests for contact resolved more than the period ago, crypto-shredded with their key."""
    cutoff = now - _days("RETAIN_RESOLVED_RISK_DAYS")

    def shred(chosen: Any) -> None:
        # Destroy the items' own data keys first (the rows follow in this transaction).
        shred_data_keys(DataKey.id.in_(
            select(RiskItem.data_key_id).where(RiskItem.id.in_(chosen))))

    return _delete_batched(RiskItem, RiskItem.resolved_at < cutoff, batch, before_delete=shred)


def audit_events(now: datetime, batch: int) -> int:
    """Audit events older than the period, from the front of the chain, leaving an anchor."""
    cutoff = now - _days("RETAIN_AUDIT_DAYS")
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
        last = db.session.scalar(select(AuditEvent).where(AuditEvent.seq == through))
        through_mac = last.mac
        removed = db.session.execute(delete(AuditEvent).where(AuditEvent.seq <= through))
        db.session.execute(update(head_table).where(head_table.c.id == 1)
                           .values(anchor_seq=through, anchor_mac=through_mac))
        audit.record(None, "audit.pruned", None, {
            "through_seq": through, "through_mac": through_mac,
            "older_than": cutoff.isoformat(timespec="seconds"),
            "count": removed.rowcount or 0})
        db.session.commit()
        total += removed.rowcount or 0


STEPS: dict[str, Callable[[datetime, int], int]] = {
    "anonymous_results": anonymous_results,
    "expired_sessions": expired_sessions,
    "reset_tokens": reset_tokens,
    "used_recovery_codes": used_recovery_codes,
    "outbox": outbox,
    "cancelled_bookings": cancelled_bookings,
    "closed_waitlist": closed_waitlist,
    "resolved_risk_items": resolved_risk_items,
    "audit_events": audit_events,
}


class BusyError(RuntimeError):
    """Another retention run holds the lock."""


@contextmanager
def _exclusive():
    """On PostgreSQL, one run at a time (advisory lock on its own connection)."""
    if db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}).scalar():
            raise BusyError("another `flask retention run` is in progress")
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
            conn.commit()


def run(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Apply every step; returns how many rows each removed. Audits the run itself."""
    now = now or utcnow()
    counts: dict[str, int] = {}
    with _exclusive():
        for name, step in STEPS.items():
            counts[name] = step(now, batch)
        audit.record(None, "retention.run", None, {k: v for k, v in counts.items() if v})
        db.session.commit()
    return counts
