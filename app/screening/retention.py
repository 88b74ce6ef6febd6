"""Screening's part of the retention policy: anonymous results, resolved requests for contact."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select

from app.extensions import db
from app.screening.models import RiskItem
from app.security.models import DataKey
from app.security.retention import days, delete_batched, register_step, write_first


def anonymous_results(now: datetime, batch: int) -> int:
    """Anonymous screening results (with their data keys) after the configured period."""
    from app.screening import services as screening

    # screening.purge keeps results for its own RETENTION before ``now``; shift ``now`` so
    # the cut-off is the configured period instead.
    write_first()
    return screening.purge(now - (days("RETAIN_ANONYMOUS_RESULTS_DAYS") - screening.RETENTION))


def resolved_risk_items(now: datetime, batch: int) -> int:
    """Requests for contact resolved more than the period ago, crypto-shredded with their key."""
    cutoff = now - days("RETAIN_RESOLVED_RISK_DAYS")

    def shred(chosen: Any) -> None:
        # Destroy the items' own data keys first (the rows follow in this transaction).
        db.session.execute(delete(DataKey).where(DataKey.id.in_(
            select(RiskItem.data_key_id).where(RiskItem.id.in_(chosen)))))

    return delete_batched(RiskItem, RiskItem.resolved_at < cutoff, batch, before_delete=shred)


def register_anonymous_results() -> None:
    register_step("anonymous_results", anonymous_results)


def register_resolved_risk_items() -> None:
    register_step("resolved_risk_items", resolved_risk_items)
