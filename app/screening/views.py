"""Screening pages: thin views that read the form, call the services and render."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any
from zoneinfo import ZoneInfo

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms.fields.choices import SelectChoice

import assessments
from app.accounts.models import Role
from app.booking import catalogue as booking
from app.domain import DomainError
from app.extensions import db, limiter
from app.fragments import FragmentCache
from app.i18n import current_locale
from app.library import services as library
from app.refusals_shown import show_on_form
from app.render_cache import anonymous_page
from app.screening import bp, chart, risk, services
from app.screening.answers import AnswerError, check_answers
from app.screening.emails import reminder_email
from app.screening.forms import (
    CancelForm,
    ConsentForm,
    ContactForm,
    ProfileForm,
    ReminderForm,
    RetrieveForm,
    SafetyConsentForm,
    ShareForm,
)
from app.screening.limits import retrieve_limit
from app.screening.links import SUGGEST_SERVICES, booking_url
from app.screening.models import ScreeningResult
from app.security.access import public, roles_required
from app.types import utcnow
from assessments import Instrument

ANSWER = re.compile(r"-?[0-9]{1,4}")  # an option's points, as the form sends them
NO_SAVE = "screening_no_save"  # the worker declined consent in this session
LAST_ANON = "screening_last"   # uid of the anonymous result just shown (for a contact request)
# Per address: the limit just keeps spam noisy and slow (codes: see limits.py).
CONTACT_LIMIT = "10 per hour"
NEW_CODE = "screening_code"   # the retrieval code, kept only until it is shown once
CONTACT_SENT = "screening_contact_sent"  # centre id of the request just sent (PRG)


VALIDATION_LABELS = {
    "validated": _l("Chinese version: validated wording"),
    "adapted": _l("Chinese version: our wording, based on a validated Chinese version "
                  "(not itself validated)"),
    "unvalidated": _l("Chinese version: our own wording, not validated"),
}


def instrument_source(instrument: Instrument, lang: str) -> dict[str, Any]:
    """Where a questionnaire comes from and how far its Chinese wording is validated."""
    return {"original": instrument.sources.original,
            "chinese_version": instrument.sources.chinese_version,
            "cutoffs": instrument.sources.cutoffs,
            "validation": instrument.validation,
            "status": VALIDATION_LABELS[instrument.validation]}


def _instrument_or_404(code: str) -> Instrument:
    instrument = services.instrument_or_none(code)
    if instrument is None:
        abort(404)
    return instrument


def parse_answers(instrument: Instrument, form: Any) -> tuple[dict[str, int], list[str]]:
    """The chosen points per field name, and the names of items left unanswered."""
    chosen: dict[str, int] = {}
    for name, _question in services.questions(instrument):
        raw = form.get(name, "")
        # ASCII digits only: str.isdigit() also accepts "³" or "①", which int() refuses.
        if ANSWER.fullmatch(raw):
            chosen[name] = int(raw)
    try:
        check_answers(instrument, chosen)
    except AnswerError as exc:
        return {k: v for k, v in chosen.items() if k not in exc.missing}, exc.missing
    return chosen, []


def _centres() -> list:
    return list(booking.active_centres())


def _contact_form() -> ContactForm:
    form = ContactForm()
    lang = current_locale()
    form.centre.choices = [SelectChoice("", _("Choose a centre"))] + [
        SelectChoice(str(c.id), c.localised("name", lang)) for c in _centres()]
    if not form.is_submitted() and current_user.is_authenticated and current_user.home_centre_id:
        form.centre.data = str(current_user.home_centre_id)
    return form


def _render_result(row: ScreeningResult, *, code: str | None = None,
                   owner: bool = False, counsellor_view: bool = False) -> str:
    instrument = assessments.get(row.instrument)
    data = services.view(row)
    lang = current_locale()
    band = instrument.band(data["band"])
    stored = data.get("subscales", {})  # in the questionnaire's own order (R-I-A-S-E-C)
    subscales = [(sub, stored[sub.code], instrument.band(stored[sub.code]["band"]))
                 for sub in instrument.subscales if sub.code in stored]
    home = None
    if current_user.is_authenticated and current_user.home_centre_id:
        home = next((c for c in _centres() if c.id == current_user.home_centre_id), None)
    centre_code = home.code if home else None
    suggest = list(band.suggest)
    if data.get("crisis") and "counselling" not in suggest:
        suggest.insert(0, "counselling")  # a crisis answer always offers a counsellor
    links = [(s, booking_url(SUGGEST_SERVICES[s], centre_code)) for s in suggest
             if s in SUGGEST_SERVICES]
    crisis = bool(data.get("crisis")) and not counsellor_view
    # an exploration (career interests) shows its strongest areas instead of a band of symptoms
    areas = [(sub, data["subscales"][sub.code]) for sub in instrument.ranked(
        {k: v["score"] for k, v in data["subscales"].items()})] \
        if instrument.kind == "exploration" else []
    # a flag that points to a fuller questionnaire (a positive PHQ-2 to the PHQ-9) links to it
    fuller = {r.flag: url_for("screening.take", code=r.next) for r in instrument.safety
              if r.next and r.flag in (data.get("flags") or [])}
    followup = data.get("followup") or {}
    safety = {}
    if crisis:
        consent_form = SafetyConsentForm()
        consent_form.centre.choices = [SelectChoice("", _("Choose a centre"))] + [
            SelectChoice(str(c.id), c.localised("name", lang)) for c in _centres()]
        item = risk.open_item_for(row) if row.id else None
        safety = dict(
            triage=followup.get("triage") or (item.triage if item else None),
            item=item, item_centre=next((c for c in _centres() if item and
                                         c.id == item.centre_id), None),
            needs_followup=risk.needs_followup(row),
            consent_given=risk.has_safety_consent(current_user),
            worker=current_user.is_authenticated and current_user.has_role(Role.WORKER),
            consent_form=consent_form)
    # 2-4 self-help items matching the band (none on a crisis page: the safety loop decides)
    reading = [] if counsellor_view else library.for_result(
        row.instrument, data["band"], data.get("flags") or [], "en" if lang == "en" else "zh",
        crisis=bool(data.get("crisis")))
    return render_template(
        "screening/result.html", row=row, reading=reading, data=data, instrument=instrument,
        band=band, areas=areas, fuller=fuller,
        safety=safety, source=instrument_source(instrument, lang),
        text=instrument.text(lang), lang=lang, subscales=subscales, links=links,
        self_help="self_help" in suggest or not links, code=code, owner=owner,
        counsellor_view=counsellor_view, crisis=crisis,
        contact_form=_contact_form(), home=home, centres=_centres(),
        share_form=ShareForm(), reminder_form=ReminderForm(),
        counselling_url=booking_url("counselling", centre_code),
        career_url=booking_url(SUGGEST_SERVICES["career"], centre_code),
        crisis_lines=services.crisis_lines(),
    )


# -- taking a questionnaire -----------------------------------------------------------------
@bp.route("/screening/")
@public
@anonymous_page()
def index() -> str:
    """Every questionnaire with what it measures and how long it takes."""
    lang = current_locale()
    return render_template("screening/index.html",
                           items=[i.text(lang) for i in assessments.instruments()])


@bp.route("/screening/<code>", methods=["GET", "POST"])
@public
@anonymous_page()
def take(code: str) -> str | Response:
    """One questionnaire on one page; the result is shown at once."""
    instrument = _instrument_or_404(code)
    saving = services.saving_for(current_user)
    if saving is services.Saving.MUST_CHOOSE and not session.get(NO_SAVE):
        return redirect(url_for("screening.consent", next=code))
    keep = saving is services.Saving.KEPT and not session.get(NO_SAVE)
    chosen: dict[str, int] = {}
    missing: list[str] = []
    if request.method == "POST":
        # The app-wide CSRF check refused a bad token before this view ran.
        chosen, missing = parse_answers(instrument, request.form)
        if not missing:
            answers, extra = services.split_answers(instrument, chosen)
            saved = services.save_result(current_user._get_current_object(), instrument,
                                         answers, extra, keep=keep)
            follow = saved.followup
            if keep:
                return redirect(url_for("screening.followup" if follow else "screening.result",
                                        uid=saved.uid))
            session[LAST_ANON] = saved.uid
            session[NEW_CODE] = saved.code
            return redirect(url_for("screening.anonymous_followup" if follow
                                    else "screening.anonymous_result"))
    lang = current_locale()
    return render_template("screening/take.html", form=ConsentForm(),  # for its CSRF token
                           text=instrument.text(lang),
                           source=instrument_source(instrument, lang),
                           chosen=chosen, missing=missing, saving=keep)


@bp.route("/screening/consent", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def consent() -> str | Response:
    """A separate, plain-language consent before the first saved result."""
    form = ConsentForm()
    code = request.args.get("next", "")
    target = code if services.instrument_or_none(code) else None
    if form.validate_on_submit():
        if request.form.get("choice") == "agree":
            services.give_health_consent(current_user)
            session.pop(NO_SAVE, None)
            # The separate, optional safety-contact consent is offered next (then the profile).
            return redirect(url_for("screening.safety_consent", next=target or ""))
        session[NO_SAVE] = True
        return redirect(url_for("screening.take", code=target) if target
                        else url_for("screening.index"))
    return render_template("screening/consent.html", form=form, next=target or "",
                           version=services.CONSENT_VERSION)


@bp.route("/screening/profile", methods=["GET", "POST"])
@roles_required(Role.WORKER)
def profile() -> str | Response:
    """Optional age band, type of work and nearest centre, for statistics only."""
    form = ProfileForm()
    lang = current_locale()
    form.centre.choices = [SelectChoice("", _("Prefer not to say"))] + [
        SelectChoice(str(c.id), c.localised("name", lang)) for c in _centres()]
    code = request.args.get("next", "")
    target = url_for("screening.take", code=code) if services.instrument_or_none(code) \
        else url_for("screening.index")
    if form.validate_on_submit():
        centre = int(form.centre.data) if (form.centre.data or "").isdigit() else None
        services.update_profile(current_user, form.age_band.data, form.sector.data, centre)
        flash(_("Thank you. Your answers to these questions are saved."), "success")
        return redirect(target)
    if not form.is_submitted():
        form.age_band.data = current_user.age_band or ""
        form.sector.data = current_user.sector or ""
        form.centre.data = str(current_user.home_centre_id or "")
    return render_template("screening/profile.html", form=form, skip=target)


# -- seeing results again ---------------------------------------------------------------------
@bp.route("/screening/retrieve", methods=["GET", "POST"])
@public
@retrieve_limit
def retrieve() -> str | Response:
    """Enter an anonymous result's code to see it again (30 days)."""
    form = RetrieveForm()
    if form.validate_on_submit():
        row = services.find_by_code(form.code.data)
        if row is not None:
            session[LAST_ANON] = row.uid
            return redirect(url_for("screening.anonymous_result"))
        form.code.errors.append(_("This code does not open a result. Check it, or note that "
                                  "results are deleted after 30 days."))
    return render_template("screening/retrieve.html", form=form)


