"""The worker's side of the safety loop: the safety-contact consent and opening a risk item.

Every risk item is opened by ``open_risk_item`` (a request on the page or the API, a
result of a person who gave the safety-contact consent, or that consent given on a crisis
result), which hands it to the counsellor side (``counselling.risk_queue.risk_opened``: due
time and alert). A follow-up answer that changes the triage moves ``due_at`` too. Further
listeners may use ``register_risk_hook``: each runs in the same transaction after an item is
opened ("opened") or re-triaged ("triaged").
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app import audit
from app.accounts.models import Consent, Role, User
from app.accounts.privacy import holds_consent
from app.booking.models import Centre
from app.domain import DomainError
from app.extensions import db
from app.screening.models import RiskItem, ScreeningResult
from app.types import utcnow
from assessments import followup as followups
from assessments import triage as rules

SAFETY_PURPOSE = "safety_contact"
SAFETY_VERSION = "2026-11-1"
SOURCES = ("request", "auto", "consent")  # asked on the form; opened by the consent

RiskHook = Callable[[RiskItem, str], None]
_HOOKS: list[RiskHook] = []


class RiskItemError(DomainError):
    """A risk item cannot be opened or changed (already open, no centre, bad answers)."""


class AlreadyOpenError(RiskItemError):
    """This result already has an open risk item: nothing was changed."""

    def __init__(self) -> None:
        super().__init__(_l("A counsellor has already been asked to contact you about this "
                            "result. Nothing was changed."))


def register_risk_hook(hook: RiskHook) -> RiskHook:
    """Call ``hook(item, event)`` when an item is opened or re-triaged (from create_app)."""
    if hook not in _HOOKS:
        _HOOKS.append(hook)
    return hook


def _run_hooks(item: RiskItem, event: str) -> None:
    for hook in list(_HOOKS):
        hook(item, event)


# -- the safety-contact consent (PIPL Art. 29: separate from the health-data consent) --------
def _is_worker(user: User | None) -> bool:
    return bool(user is not None and user.is_authenticated and user.has_role(Role.WORKER))


def has_safety_consent(user: User | None) -> bool:
    """True when the person agreed to the current safety-contact text and has not withdrawn."""
    if user is None or not _is_worker(user):
        return False
    return holds_consent(user, SAFETY_PURPOSE, SAFETY_VERSION)


def give_safety_consent(user: User) -> None:
    """Record the consent (who, purpose, text version, when); idempotent; commits."""
    if not _is_worker(user):
        raise RiskItemError(_l("Only a worker's own account can give this consent."))
    if not has_safety_consent(user):
        user.consents.append(Consent(purpose=SAFETY_PURPOSE, text_version=SAFETY_VERSION))
        audit.record(user, "safety_contact.consent_given", user, {"version": SAFETY_VERSION})
        db.session.commit()


def withdraw_safety_consent(user: User) -> bool:
    """Withdraw it (open items stay with the counsellors); False when there was none."""
    active = [c for c in user.consents if c.purpose == SAFETY_PURPOSE and c.withdrawn_at is None]
    for consent in active:
        consent.withdrawn_at = utcnow()
    if active:
        audit.record(user, "consent.withdrawn", user, {"purpose": SAFETY_PURPOSE})
        db.session.commit()
    return bool(active)


# -- triage of a result ------------------------------------------------------------------------
def result_triage(result: ScreeningResult) -> tuple[str, str]:
    """The triage level and reason from a result's flags and follow-up answers."""
    data = result.data or {}
    answered = data.get("followup")
    return rules.triage(answered["answers"] if answered else None,
                        item_flag="self_harm" in data.get("flags", []))


def needs_followup(result: ScreeningResult) -> bool:
    """Whether the result calls for the follow-up questions and they are not answered yet."""
    data = result.data or {}
    return (followups.for_result(result.instrument, data.get("answers", [])) is not None
            and "followup" not in data)


def answer_followup(actor: User | None, result: ScreeningResult,
                    answers: dict[str, Any]) -> str:
    """Store the follow-up answers (sealed with the result), re-triage its open item.

    Returns the triage level. Answers out of range, or given twice, change nothing.
    """
    questions = followups.for_result(result.instrument, (result.data or {}).get("answers", []))
    if questions is None:
        raise RiskItemError(_l("This result has no follow-up questions."))
    if "followup" in (result.data or {}):
        raise RiskItemError(_l("You have already answered these questions. Nothing was "
                               "changed."))
    if questions.problems(answers):
        raise RiskItemError(_l("Please answer each question with one of its options."))
    level, reason = rules.triage(answers, item_flag=True)
    data = dict(result.data)
    data["followup"] = {"code": questions.code, "version": questions.version,
                        "answers": dict(answers), "triage": level, "reason": reason}
    result.data = data
    item = open_item_for(result)
    if item is not None:
        contact = dict(item.contact or {})
        contact.update(followup=dict(answers), triage_reason=reason)
        item.contact = contact
        if item.triage != level:
            audit.record(actor, "risk.triaged", item, {"triage": level})
            item.triage = level
            _retime(item)
            from app.counselling.risk_queue import risk_triaged

            risk_triaged(item)  # a rise to urgent alerts the centre's counsellors again
            _run_hooks(item, "triaged")
    db.session.commit()
    return level


