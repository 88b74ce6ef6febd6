"""The counsellor's side of the safety loop: due times, the queue, follow-up steps,
alerts, escalation to the hub and what happens to an item when its person leaves.

Every item is opened through ``risk_opened`` (a request for contact, or an automatic
opening after a risk answer), so each one gets a due time and an alert the same way.
Nothing written to the audit log or an email names the person: ids and codes only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, or_, select, update
from sqlalchemy.sql.elements import ColumnElement

from app import audit
from app.accounts.models import Role, User
from app.booking.models import Centre, CentreKind, centre_staff
from app.counselling.due import TRIAGE_LEVELS, configured, due_at
from app.counselling.risk_models import RiskStep, risk_leads
from app.domain import DomainError
from app.extensions import db
from app.i18n import BABEL_CODES
from app.notifications.notices import Notice, deliver
from app.reports.risk import IN_TIME as REACHED_IN_TIME
from app.reports.risk import LATE as REACHED_LATE
from app.reports.risk import OPENED
from app.screening.models import RiskItem
from app.security.models import DataKey
from app.security.shredding import shred_data_keys
from app.types import utcnow

ATTEMPT_RESULTS = ("no_answer", "left_message", "wrong_number")
REFERRALS = ("hospital", "hotline_12356", "police")
OUTCOMES = ("supported", "session_booked", "referred", "declined", "unreachable", "other")
STEP_KINDS = ("attempted", "reached", "referred", "closed")
MAX_NOTE = 4000
MAX_NEXT_TRY = timedelta(days=14)
OUTSIDE_NEXT_TRY_WINDOW = _l("Please give a time to try again within the next 14 days.")
QUARTER_HOUR = 900  # seconds: time to first contact is recorded in quarter hours


class RiskStepError(DomainError):
    """A follow-up step that cannot be recorded; ``field`` names the form field."""

    def __init__(self, field: str, message: object) -> None:
        super().__init__(message)
        self.field = field


# -- opening ---------------------------------------------------------------------------
def risk_opened(item: RiskItem, now: datetime | None = None) -> None:
    """Give a just-opened item its due time and alert its centre's counsellors.

    Call it in the transaction that opens the item, after ``db.session.flush()`` (the item
    needs its id and centre); the caller commits. Safe to call once per item.
    """
    hours, targets = configured()
    opened = item.opened_at or now or utcnow()
    item.opened_at = opened
    if item.triage not in TRIAGE_LEVELS:
        item.triage = "standard"
    item.due_at = due_at(opened, item.triage, hours, targets)
    centre = db.session.get(Centre, item.centre_id)
    from app.reports import stats

    stats.record_activity(OPENED, opened, item.centre_id, service=item.triage)
    _alert(item, centre, "risk.new")


def risk_triaged(item: RiskItem) -> None:
    """After follow-up answers changed an item's triage: when it became urgent, alert the
    centre's counsellors again (the first alert may have said "new", not "urgent").

    Same transaction as the change; the caller commits. One urgent alert per item.
    """
    if item.triage == "urgent" and item.resolved_at is None:
        _alert(item, db.session.get(Centre, item.centre_id), "risk.urgent")


def _alert(item: RiskItem, centre: Centre | None, kind: str) -> None:
    """Tell the centre's counsellors an item waits, with its due time and no detail of the
    person (no name, contact, answers or reason: the queue shows those after sign-in)."""
    for staff in _counsellors(centre.staff if centre else []):
        with force_locale(BABEL_CODES.get(staff.locale or "zh_CN", "zh_Hans_CN")):
            if kind == "risk.urgent":
                subject = _("Urgent: an item in the risk queue is now urgent")
                body = _("An item in the risk queue of %(centre)s is now urgent. First "
                         "contact is due by %(due)s (Beijing time).\n\nOpen the queue to "
                         "follow up:\n%(link)s", centre=_centre_name(centre, staff),
                         due=_local(item.due_at), link=_queue_link())
            else:
                subject = (_("Urgent: a new item in the risk queue")
                           if item.triage == "urgent" else _("A new item in the risk queue"))
                body = _("A new item is waiting in the risk queue of %(centre)s. First "
                         "contact is due by %(due)s (Beijing time).\n\nOpen the queue to "
                         "follow up:\n%(link)s", centre=_centre_name(centre, staff),
                         due=_local(item.due_at), link=_queue_link())
        tag = "risk" if kind == "risk.new" else "risk-urgent"
        # Email and, for a counsellor with a phone, an SMS that only says "a new message"
        # with the queue link; urgent, so the quiet hours do not hold it.
        deliver(staff, Notice(kind, subject=subject, text=body, link=_queue_link(),
                              urgent=True),
                dedupe_key=f"{tag}:{item.uid}:{staff.uid}")


def _counsellors(people: list[User]) -> list[User]:
    return [p for p in people if p.is_active and p.has_role(Role.COUNSELLOR)]


def _centre_name(centre: Centre | None, reader: User) -> str:
    if centre is None:
        return ""
    return centre.name_en if (reader.locale or "").startswith("en") else centre.name_zh


def _local(when: datetime | None) -> str:
    from app.counselling.due import SHANGHAI

    return when.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M") if when else ""


def _queue_link() -> str:
    path = current_app.url_map.bind("localhost").build("screening.risk_queue")
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + path


# -- who sees what ---------------------------------------------------------------------
def hub_of(centre: Centre) -> Centre:
    """The hub a centre belongs to (a hub is its own)."""
    if centre.kind == CentreKind.HUB or centre.parent is None:
        return centre
    return centre.parent


def _own_centre_ids(counsellor: User) -> list[int]:
    return list(db.session.scalars(select(centre_staff.c.centre_id)
                                   .where(centre_staff.c.user_id == counsellor.id)))


def _led_hub_ids(counsellor: User) -> list[int]:
    return list(db.session.scalars(select(risk_leads.c.centre_id)
                                   .where(risk_leads.c.user_id == counsellor.id)))


def _visible(counsellor: User):
    """Items of my centres, and escalated items of the hubs I lead."""
    if not counsellor.has_role(Role.COUNSELLOR):
        return RiskItem.id.is_(None)
    own = _own_centre_ids(counsellor) or [-1]
    hubs = _led_hub_ids(counsellor)
    condition: ColumnElement[bool] = RiskItem.centre_id.in_(own)
    if hubs:
        under = select(Centre.id).where(or_(Centre.id.in_(hubs), Centre.parent_id.in_(hubs)))
        condition = or_(condition, RiskItem.escalated_at.is_not(None)
                        & RiskItem.centre_id.in_(under))
    return condition


URGENCY = case({"urgent": 0, "high": 1}, value=RiskItem.triage, else_=2)


def queue(counsellor: User, resolved_limit: int = 50) -> list[RiskItem]:
    """Open items by urgency then age (oldest first), then recently resolved ones."""
    visible = _visible(counsellor)
    open_items = list(db.session.scalars(
        select(RiskItem).where(visible, RiskItem.resolved_at.is_(None))
        .order_by(URGENCY, RiskItem.opened_at, RiskItem.id)))
    closed = list(db.session.scalars(
        select(RiskItem).where(visible, RiskItem.resolved_at.is_not(None))
        .order_by(RiskItem.resolved_at.desc()).limit(resolved_limit)))
    return open_items + closed


def is_overdue(item: RiskItem, now: datetime | None = None) -> bool:
    """Open, nobody reached the person yet, and past the due time."""
    return (item.resolved_at is None and item.first_contact_at is None
            and item.due_at is not None and item.due_at < (now or utcnow()))


def overdue_count(counsellor: User, now: datetime | None = None) -> int:
    """How many items I can see are past their due time without first contact."""
    return sum(1 for item in queue(counsellor, resolved_limit=0) if is_overdue(item, now))


def open_item(counsellor: User, uid: str) -> RiskItem | None:
    """One item I may see; reading it is audited. None otherwise (the view answers 404)."""
    item = db.session.scalar(select(RiskItem).where(RiskItem.uid == uid, _visible(counsellor)))
    if item is not None:
        audit.record(counsellor, "risk.read", item)
        db.session.commit()
    return item


def steps_of(item: RiskItem) -> list[RiskStep]:
    """The item's history, oldest first, for the next counsellor."""
    return list(db.session.scalars(select(RiskStep).where(RiskStep.item_id == item.id)
                                   .order_by(RiskStep.at, RiskStep.id)))


