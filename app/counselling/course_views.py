"""Course-of-care pages. The worker's (``/courses``): consent for a course, the questionnaires
before a session, the discharge questions. The counsellor's (``/counselling/courses``): their
clients' courses, the chart of scores per session, discharge. Thin: app/counselling/courses.py
holds the rules."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

import assessments
from app.accounts.models import Role
from app.booking.models import Booking, BookingStatus
from app.counselling import bp, course_chart, courses
from app.counselling.forms import ActionForm, ExperienceForm
from app.extensions import db
from app.i18n import current_locale
from app.refusals_shown import show_refusal
from app.security.access import login_required, roles_required
from app.types import utcnow

care_bp = Blueprint("courses", __name__, template_folder="templates")
counsellor_only = roles_required(Role.COUNSELLOR)


def course_session_link(booking: Booking) -> str | None:
    """The link to a booking's pre-session questionnaires, when it is in a course."""
    course = courses.course_of(booking)
    if course is None or course.closed_at is not None:
        return None
    return url_for("courses.session_measures", uid=booking.uid)


def course_uid_for(booking: Booking) -> str | None:
    """The uid of the course a booking belongs to (for its counsellor's session page)."""
    course = courses.course_of(booking)
    return course.uid if course is not None else None


care_bp.add_app_template_global(course_session_link, "course_session_link")
care_bp.add_app_template_global(course_uid_for, "course_uid_for")


# -- the worker ------------------------------------------------------------------------------
@care_bp.route("/courses")
@login_required
def mine() -> str:
    """The worker's courses of care, with their consent and the sessions to prepare for."""
    now = utcnow()
    found = courses.worker_courses(current_user)
    upcoming = {c.id: [b for b in courses.bookings_of(c) if courses.asked(b, c, now)]
                for c in found}
    return render_template("counselling/my_courses.html", courses_found=found,
                           upcoming=upcoming, form=ActionForm())


@care_bp.route("/courses/<uid>/consent", methods=["POST"])
@login_required
def consent(uid: str) -> Response:
    """Agree (``choice=give``) or stop (``choice=withdraw``) being asked in one course."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        course = courses.worker_course(current_user, uid)
        if request.form.get("choice") == "withdraw":
            courses.withdraw_consent(current_user, course)
            message = _("You will not be asked in this course any more.")
        else:
            courses.give_consent(current_user, course)
            message = _("Thank you. You will be asked before each session of this course.")
    except courses.NotFoundError:
        abort(404)
    except courses.CourseError as exc:
        show_refusal(exc)
    else:
        db.session.commit()
        flash(message, "success")
    back = request.form.get("next", "")
    if back.isalnum() and len(back) <= 32:
        return redirect(url_for("courses.session_measures", uid=back))
    return redirect(url_for("courses.mine"))


def _answers() -> tuple[dict[str, list[int | None]], set[str]]:
    """The posted answers per measure (None where none was chosen) and the missing fields."""
    answers: dict[str, list[int | None]] = {}
    missing: set[str] = set()
    for code in courses.MEASURES:
        instrument = assessments.get(code)
        raw = [request.form.get(f"{code}_q{item.number}", "") for item in instrument.items]
        answers[code] = [int(v) if v.isdigit() else None for v in raw]
        missing |= {f"{code}_q{i + 1}" for i, v in enumerate(answers[code]) if v is None}
    return answers, missing


def _texts(lang: str) -> list[dict]:
    return [assessments.get(code).text(lang) | {"code": code} for code in courses.MEASURES]


@care_bp.route("/courses/sessions/<uid>", methods=["GET", "POST"])
@login_required
def session_measures(uid: str) -> str | Response:
    """PHQ-9 and GAD-7 before one of the worker's sessions (a foreign one is a 404)."""
    try:
        booking, course = courses.own_booking(current_user, uid)
    except courses.NotFoundError:
        abort(404)
    form = ActionForm()
    now = utcnow()
    missing: set[str] = set()
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        answers, missing = _answers()
        try:
            filled = courses.fill(current_user, uid, answers, now)
        except courses.CourseError as exc:
            if missing and courses.asked(booking, course, now):
                db.session.rollback()
                flash(str(exc.message), "error")
                return render_template("counselling/measures.html", booking=booking,
                                       course=course, texts=_texts(current_locale()),
                                       chosen=request.form, missing=missing, form=form,
                                       asked=True, done=False)
            show_refusal(exc)
            return redirect(url_for("courses.session_measures", uid=uid))
        if filled.crisis is not None:
            flash(_("Thank you. Your answers are saved for your counsellor. Please read "
                    "this page now."), "success")
            return redirect(url_for("screening.result", uid=filled.crisis.uid))
        flash(_("Thank you. Your counsellor will see your answers at the session."), "success")
        return redirect(url_for("booking.detail", uid=uid))
    return render_template("counselling/measures.html", booking=booking, course=course,
                           texts=_texts(current_locale()), chosen={}, missing=missing,
                           form=form, asked=courses.asked(booking, course, now),
                           done=bool(courses.measured(booking)),
                           window=courses.window_open(booking, now))


