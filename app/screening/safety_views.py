"""The worker's safety pages: the safety-contact consent, the follow-up questions after a
risk answer, and the safety plan. Thin: parse, call risk.py / safety_plan.py, redirect."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

from app.accounts.models import Role
from app.booking import catalogue as booking
from app.domain import DomainError
from app.i18n import current_locale
from app.refusals_shown import show_refusal
from app.screening import bp, risk, safety_plan, services
from app.screening.forms import FollowUpForm, SafetyConsentForm, SafetyPlanForm, ShareForm
from app.screening.models import ScreeningResult
from app.security.access import public, roles_required
from assessments import followup as followups

LAST_ANON = "screening_last"  # same key as views.LAST_ANON
FIELD = "c_"


def _me():
    return current_user._get_current_object()


def _centre_choices(form: SafetyConsentForm) -> None:
    lang = current_locale()
    form.centre.choices = [SelectChoice("", _("Choose a centre"))] + [
        SelectChoice(str(c.id), c.localised("name", lang)) for c in booking.active_centres()]


# -- the safety-contact consent -----------------------------------------------------------------
@bp.route("/screening/safety-contact", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def safety_consent() -> str | Response:
    """The separate, optional consent to be contacted when answers suggest a risk."""
    form = SafetyConsentForm()
    _centre_choices(form)
    code = request.args.get("next", "")
    target = code if services.instrument_or_none(code) else ""
    if form.validate_on_submit():
        choice = request.form.get("choice")
        if choice == "agree":
            risk.give_safety_consent(_me())
            flash(_("Thank you. If your answers suggest you may be at risk, a counsellor of "
                    "your centre may call you."), "success")
        elif choice == "withdraw":
            risk.withdraw_safety_consent(_me())
            flash(_("Your consent is withdrawn. Counsellors will contact you only when you "
                    "ask."), "success")
        if "next" in request.args:  # on the way from the health-data consent
            return redirect(url_for("screening.profile", next=target))
        return redirect(url_for("screening.safety_consent"))
    return render_template("screening/safety_consent.html", form=form,
                           next="next" in request.args,
                           given=risk.has_safety_consent(_me()),
                           version=risk.SAFETY_VERSION, home=risk.home_centre(_me()))


@bp.route("/screening/results/<uid>/safety-contact", methods=["POST"])
@roles_required(Role.WORKER)
def consent_on_result(uid: str) -> Response:
    """Give the safety-contact consent on a crisis result: the item opens at once."""
    row = services.own_result(_me(), uid)
    if row is None:
        abort(404)
    form = SafetyConsentForm()
    _centre_choices(form)
    if form.validate_on_submit():
        from app.booking.models import Centre
        from app.extensions import db
        from app.security.inputs import parse_id

        raw = form.centre.data or ""
        centre_id = parse_id(raw)
        if raw and centre_id is None:  # not a centre at all (e.g. digits beyond any id)
            flash(_("Please choose a centre."), "error")
            return redirect(url_for("screening.result", uid=uid))
        centre = db.session.get(Centre, centre_id) if centre_id else None
        try:
            item = risk.consent_on_result(_me(), row, centre)
        except DomainError as exc:
            show_refusal(exc)
        else:
            if item is not None:
                flash(_("Thank you. A counsellor will contact you by phone."), "success")
    return redirect(url_for("screening.result", uid=uid))


# -- the follow-up questions ----------------------------------------------------------------
def parse_followup(questions: followups.FollowUp, form: Any) -> dict[str, int]:
    """The chosen answer codes by question code (ASCII digits only; others dropped)."""
    chosen: dict[str, int] = {}
    for q in questions.questions:
        raw = form.get(FIELD + q.code, "")
        if raw.isascii() and raw.isdigit() and len(raw) <= 2:
            chosen[q.code] = int(raw)
    return chosen


def _followup(row: ScreeningResult, done_url: str) -> str | Response:
    questions = followups.for_result(row.instrument, (row.data or {}).get("answers", []))
    if questions is None or not risk.needs_followup(row):
        return redirect(done_url)
    form = FollowUpForm()
    chosen: dict[str, int] = {}
    missing: list[str] = []
    if request.method == "POST" and form.validate_on_submit():
        if request.form.get("skip"):
            return redirect(done_url)
        chosen = parse_followup(questions, request.form)
        missing = questions.problems(chosen)
        if not missing:
            try:
                risk.answer_followup(_me() if current_user.is_authenticated else None,
                                     row, chosen)
            except DomainError as exc:
                show_refusal(exc)
            return redirect(done_url)
    elif request.method == "POST":
        flash(_("The form had expired. Please check your answers and send them again."),
              "error")
    return render_template("screening/followup.html", form=form, missing=missing,
                           chosen=chosen, text=questions.text(current_locale()),
                           questions=questions, crisis_lines=services.crisis_lines())


@bp.route("/screening/results/<uid>/followup", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def followup(uid: str) -> str | Response:
    """The C-SSRS screener after a saved result with PHQ-9 item 9 above 0."""
    row = services.own_result(_me(), uid)
    if row is None:
        abort(404)
    return _followup(row, url_for("screening.result", uid=uid))


@bp.route("/screening/followup", methods=["GET", "POST"])
@public
def anonymous_followup() -> str | Response:
    """The same questions after an anonymous result of this browser session."""
    row = services.anonymous_result(session.get(LAST_ANON, ""))
    if row is None:
        return redirect(url_for("screening.retrieve"))
    return _followup(row, url_for("screening.anonymous_result"))


# -- the safety plan --------------------------------------------------------------------------
@bp.route("/screening/safety-plan", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def plan() -> str | Response:
    """Write, change and print my safety plan (sealed under my key)."""
    current = safety_plan.get_plan(_me())
    form = SafetyPlanForm()
    if form.validate_on_submit():
        try:
            safety_plan.save_plan(_me(), {s: getattr(form, s).data or ""
                                          for s in safety_plan.STEPS})
        except DomainError as exc:
            show_refusal(exc)
        else:
            flash(_("Your safety plan is saved."), "success")
            return redirect(url_for("screening.plan"))
    elif not form.is_submitted():
        for step, value in safety_plan.steps_of(current).items():
            getattr(form, step).data = value
    return render_template("screening/safety_plan.html", form=form, plan=current,
                           share_form=ShareForm(), crisis_lines=services.crisis_lines(),
                           home=risk.home_centre(_me()))


@bp.route("/screening/safety-plan/share", methods=["POST"])
@roles_required(Role.WORKER)
def share_plan() -> Response:
    """Turn sharing the plan with my centre's counsellors on or off."""
    if ShareForm().validate_on_submit():
        on = request.form.get("shared") == "1"
        try:
            safety_plan.set_shared(_me(), on)
        except DomainError as exc:
            show_refusal(exc)
        else:
            flash(_("Counsellors at your centre can now read your safety plan.") if on
                  else _("Your safety plan is no longer shared."), "success")
    return redirect(url_for("screening.plan"))


@bp.route("/counsellor/safety-plans/<uid>")
@roles_required(Role.COUNSELLOR)
def shared_plan(uid: str) -> str:
    """A safety plan a worker of my centre shared (audited); anything else answers 404."""
    found = safety_plan.read_shared(_me(), uid)
    if found is None:
        abort(404)
    form = SafetyPlanForm()
    return render_template("screening/safety_plan_read.html", plan=found,
                           steps=[(getattr(form, s).label.text, v)
                                  for s, v in safety_plan.steps_of(found).items()])
