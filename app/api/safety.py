"""JSON API for the worker's side of the safety loop: the safety-contact consent, the
follow-up questions, asking to be contacted about a result, and the safety plan.

The rules are app/screening/risk.py's and safety_plan.py's; someone else's result is 404.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

from app.accounts.models import Role, User
from app.api import auth, schemas
from app.api.problems import Problem
from app.api.views import _problems, _result, _user, bp
from app.booking.models import Centre
from app.domain import DomainError
from app.extensions import db
from app.screening import risk, safety_plan
from app.screening import services as screening
from app.screening.limits import retrieve_limit
from app.screening.models import RiskItem, ScreeningResult
from app.security.access import public

SAFETY_SUMMARY = (
    _l("If my answers suggest I may be at risk, a counsellor of my centre may contact me by "
       "phone during the centre's opening hours."),
    _l("This is separate from keeping your results, and optional."),
    _l("With it, a counsellor is asked to call you without you pressing anything more. "
       "Without it, we ask you each time."),
    _l("You can withdraw it at any time here or on My data."),
)


def _safety_consent(user: User) -> dict[str, Any]:
    return {"purpose": risk.SAFETY_PURPOSE, "text_version": risk.SAFETY_VERSION,
            "given": risk.has_safety_consent(user),
            "summary": [str(s) for s in SAFETY_SUMMARY]}


@bp.route("/consents/safety-contact", methods=["GET"])
@auth.token_required(Role.WORKER)
@bp.response(200, schemas.ConsentSchema)
@_problems(401, 403, 429)
def safety_consent_status() -> dict[str, Any]:
    """The safety-contact consent text (its points and version) and whether I have given it."""
    return _safety_consent(_user())


@bp.route("/consents/safety-contact", methods=["POST"])
@auth.token_required(Role.WORKER)
@bp.arguments(schemas.SafetyConsentRequest)
@bp.response(200, schemas.ConsentSchema)
@_problems(401, 403, 409, 422, 429)
def give_safety_consent(data: dict[str, Any]) -> dict[str, Any]:
    """Give (``given: true``) or withdraw (``given: false``) the safety-contact consent.

    With it, a result with a risk flag opens a request for contact at my home centre by
    itself. Send the version of the text the person read.
    """
    user = _user()
    if data["given"]:
        if data["text_version"] != risk.SAFETY_VERSION:
            raise Problem(409, "consent-version", _l(
                "The consent text has changed. Show the current text and ask again."),
                consent_version=risk.SAFETY_VERSION)
        risk.give_safety_consent(user)
    else:
        risk.withdraw_safety_consent(user)
    return _safety_consent(user)


def _own_result(result_uid: str) -> ScreeningResult:
    row = screening.own_result(_user(), result_uid)
    if row is None:
        raise Problem(404)
    return row


@bp.route("/screenings/<uid:result_uid>/followup", methods=["POST"])
@auth.token_required(Role.WORKER)
@bp.arguments(schemas.FollowUpRequest)
@bp.response(200, schemas.ResultSchema)
@_problems(401, 403, 404, 409, 422, 429)
def answer_followup(data: dict[str, Any], result_uid: str) -> dict[str, Any]:
    """Answer the follow-up questions of one of my results; the triage comes back.

    422 for an answer off the options or a missing one, 409 when there is nothing to
    answer (no follow-up, or answered already). Nothing changes on a refusal.
    """
    return _followup(_own_result(result_uid), data, _user())


@bp.route("/screenings/retrieve/followup", methods=["POST"])
@public
@retrieve_limit
@bp.arguments(schemas.AnonymousFollowUpRequest)
@bp.response(200, schemas.ResultSchema)
@_problems(404, 409, 422, 429)
def answer_anonymous_followup(data: dict[str, Any]) -> dict[str, Any]:
    """The same for an anonymous result, named by the code given with it (no account)."""
    row = screening.find_by_code(data["code"])
    if row is None or row.user_id is not None:
        raise Problem(404, "unknown-code", _l(
            "This code does not open a result. Check it, or note that results are deleted "
            "after 30 days."))
    return _followup(row, data, None)


def _followup(row: ScreeningResult, data: dict[str, Any], user: User | None) -> dict[str, Any]:
    if not risk.needs_followup(row):
        raise Problem(409, "followup-closed", _l(
            "This result has no follow-up questions to answer, or they are answered already."))
    from assessments import followup as followups

    questions = followups.for_result(row.instrument, row.data.get("answers", []))
    bad = questions.problems(data["answers"]) if questions else []
    if bad:
        message = str(_l("Please answer each question with one of its options."))
        raise Problem(422, "invalid-answers", errors={"answers": [message, *bad]})
    try:
        risk.answer_followup(user, row, data["answers"])
    except DomainError as exc:
        db.session.rollback()
        raise Problem(409, "followup-closed", exc.message) from exc
    return _result(row, user=user)


@bp.route("/screenings/<uid:result_uid>/contact-request", methods=["POST"])
@auth.token_required(Role.WORKER)
@bp.arguments(schemas.ContactRequest)
@bp.response(201, schemas.RiskItemSchema)
@_problems(401, 403, 404, 409, 422, 429)
def contact_request(data: dict[str, Any], result_uid: str) -> dict[str, Any]:
    """Ask a counsellor to contact me about one of my results (one open request per result).

    Defaults: my home centre and my account's phone number. 409 when a request for this
    result is already open; someone else's result is 404.
    """
    row = _own_result(result_uid)
    user = _user()
    centre_id = data.get("centre_id") or user.home_centre_id
    centre = db.session.get(Centre, centre_id) if centre_id else None
    if centre is None or not centre.active:
        raise Problem(422, "invalid-centre", errors={"centre_id": [str(_l(
            "Please choose a centre."))]})
    try:
        item: RiskItem = screening.request_contact(
            user, centre.id, data.get("phone"), not data.get("phone"), data["best_time"], row)
    except screening.ScreeningError as exc:
        db.session.rollback()
        raise Problem(422, "invalid-contact", errors={exc.field: [str(exc.message)]}) from exc
    except risk.AlreadyOpenError as exc:
        raise Problem(409, "already-requested", exc.message) from exc
    return {"id": item.uid, "centre_id": item.centre_id, "triage": item.triage,
            "opened_at": item.opened_at}


def _plan(user: User) -> dict[str, Any]:
    plan = safety_plan.get_plan(user)
    return {"steps": safety_plan.steps_of(plan), "shared": bool(plan and plan.shared),
            "updated_at": plan.updated_at if plan else None}


@bp.route("/safety-plan", methods=["GET"])
@auth.token_required(Role.WORKER)
@bp.response(200, schemas.SafetyPlanSchema)
@_problems(401, 403, 429)
def read_safety_plan() -> dict[str, Any]:
    """My safety plan (empty steps when I have not written one)."""
    return _plan(_user())


@bp.route("/safety-plan", methods=["PUT"])
@auth.token_required(Role.WORKER)
@bp.arguments(schemas.SafetyPlanRequest)
@bp.response(200, schemas.SafetyPlanSchema)
@_problems(401, 403, 409, 422, 429)
def edit_safety_plan(data: dict[str, Any]) -> dict[str, Any]:
    """Replace my plan's steps and/or share it with my centre's counsellors (or stop)."""
    user = _user()
    try:
        if "steps" in data:
            safety_plan.save_plan(user, data["steps"])
        if "shared" in data:
            safety_plan.set_shared(user, data["shared"])
    except DomainError as exc:
        db.session.rollback()
        raise Problem(409, "no-plan", exc.message) from exc
    return _plan(user)