@care_bp.route("/courses/<uid>/experience", methods=["GET", "POST"])
@login_required
def experience(uid: str) -> str | Response:
    """Two optional questions when a course has ended; the counsellor never sees who."""
    try:
        course = courses.worker_course(current_user, uid)
    except courses.NotFoundError:
        abort(404)
    form = ExperienceForm()
    if form.validate_on_submit():
        helped = int(form.helped.data) if str(form.helped.data or "").isdigit() else None
        try:
            courses.give_experience(current_user, uid, helped, form.recommend.data,
                                    share=bool(form.share.data))
        except courses.CourseError as exc:
            show_refusal(exc)
        else:
            flash(_("Thank you. Your counsellor can see your answers.") if form.share.data
                  else _("Thank you. Your answers are counted without your name."), "success")
        return redirect(url_for("courses.mine"))
    return render_template("counselling/experience.html", course=course, form=form)


# -- the counsellor ----------------------------------------------------------------------------
@bp.route("/courses")
@counsellor_only
def caseload() -> str:
    """The counsellor's clients' courses, those not on track marked (scores read: audited)."""
    rows = []
    for course in courses.caseload(current_user):
        points = courses.series(course)
        rows.append((course, points, courses.flags(points)))
    from app import audit

    audit.record(current_user, "course.caseload_read", None, {"courses": len(rows)})
    db.session.commit()
    return render_template("counselling/caseload.html", rows=rows)


@bp.route("/courses/<uid>")
@counsellor_only
def course_page(uid: str) -> str:
    """One client's course: PHQ-9 and GAD-7 per session on a chart, reliable change marked."""
    try:
        course, points = courses.read_chart(current_user, uid)
    except courses.NotFoundError:
        abort(404)
    lang = current_locale()
    charts = [c for code in courses.MEASURES if (c := course_chart.build(code, points, lang))]
    both = courses.paired(points)
    result = courses.outcome(both[0].scores, both[-1].scores) if len(both) >= 2 else None
    return render_template("counselling/course.html", course=course, points=points,
                           experience=course.experience, answer_labels=_experience_labels(),
                           charts=charts, flags=courses.flags(points), result=result,
                           names={code: assessments.get(code).text(lang)
                                  for code in courses.MEASURES},
                           rules=courses, form=ActionForm())


def _experience_labels() -> dict[str, dict[str, str]]:
    """The discharge questions' options in the reader's language (the form's own labels)."""
    form = ExperienceForm()
    return {name: {str(value): str(label) for value, label, *_rest in
                   getattr(form, name).iter_choices()} for name in ("helped", "recommend")}


@bp.route("/courses/<uid>/discharge", methods=["POST"])
@counsellor_only
def discharge(uid: str) -> Response:
    """End one of the counsellor's courses; the worker is offered the closing questions."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        courses.discharge(current_user, uid)
    except courses.NotFoundError:
        abort(404)
    except courses.CourseError as exc:
        show_refusal(exc)
    else:
        flash(_("The course is closed. The client is offered two closing questions."),
              "success")
    return redirect(url_for("counselling.course_page", uid=uid))


@bp.route("/bookings/<uid>/measures", methods=["GET", "POST"])
@counsellor_only
def check_in_measures(uid: str) -> str | Response:
    """The client fills this session's PHQ-9 and GAD-7 on the counsellor's device. Nothing
    of theirs is shown (no name, no earlier score); afterwards a page to hand the device
    back, with the crisis panel when item 9 was above 0. Only the session's own counsellor,
    only for a booked client of it (404 otherwise)."""
    try:
        booking, course = courses.checked_in_booking(current_user, uid)
    except courses.NotFoundError:
        abort(404)
    form = ActionForm()
    now = utcnow()
    back = url_for("counselling.session_page", session_id=booking.session_id)
    if request.method == "POST":
        if not form.validate_on_submit():
            abort(400)
        answers, missing = _answers()
        try:
            courses.fill_at_check_in(current_user, uid, answers, now)
        except courses.CourseError as exc:
            db.session.rollback()
            if missing and courses.asked(booking, course, now):
                flash(str(exc.message), "error")
                return render_template("counselling/check_in_measures.html", booking=booking,
                                       texts=_texts(current_locale()), chosen=request.form,
                                       missing=missing, form=form, asked=True, back=back)
            show_refusal(exc)  # e.g. filled already: the page says to hand the device back
            return redirect(url_for("counselling.check_in_measures", uid=uid))
        flash(_("Thank you. Your answers are saved for your counsellor."), "success")
        return redirect(url_for("counselling.check_in_measures", uid=uid))
    crisis = courses.crisis_at(booking)
    extra: dict = {}
    if crisis is not None:
        from app.screening import risk
        from app.screening import services as screening

        extra = {"safety": {"triage": risk.result_triage(crisis)[0]},
                 "crisis_lines": screening.crisis_lines(), "home": course.centre,
                 "centres": []}
    return render_template("counselling/check_in_measures.html", booking=booking,
                           texts=_texts(current_locale()), chosen={}, missing=set(),
                           form=form, asked=courses.asked(booking, course, now),
                           done=bool(courses.measured(booking)), crisis=crisis is not None,
                           back=back, **extra)


def check_in_measures_due(booking: Booking) -> bool:
    """Whether the session page offers to hand the device to this checked-in client."""
    if booking.status != BookingStatus.CHECKED_IN.value:
        return False
    course = courses.course_of(booking)
    return course is not None and courses.asked(booking, course, utcnow())


care_bp.add_app_template_global(check_in_measures_due, "check_in_measures_due")