@bp.route("/screening/result")
@public
def anonymous_result() -> str | Response:
    """The anonymous result of this browser session (after answering or entering a code).

    Answering redirects here, so reloading the page never submits the answers twice.
    """
    row = services.anonymous_result(session.get(LAST_ANON, ""))
    if row is None:
        session.pop(LAST_ANON, None)
        return redirect(url_for("screening.retrieve"))
    return _render_result(row, code=session.pop(NEW_CODE, None))


@bp.route("/screening/results/<uid>")
@roles_required(Role.WORKER)
def result(uid: str) -> str:
    """A saved result, for its owner only."""
    row = services.own_result(current_user, uid)
    if row is None:
        abort(404)
    return _render_result(row, owner=True)


@bp.route("/screening/results/<uid>/share", methods=["POST"])
@roles_required(Role.WORKER)
def share(uid: str) -> Response:
    """Turn sharing with the home centre's counsellors on or off."""
    row = services.own_result(current_user, uid)
    if row is None:
        abort(404)
    if ShareForm().validate_on_submit():
        on = request.form.get("shared") == "1"
        services.set_shared(current_user, row, on)
        flash(_("Counsellors at your centre can now see this result.") if on
              else _("This result is no longer shared."), "success")
    return redirect(url_for("screening.result", uid=uid))


