"""Screening's part in a person's data rights: saved results in the copy, and reads of
their results and requests for contact in the access history. (Results go with the
account through the database's cascade; their statistics rows never pointed to it.)"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.accounts.privacy import register_exporter, register_target_provider
from app.extensions import db
from app.screening.models import RiskItem, SafetyPlan, ScreeningResult


def export_results(user: User) -> list[dict[str, Any]]:
    """Each saved result, decrypted: answers, score, band, flags."""
    rows = db.session.scalars(select(ScreeningResult).where(ScreeningResult.user_id == user.id)
                              .order_by(ScreeningResult.created_at)).all()
    return [{"instrument": r.instrument, "version": r.version,
             "taken_at": r.created_at.isoformat(), "shared_with_counsellors": r.shared,
             **(r.data or {})} for r in rows]


def export_safety_plan(user: User) -> dict[str, Any] | None:
    """The person's safety plan, decrypted, with whether it is shared."""
    plan = db.session.scalar(select(SafetyPlan).where(SafetyPlan.user_id == user.id))
    if plan is None:
        return None
    return {"updated_at": plan.updated_at.isoformat(), "shared_with_counsellors": plan.shared,
            "steps": plan.steps or {}}


def audit_targets(user: User) -> list[str]:
    """Audit references of the person's results and requests for contact."""
    results = db.session.scalars(
        select(ScreeningResult.uid).where(ScreeningResult.user_id == user.id)).all()
    risks = db.session.scalars(select(RiskItem.uid).where(RiskItem.user_id == user.id)).all()
    plans = db.session.scalars(select(SafetyPlan.uid).where(SafetyPlan.user_id == user.id)).all()
    return ([f"screening_results:{uid}" for uid in results]
            + [f"risk_items:{uid}" for uid in risks] + [f"safety_plans:{uid}" for uid in plans])


def register() -> None:
    """Plug screening into app/accounts/privacy.py."""
    register_exporter("screening_results", export_results)
    register_exporter("safety_plan", export_safety_plan)
    register_target_provider(audit_targets)
