"""A worker's own safety plan (Stanley & Brown 2012): six steps in their words, sealed.

Only the person edits it; counsellors of their home centre read it when the person shares
it (the same one-switch consent as a result), and every such read is audited.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app import audit
from app.accounts.models import User
from app.domain import DomainError
from app.extensions import db
from app.screening.models import SafetyPlan
from app.types import utcnow

STEPS = ("warning_signs", "coping", "distraction", "people", "professionals", "environment")
MAX_LENGTH = 2000


class SafetyPlanError(DomainError):
    """The plan cannot be saved as sent (too long, unknown step): nothing was changed."""


def get_plan(user: User) -> SafetyPlan | None:
    """The person's plan, if they made one."""
    return db.session.scalar(select(SafetyPlan).where(SafetyPlan.user_id == user.id))


def steps_of(plan: SafetyPlan | None) -> dict[str, str]:
    """Every step's text ("" when empty), in order."""
    saved = (plan.steps or {}) if plan is not None else {}
    return {step: saved.get(step, "") for step in STEPS}


def save_plan(user: User, steps: dict[str, object]) -> SafetyPlan:
    """Replace the plan's steps (sealed under the person's key); commits."""
    unknown = set(steps) - set(STEPS)
    if unknown or any(not isinstance(v, str) or len(v) > MAX_LENGTH for v in steps.values()):
        raise SafetyPlanError(_l("Each step can hold up to %(n)d characters of text.",
                                 n=MAX_LENGTH))
    plan = get_plan(user)
    if plan is None:
        plan = SafetyPlan(user=user)
        db.session.add(plan)
    plan.steps = {step: str(steps.get(step, "")).strip() for step in STEPS}
    plan.updated_at = utcnow()
    db.session.flush()
    audit.record(user, "safety_plan.saved", plan)
    db.session.commit()
    return plan


def set_shared(user: User, shared: bool) -> SafetyPlan:
    """Let (or stop letting) the counsellors of the person's home centre read the plan."""
    plan = get_plan(user)
    if plan is None:
        raise SafetyPlanError(_l("Write your safety plan first, then you can share it."))
    plan.shared = shared
    audit.record(user, "safety_plan.shared" if shared else "safety_plan.unshared", plan)
    db.session.commit()
    return plan


def read_shared(counsellor: User, uid: str) -> SafetyPlan | None:
    """A shared plan of a worker of one of the counsellor's centres (audited); else None."""
    from app.screening.services import read_shared_row

    return read_shared_row(counsellor, SafetyPlan, uid, "safety_plan.read")


def shared_plans(counsellor: User) -> list[SafetyPlan]:
    """Shared plans of workers of the counsellor's centres (not their contents)."""
    from app.screening.services import centres_of

    ids = [c.id for c in centres_of(counsellor)]
    return list(db.session.scalars(
        select(SafetyPlan).join(User, User.id == SafetyPlan.user_id)
        .where(SafetyPlan.shared.is_(True), User.home_centre_id.in_(ids or [-1]))
        .order_by(SafetyPlan.updated_at.desc())))