@bp.route("/screening/history")
@roles_required(Role.WORKER)
def history() -> str:
    """Each questionnaire's results over time: a chart and the same numbers as a table."""
    lang = current_locale()
    # The charts and tables are drawn (and the results opened) only when the person's
    # results, or their language, changed since this process last drew them. On a miss the
    # key is taken again from the rows drawn, so a part is never kept under older marks.
    marks = services.history_marks(current_user)
    results = _HISTORY_PARTS.kept(_history_key(current_user, lang, marks))
    if results is None:
        by_code = services.history(current_user)
        rows = [r for group in by_code.values() for r in group]
        results = _HISTORY_PARTS.render(
            _history_key(current_user, lang, [_mark(r) for r in rows]),
            lambda: render_template("screening/_history_groups.html",
                                    groups=_groups(by_code, lang), lang=lang))
    reminders = [(m, services.instrument_or_none(services.reminder_instrument(m) or ""))
                 for m in services.pending_reminders(current_user)]
    # The cancel form (a wtforms form built anew each time) only when there is a reminder.
    return render_template("screening/history.html", results=results, any_results=bool(marks),
                           reminders=reminders, cancel_form=CancelForm() if reminders else None,
                           lang=lang)


# One person's own charts and tables, in this process's memory only (never another's: the
# key starts with their id), at most this many people's at once.
_HISTORY_PARTS = FragmentCache(maxsize=512)