def latest_next_try(item: RiskItem) -> datetime | None:
    """When the last attempt said to try again, if the person was not reached since."""
    if item.first_contact_at is not None:
        return None
    return db.session.scalar(select(RiskStep.next_try_at).where(
        RiskStep.item_id == item.id, RiskStep.kind == "attempted")
        .order_by(RiskStep.at.desc(), RiskStep.id.desc()).limit(1))


# -- follow-up steps -------------------------------------------------------------------
@dataclass(frozen=True)
class StepInput:
    """What a counsellor entered for one step (codes checked by ``record_step``)."""

    kind: str
    result: str = ""
    next_try_at: datetime | None = None
    referred_to: str = ""
    outcome: str = ""
    note: str = ""


def record_step(counsellor: User, item: RiskItem, step: StepInput,
                now: datetime | None = None) -> RiskStep:
    """Record one step (sealed), audit it and commit; close the item on ``closed``."""
    now = now or utcnow()
    if db.session.scalar(select(RiskItem.id).where(RiskItem.id == item.id,
                                                   _visible(counsellor))) is None:
        raise RiskStepError("kind", _l("This item is not in your queue."))
    if item.resolved_at is not None:
        raise RiskStepError("kind", _l("This item is already closed."))
    note = (step.note or "").strip()
    if len(note) > MAX_NOTE:
        raise RiskStepError("note", _l("Please keep the note under 4000 characters."))
    detail: dict[str, str] = {"note": note} if note else {}
    next_try = None
    if step.kind == "attempted":
        if step.result not in ATTEMPT_RESULTS:
            raise RiskStepError("result", _l("Please choose what happened when you called."))
        detail["result"] = step.result
        if step.result != "wrong_number":
            if step.next_try_at is None:
                raise RiskStepError("next_try", _l("Please give a time to try again."))
            if not now < step.next_try_at <= now + MAX_NEXT_TRY:
                raise RiskStepError("next_try", OUTSIDE_NEXT_TRY_WINDOW)
            next_try = step.next_try_at
    elif step.kind == "reached":
        pass
    elif step.kind == "referred":
        if step.referred_to not in REFERRALS:
            raise RiskStepError("referred_to", _l("Please choose where you referred the person."))
        detail["to"] = step.referred_to
    elif step.kind == "closed":
        if step.outcome not in OUTCOMES:
            raise RiskStepError("outcome", _l("Please choose the outcome."))
        detail["outcome"] = step.outcome
    else:
        raise RiskStepError("kind", _l("Please choose a step."))
    row = RiskStep(item_id=item.id, item=item, author_id=counsellor.id, kind=step.kind, at=now,
                   next_try_at=next_try)
    row.detail = detail
    db.session.add(row)
    if step.kind in ("reached", "referred") and item.first_contact_at is None:
        _first_contact(item, now)
    audit.record(counsellor, f"risk.{step.kind}", item,
                 {k: v for k, v in detail.items() if k != "note"})
    if step.kind == "closed":
        item.outcome = note or step.outcome
        item.resolved_at = now
        item.resolved_by_id = counsellor.id
        from app.reports import stats

        stats.record_activity(stats.RESOLVED, now, item.centre_id,
                              value=stats.hours_between(item.opened_at, now))
        if item.shred_after is not None:  # the person deleted their account: nothing kept
            db.session.flush()
            shred(item, "closed_after_erasure")
    db.session.commit()
    return row