def _retime(item: RiskItem) -> None:
    """A new triage level moves the first-contact due time (counselling/due.py's rule)."""
    from app.counselling.due import configured, due_at

    if item.opened_at is not None:
        item.due_at = due_at(item.opened_at, item.triage, *configured())


# -- opening an item ---------------------------------------------------------------------------
def open_item_for(result: ScreeningResult) -> RiskItem | None:
    """The open risk item raised by this result, if any."""
    return db.session.scalar(select(RiskItem).where(
        RiskItem.result_id == result.id, RiskItem.resolved_at.is_(None)))


def _signed_in(user: User | None) -> User | None:
    return user if user is not None and user.is_authenticated else None


def open_risk_item(actor: User | None, result: ScreeningResult | None, centre: Centre | None,
                   triage: str, source: str,
                   contact: dict[str, Any] | None = None) -> RiskItem:
    """Open a risk item for ``centre`` (one open item per result), sealed under its own key.

    ``contact`` holds phone, email and best time (the account's when omitted). Raises
    AlreadyOpenError for a second open item of the same result, RiskItemError without a centre.
    Commits; hooks registered with ``register_risk_hook`` run first, in the same transaction.
    """
    if centre is None or not centre.active:
        raise RiskItemError(_l("Please choose a centre."))
    if triage not in rules.LEVELS or source not in SOURCES:
        raise ValueError(f"bad triage {triage!r} or source {source!r}")
    if result is not None and open_item_for(result) is not None:
        raise AlreadyOpenError()
    person = _signed_in(actor)
    if contact is None:
        contact = {"phone": (person.phone or "") if person else "",
                   "email": (person.email or "") if person else "", "best_time": "any"}
    data = result.data if result is not None else {}
    answered = (data or {}).get("followup") or {}
    item = RiskItem(centre_id=centre.id, user_id=person.id if person else None,
                    triage=triage, result_id=result.id if result is not None else None)
    item.contact = {**contact, "source": source,
                    "instrument": result.instrument if result is not None else None,
                    "flags": data.get("flags", []), "band": data.get("band"),
                    "followup": answered.get("answers"),
                    "triage_reason": answered.get("reason")}
    db.session.add(item)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the other request of a pair got there first
        db.session.rollback()
        raise AlreadyOpenError() from exc
    audit.record(person, "risk.requested" if source == "request" else "risk.opened", item,
                 {"centre": centre.code, "source": source, "triage": triage})
    from app.counselling.risk_queue import risk_opened
    from app.reports import stats

    stats.record_activity(stats.CONTACT, item.opened_at or utcnow(), centre.id)
    risk_opened(item)  # the counsellor side: due time and the centre's alert
    _run_hooks(item, "opened")
    db.session.commit()
    return item


def home_centre(user: User | None) -> Centre | None:
    """The person's home centre when it is open."""
    person = _signed_in(user)
    centre = db.session.get(Centre, person.home_centre_id) if person and \
        person.home_centre_id else None
    return centre if centre is not None and centre.active else None


def after_result(user: User | None, result: ScreeningResult) -> RiskItem | None:
    """With the safety-contact consent, a flagged result opens an item at once (no click).

    Returns None when nothing was opened: no flag, no consent, no home centre, or already open.
    """
    if result.user_id is None or not (result.data or {}).get("crisis"):
        return None
    if not has_safety_consent(user):
        return None
    centre = home_centre(user)
    if centre is None:
        return None
    try:
        return open_risk_item(user, result, centre, result_triage(result)[0], "auto")
    except AlreadyOpenError:
        return None


def consent_on_result(user: User, result: ScreeningResult,
                      centre: Centre | None) -> RiskItem | None:
    """The consent given on a crisis result: record it and open the item for that result."""
    give_safety_consent(user)
    if not (result.data or {}).get("crisis") or open_item_for(result) is not None:
        return None
    return open_risk_item(user, result, centre or home_centre(user), result_triage(result)[0],
                          "consent")