def _history_key(user: Any, lang: str, marks: list[Any]) -> tuple[Any, ...]:
    """Everything ``screening/_history_groups.html`` prints depends on, as a hashable key.

    ``marks`` are ``services.history_marks`` rows (or ``_mark`` of loaded results): a
    result's sealed bytes change with every write of its data (follow-up answers, a risk
    flag, a key rotation), ``shared`` is its own column, and a destroyed data key changes
    the person's key id: any of them draws the part again (and a destroyed key fails as
    before). Only a digest of the ciphertext is kept, never plaintext.
    """
    return (user.id, user.data_key_id, lang, tuple(
        (m.id, m.uid, m.instrument, m.created_at, m.shared,
         hashlib.blake2b(m.data_ct or b"", digest_size=16).digest())
        for m in sorted(marks, key=lambda m: m.id)))  # the same key from either reading


def _mark(row: ScreeningResult) -> Any:
    """A loaded result's marks, as ``services.history_marks`` reads them."""
    return SimpleNamespace(id=row.id, uid=row.uid, instrument=row.instrument,
                           created_at=row.created_at, shared=row.shared,
                           data_ct=getattr(row, "data_ct", None))  # declared by Encrypted


def _groups(by_code: dict[str, list[ScreeningResult]], lang: str) -> list[dict[str, Any]]:
    """Each questionnaire's results, opened, with its chart and trend."""
    groups = []
    for code, rows in by_code.items():
        instrument = assessments.get(code)
        entries = [(r, services.view(r)) for r in rows]
        scores = [(local_date(r.created_at), d["total"]) for r, d in entries]
        before = scores[-2][1] if len(scores) > 1 else None
        # The page names each questionnaire only: not its every item and option in ``text()``.
        text = {"code": instrument.code, "abbreviation": instrument.abbreviation,
                "name": instrument.name.get(lang)}
        groups.append(dict(instrument=instrument, text=text, entries=entries,
                           chart=chart.build(instrument, scores, lang),
                           trend=chart.trend(instrument, before, scores[-1][1]),
                           before=before, last=scores[-1][1]))
    return groups