def _first_contact(item: RiskItem, now: datetime) -> None:
    """The person was reached: the clock stops and the report learns if it was in time."""
    item.first_contact_at = now
    from app.reports import stats

    in_time = item.due_at is None or now <= item.due_at
    quarters = max(0, int((now - item.opened_at).total_seconds() // QUARTER_HOUR))
    stats.record_activity(REACHED_IN_TIME if in_time else REACHED_LATE, now, item.centre_id,
                          service=item.triage, value=quarters)


# -- escalation ------------------------------------------------------------------------
def _claim_overdue(now: datetime) -> int | None:
    """Mark the most overdue unescalated item escalated; its id, or None.

    One statement that writes first: on PostgreSQL a concurrent run waits on the row and
    then finds it taken; on SQLite it waits for the write lock instead of failing.
    """
    t = RiskItem.__table__
    candidate = (select(t.c.id).where(t.c.resolved_at.is_(None),
                                      t.c.first_contact_at.is_(None),
                                      t.c.escalated_at.is_(None), t.c.due_at < now)
                 .order_by(t.c.due_at, t.c.id).limit(1).scalar_subquery())
    return db.session.execute(update(t).where(t.c.id == candidate, t.c.escalated_at.is_(None))
                              .values(escalated_at=now).returning(t.c.id)).scalar()


def _overdue_left(now: datetime) -> bool:
    return db.session.scalar(select(RiskItem.id).where(
        RiskItem.resolved_at.is_(None), RiskItem.first_contact_at.is_(None),
        RiskItem.escalated_at.is_(None), RiskItem.due_at < now).limit(1)) is not None


@dataclass
class Escalations:
    """What one run escalated; ``without_lead`` items reached nobody (their hub has no lead)."""

    escalated: int = 0
    without_lead: int = 0


def escalate_overdue(now: datetime | None = None, limit: int = 10000) -> Escalations:
    """Alert the hub's lead counsellors of every item past its due time; once per item.

    Cron-safe and idempotent: each item is claimed by a conditional update of
    ``escalated_at`` and committed with its step, audit event and emails, so runs at the
    same time escalate it once and a later run finds nothing to do.
    """
    now = now or utcnow()
    done = Escalations()
    for _attempt in range(limit):
        item_id = _claim_overdue(now)
        if item_id is None:
            left = _overdue_left(now)
            db.session.rollback()
            if left:
                continue  # another run took the one we aimed at; try the next
            break
        leads = _escalate(db.session.get_one(RiskItem, item_id), now)
        db.session.commit()
        done.escalated += 1
        done.without_lead += not leads
    return done


def _escalate(item: RiskItem, now: datetime) -> int:
    """The escalation step, its audit event and an alert (email, SMS) to each lead of the
    item's hub."""
    db.session.refresh(item)
    centre = db.session.get_one(Centre, item.centre_id)
    hub = hub_of(centre)
    leads = _counsellors(list(db.session.scalars(
        select(User).join(risk_leads, risk_leads.c.user_id == User.id)
        .where(risk_leads.c.centre_id == hub.id).order_by(User.id))))
    step = RiskStep(item_id=item.id, item=item, author_id=None, kind="escalated", at=now)
    step.detail = {}
    db.session.add(step)
    audit.record(None, "risk.escalated", item, {"centre": centre.code, "hub": hub.code,
                                                "leads": len(leads)})
    for lead in leads:
        with force_locale(BABEL_CODES.get(lead.locale or "zh_CN", "zh_Hans_CN")):
            subject = _("Escalated: an item in the risk queue is overdue")
            body = _("An item in the risk queue of %(centre)s has passed its due time "
                     "(%(due)s, Beijing time) and nobody has reached the person yet. "
                     "As a lead counsellor of %(hub)s you can now see it.\n\n"
                     "Open the queue:\n%(link)s", centre=_centre_name(centre, lead),
                     due=_local(item.due_at), hub=_centre_name(hub, lead),
                     link=_queue_link())
        deliver(lead, Notice("risk.escalated", subject=subject, text=body, link=_queue_link(),
                             urgent=True),
                dedupe_key=f"risk-escalated:{item.uid}:{lead.uid}")
    return len(leads)


def set_lead(counsellor: User, hub: Centre, lead: bool = True) -> None:
    """Mark (or unmark) a counsellor as a lead counsellor of a hub; audited."""
    if hub.kind != CentreKind.HUB:
        raise RiskStepError("centre", _l("Lead counsellors belong to a hub."))
    if not counsellor.has_role(Role.COUNSELLOR):
        raise RiskStepError("user", _l("Only counsellors can be lead counsellors."))
    db.session.execute(delete(risk_leads).where(risk_leads.c.centre_id == hub.id,
                                                risk_leads.c.user_id == counsellor.id))
    if lead:
        db.session.execute(risk_leads.insert().values(centre_id=hub.id, user_id=counsellor.id))
    audit.record(None, "risk.lead_set" if lead else "risk.lead_unset", f"users:{counsellor.uid}",
                 {"hub": hub.code})
    db.session.commit()


# -- erasure (issue 22: a deleted person's request) -------------------------------------
def shred(item: RiskItem, reason: str) -> None:
    """Destroy the item's own key and delete it with its steps (audited, no detail)."""
    audit.record(None, "risk.shredded", item, {"reason": reason})
    key_id = item.data_key_id
    db.session.execute(delete(RiskStep).where(RiskStep.item_id == item.id))
    db.session.delete(item)
    db.session.flush()
    if key_id is not None:  # listed for restores too (app/security/shredding.py)
        shred_data_keys(DataKey.id == key_id)


def on_account_erased(user: User) -> None:
    """Duty of care: keep the person's OPEN items for a limited time, shred the rest now.

    An open item stays in its centre's queue (sealed, counsellors only) until a counsellor
    closes it or ``RISK_KEEP_AFTER_ERASURE_DAYS`` pass, then it is shredded; it no longer
    points to the account. Closed items are shredded with the account.
    """
    now = utcnow()
    keep = timedelta(days=current_app.config["RISK_KEEP_AFTER_ERASURE_DAYS"])
    for item in db.session.scalars(select(RiskItem).where(RiskItem.user_id == user.id)).all():
        if item.resolved_at is not None:
            shred(item, "account_deleted")
        else:
            item.user_id = None
            item.shred_after = now + keep
            audit.record(None, "risk.kept_after_erasure", item,
                         {"until": item.shred_after.date().isoformat()})
    db.session.flush()


def shred_expired(now: datetime | None = None) -> int:
    """Shred kept items of deleted accounts whose time is up (run with ``flask risk escalate``)."""
    now = now or utcnow()
    t = RiskItem.__table__
    # Write first (a no-op update of the rows): a concurrent run waits rather than fails.
    db.session.execute(update(t).where(t.c.shred_after < now)
                       .values(shred_after=t.c.shred_after))
    items = db.session.scalars(select(RiskItem).where(RiskItem.shred_after.is_not(None),
                                                      RiskItem.shred_after < now)).all()
    for item in items:
        shred(item, "kept_limit_reached")
    db.session.commit()
    return len(items)


from app.accounts.privacy import register_eraser  # noqa: E402  (registry, after the function)

register_eraser(on_account_erased)