@bp.route("/screening/results/<uid>/remind", methods=["POST"])
@roles_required(Role.WORKER)
def remind(uid: str) -> Response:
    """Queue a reminder to repeat this result's questionnaire."""
    row = services.own_result(current_user, uid)
    if row is None:
        abort(404)
    form = ReminderForm()
    if form.validate_on_submit():
        instrument = assessments.get(row.instrument)
        subject, text = reminder_email(current_user, instrument.name.zh, instrument.name.en,
                                       instrument.code)
        message = services.schedule_reminder(current_user, instrument, int(form.weeks.data),
                                             subject=subject, text=text)
        if message is None:
            flash(_("Reminders go by email. Add an email address to your account first."),
                  "error")
        else:
            flash(_("We will email you a reminder in %(weeks)s weeks.",
                    weeks=int(form.weeks.data)), "success")
    else:
        flash(_("Please choose 2 or 4 weeks."), "error")
    return redirect(url_for("screening.result", uid=uid))


@bp.route("/screening/reminders/<uid>/cancel", methods=["POST"])
@roles_required(Role.WORKER)
def cancel_reminder(uid: str) -> Response:
    """Cancel an unsent reminder."""
    if CancelForm().validate_on_submit():
        if not services.cancel_reminder(current_user, uid):
            abort(404)
        flash(_("The reminder is cancelled."), "success")
    return redirect(url_for("screening.history"))


# -- the safety path ------------------------------------------------------------------------
@bp.route("/screening/contact", methods=["GET", "POST"])
@public
@limiter.limit(CONTACT_LIMIT, methods=["POST"])
def contact() -> str | Response:
    """Ask a counsellor of a chosen centre to get in touch; works without an account."""
    form = _contact_form()
    if form.validate_on_submit():
        source = None
        if current_user.is_authenticated:
            uid = request.form.get("result", "")
            source = services.own_result(current_user, uid) if uid else None
        if source is None:
            source = services.anonymous_result(session.get(LAST_ANON, ""))
        try:
            item = services.request_contact(
                current_user if current_user.is_authenticated else None,
                int(form.centre.data) if form.centre.data.isdigit() else None,
                form.phone.data, bool(form.use_account.data), form.best_time.data, source)
        except services.ScreeningError as exc:
            show_on_form(form, exc)
        except DomainError as exc:  # already asked for this result: nothing changed
            db.session.rollback()
            form.centre.errors.append(exc.message)
        else:
            session[CONTACT_SENT] = item.centre_id
            return redirect(url_for("screening.contact_sent"))
    return render_template("screening/contact.html", form=form, centres=_centres())


@bp.route("/screening/contact/sent")
@public
def contact_sent() -> str | Response:
    """What happens next, after a request for contact (reached by a redirect, so Back and
    Refresh never send the request again)."""
    centre = next((c for c in _centres() if c.id == session.get(CONTACT_SENT)), None)
    if centre is None:
        return redirect(url_for("screening.contact"))
    return render_template("screening/contact_done.html", centre=centre)


# -- counsellors ----------------------------------------------------------------------------
@bp.route("/counsellor/risks")
@roles_required(Role.COUNSELLOR)
def risk_queue() -> str:
    """The risk queue of my centres (and escalations to the hub I lead): urgent first."""
    from app.counselling import risk_queue as risk_queue_service

    now = utcnow()
    rows = [(item, risk_queue_service.is_overdue(item, now),
             risk_queue_service.latest_next_try(item))
            for item in risk_queue_service.queue(current_user)]
    return render_template("screening/risk_queue.html", rows=rows, now=now,
                           centres=services.centres_of(current_user))


@bp.route("/counsellor/risks/<uid>", methods=["GET", "POST"])
@roles_required(Role.COUNSELLOR)
def risk_item(uid: str) -> str | Response:
    """One risk item (reading is audited): its history, and the next follow-up step."""
    from app.counselling import risk_queue as risk_queue_service
    from app.counselling.forms import RiskStepForm

    item = risk_queue_service.open_item(current_user, uid)
    if item is None:
        abort(404)
    form = RiskStepForm()
    if form.validate_on_submit():
        try:
            step = risk_queue_service.StepInput(
                kind=form.kind.data or "", result=form.result.data or "",
                next_try_at=_parse_local(form.next_try.data),
                referred_to=form.referred_to.data or "", outcome=form.outcome.data or "",
                note=form.note.data or "")
            risk_queue_service.record_step(current_user, item, step)
        except risk_queue_service.RiskStepError as exc:
            db.session.rollback()
            getattr(form, exc.field, form.kind).errors.append(exc.message)
        else:
            chosen = next((c.label for c in form.kind.choices if c.value == step.kind), "")
            flash(_("Step recorded: %(step)s.", step=chosen), "success")
            if step.kind == "closed":
                return redirect(url_for("screening.risk_queue"))
            return redirect(url_for("screening.risk_item", uid=uid))
    instrument = services.instrument_or_none((item.contact or {}).get("instrument") or "")
    return render_template("screening/risk_item.html", item=item, form=form,
                           steps=risk_queue_service.steps_of(item), now=utcnow(),
                           overdue=risk_queue_service.is_overdue(item),
                           instrument=instrument, lang=current_locale())


def _parse_local(text: str | None) -> datetime | None:
    """A ``datetime-local`` value in Beijing time, as UTC; None when empty."""
    from app.counselling import risk_queue as risk_queue_service

    text = (text or "").strip()
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise risk_queue_service.RiskStepError(
            "next_try", _l("Please give the time as YYYY-MM-DD HH:MM.")) from None
    if value.tzinfo is not None:
        value = value.replace(tzinfo=None)
    try:
        return value.replace(tzinfo=SHANGHAI).astimezone(UTC)  # naive: Beijing wall clock
    except OverflowError:  # year 1 or 9999: no time to call back
        raise risk_queue_service.RiskStepError(
            "next_try", risk_queue_service.OUTSIDE_NEXT_TRY_WINDOW) from None


@bp.route("/counsellor/shared")
@roles_required(Role.COUNSELLOR)
def shared_list() -> str:
    """Results that workers of my centres chose to share (the listing is audited)."""
    lang = current_locale()
    rows = [(r, assessments.get(r.instrument).text(lang))
            for r in services.shared_results(current_user)]
    from app.screening import safety_plan

    return render_template("screening/shared_list.html", rows=rows,
                           plans=safety_plan.shared_plans(current_user))


@bp.route("/counsellor/shared/<uid>")
@roles_required(Role.COUNSELLOR)
def shared_result(uid: str) -> str:
    """One shared result (audited); anything not shared with me answers 404."""
    row = services.read_shared(current_user, uid)
    if row is None:
        abort(404)
    return _render_result(row, counsellor_view=True)




SHANGHAI = ZoneInfo("Asia/Shanghai")


def local_date(value: datetime) -> str:
    """A stored UTC time as a date in Asia/Shanghai."""
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d")


@bp.app_template_filter("screening_date")
def _date_filter(value: datetime) -> str:
    return local_date(value)


@bp.app_template_filter("screening_time")
def _time_filter(value: datetime) -> str:
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


@bp.app_template_filter("time_since")
def _since_filter(value: datetime, now: datetime | None = None) -> str:
    """How long ago, in days, hours and minutes (for the risk queue)."""
    minutes = max(0, int(((now or utcnow()) - value).total_seconds() // 60))
    days, rest = divmod(minutes, 1440)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h", d=days, h=hours)
    if hours:
        return _("%(h)d h %(m)d min", h=hours, m=minutes)
    return _("%(m)d min", m=minutes)


@bp.app_template_global()
def choice_label(field: Any, value: str) -> str:
    """The reader's label of a stored choice code (the code itself when unknown)."""
    for choice in field.choices:
        code, label = (choice.value, choice.label) if hasattr(choice, "value") else choice[:2]
        if code == value:
            return str(label)
    return value
