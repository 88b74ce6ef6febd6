"""The counsellor's workspace pages. Thin: parse, call app/counselling/services.py, render."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.accounts.models import Role
from app.booking import meetings
from app.booking.bookings import NotFoundError, recording_opens, staff_moves_now
from app.booking.forms import MeetingLinkForm
from app.booking.labels import booking_summary, status_label
from app.booking.models import Availability
from app.booking.scheduling import SchedulingError, local_zone
from app.counselling import bp, risk_queue
from app.counselling import services as counselling
from app.counselling.forms import (
    WEEKDAYS,
    ActionForm,
    AvailabilityForm,
    ExtraHoursForm,
    LeaveForm,
    NoteForm,
)
from app.extensions import db
from app.refusals_shown import show_refusal
from app.security import dates
from app.security.access import roles_required
from app.security.inputs import parse_id
from app.types import utcnow

counsellor_only = roles_required(Role.COUNSELLOR)


@bp.app_template_global()
def weekday_label(weekday: int) -> str:
    """The reader's name for a weekday (Monday is 0)."""
    return str(dict(WEEKDAYS)[weekday])


def _today() -> date:
    return utcnow().astimezone(local_zone()).date()


@bp.route("/")
@counsellor_only
def home() -> str:
    """今日工作台: today's sessions, bookings to confirm and overdue risk items, counted."""
    sessions = counselling.sessions_for(current_user, _today(), 1)
    now = utcnow()
    open_risks = risk_queue.queue(current_user, resolved_limit=0)
    overdue = sum(1 for item in open_risks if risk_queue.is_overdue(item, now))
    return render_template("counselling/home.html", sessions=sessions, open_risks=open_risks,
                           overdue_risks=overdue,
                           todo=counselling.needs_action(current_user, now))


@bp.route("/calendar")
@counsellor_only
def calendar() -> str:
    """Day or week view (``?view=day|week&date=YYYY-MM-DD``) of the counsellor's sessions.

    The week is a grid of days on a wide screen; on a phone only the chosen day shows, with
    a day switcher. Sessions with people, with bookings to confirm and with check-ins due
    stand out, and a badge counts what needs action now.
    """
    view = "day" if request.args.get("view") == "day" else "week"
    today = _today()
    try:
        selected = date.fromisoformat(request.args.get("date", ""))
    except ValueError:
        selected = today
    if not dates.sensible(selected):  # year 1 or 9999: show today instead
        selected = today
    first = selected - timedelta(days=selected.weekday()) if view == "week" else selected
    days = 1 if view == "day" else 7
    now = utcnow()
    entries = counselling.calendar_entries(
        counselling.sessions_for(current_user, first, days), now)
    by_day: dict[date, list[counselling.CalendarEntry]] = {
        first + timedelta(days=n): [] for n in range(days)}
    zone = local_zone()
    for entry in entries:
        by_day.setdefault(entry.session.starts_at.astimezone(zone).date(), []).append(entry)
    monday = selected - timedelta(days=selected.weekday())
    week = [monday + timedelta(days=n) for n in range(7)]
    step = timedelta(days=days)
    return render_template("counselling/calendar.html", view=view, by_day=by_day, first=first,
                           selected=selected, today=today, week=week, now=now,
                           todo=counselling.needs_action(current_user, now),
                           previous=first - step, following=first + step)


@bp.route("/sessions/<int:session_id>")
@counsellor_only
def session_page(session_id: int) -> str:
    """A session with its attendees and their statuses (for its counsellor only)."""
    try:
        session = counselling.own_session(current_user, session_id)
    except NotFoundError:
        abort(404)
    now = utcnow()
    link = meetings.link_for(current_user, session)
    people = counselling.attendees(session)
    numbers = meetings.numbers_to_call(current_user, session, people)
    if link is not None or numbers:
        db.session.commit()  # each look at a link or a number is on record
    return render_template("counselling/session.html", session=session,
                           attendees=people, form=ActionForm(), numbers=numbers, now=now,
                           moves={b.uid: staff_moves_now(b.status, session, now) for b in people},
                           opens=recording_opens(session),
                           meeting_link=link, link_form=MeetingLinkForm(),
                           own=session.counsellor_id == current_user.id)


@bp.route("/sessions/<int:session_id>/meeting-link", methods=["POST"])
@counsellor_only
def meeting_link(session_id: int) -> Response:
    """Type this video session's link (Tencent Meeting / VooV, Jitsi): https only."""
    try:
        session = counselling.own_session(current_user, session_id)
    except NotFoundError:
        abort(404)
    form = MeetingLinkForm()
    if not form.validate_on_submit():
        flash(str(meetings.NOT_HTTPS), "error")
        return redirect(url_for("counselling.session_page", session_id=session_id))
    try:
        meetings.set_link(current_user, session, form.link.data or "")
    except LookupError:
        abort(404)
    except meetings.MeetingError as exc:
        show_refusal(exc)
    else:
        db.session.commit()
        flash(_("The meeting link is saved. Booked people see it on their booking."),
              "success")
    return redirect(url_for("counselling.session_page", session_id=session_id))


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@counsellor_only
def cancel_session(session_id: int) -> Response:
    """Call a session off; attendees are emailed."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        count = counselling.cancel_session(current_user, session_id)
    except NotFoundError:
        abort(404)
    except counselling.CounsellingError as exc:
        show_refusal(exc)
    else:
        flash(_("The session was cancelled; %(num)d people were told.", num=count), "success")
    return redirect(url_for("counselling.session_page", session_id=session_id))


@bp.route("/bookings/<uid>/cancel", methods=["GET", "POST"])
@counsellor_only
def cancel_booking(uid: str) -> str | Response:
    """Ask to confirm, then cancel one booking; its person is told the centre cancelled it."""
    try:
        booking = counselling.cancellable_booking(current_user, uid)
    except NotFoundError:
        abort(404)
    form = ActionForm()
    if request.method == "GET":
        return render_template("counselling/cancel_booking.html", booking=booking,
                               session=booking.session, form=form)
    if not form.validate_on_submit():
        abort(400)
    try:
        counselling.cancel_booking(current_user, uid)
    except counselling.CounsellingError as exc:
        show_refusal(exc)
    else:
        flash(_("The booking was cancelled and its person was told."), "success")
    return redirect(url_for("counselling.session_page", session_id=booking.session_id))


@bp.route("/bookings/<uid>/<action>", methods=["POST"])
@counsellor_only
def booking_action(uid: str, action: str) -> Response:
    """Confirm, check in, mark attended or no-show."""
    if action not in counselling.TRANSITIONS or not ActionForm().validate_on_submit():
        abort(404 if action not in counselling.TRANSITIONS else 400)
    try:
        booking = counselling.set_status(current_user, uid, action)
    except NotFoundError:
        abort(404)
    except counselling.CounsellingError as exc:
        show_refusal(exc)
        booking = counselling.own_booking(current_user, uid)
    else:
        flash(_("%(what)s: %(status)s.", what=booking_summary(booking),
                status=status_label(booking.status)), "success")
    return redirect(url_for("counselling.session_page", session_id=booking.session_id))


@bp.route("/bookings/<uid>/notes", methods=["GET", "POST"])
@counsellor_only
def notes(uid: str) -> str | Response:
    """The counsellor's own notes on one booking (each read is audit-logged)."""
    form = NoteForm()
    try:
        booking = counselling.own_booking(current_user, uid)
        if form.validate_on_submit():
            counselling.add_note(current_user, uid, form.body.data)
            flash(_("Note saved for %(what)s.", what=booking_summary(booking)), "success")
            return redirect(url_for("counselling.notes", uid=uid))
        found = counselling.read_notes(current_user, uid)
    except NotFoundError:
        abort(404)
    except counselling.CounsellingError as exc:
        form.body.errors = [str(exc.message)]
        found = counselling.read_notes(current_user, uid)
    return render_template("counselling/notes.html", booking=booking, notes=found, form=form,
                           colleagues=counselling.colleagues(current_user),
                           action_form=ActionForm())


@bp.route("/bookings/<uid>/handover", methods=["POST"])
@counsellor_only
def handover(uid: str) -> Response:
    """Ask the worker to let a colleague read my notes on them."""
    if not ActionForm().validate_on_submit():
        abort(400)
    to_id = parse_id(request.form.get("to")) or 0
    try:
        counselling.request_handover(current_user, uid, to_id)
    except NotFoundError:
        abort(404)
    except counselling.CounsellingError as exc:
        show_refusal(exc)
    else:
        flash(_("Asked. The notes are shared only if the person agrees."), "success")
    return redirect(url_for("counselling.notes", uid=uid))


def _availability_form(form_class: type = AvailabilityForm, **kwargs: str):
    form = form_class(**kwargs)
    centres = list(current_user_centres())
    lang = "en" if _en() else "zh_CN"
    form.centre.choices = [SelectChoice(str(c.id), c.localised("name", lang)) for c in centres]
    services = {s.id: s for c in centres for s in c.services}
    form.service.choices = [SelectChoice(str(s.id), s.localised("name", lang))
                            for s in services.values()]
    return form


def _en() -> bool:
    from app.i18n import current_locale

    return current_locale() == "en"


def current_user_centres():
    """Centres where the signed-in counsellor works."""
    from sqlalchemy import select

    from app.booking.models import Centre, centre_staff

    return db.session.scalars(select(Centre).join(centre_staff)
                              .where(centre_staff.c.user_id == current_user.id)
                              .order_by(Centre.id)).all()


@bp.route("/availability", methods=["GET", "POST"])
@counsellor_only
def availability() -> str | Response:
    """Weekly hours per centre, and leave."""
    from sqlalchemy import select

    from app.booking.models import Centre, Service

    form = _availability_form()
    leave = LeaveForm(prefix="leave")
    if form.validate_on_submit():
        try:
            counselling.add_availability(
                current_user, centre=db.get_or_404(Centre, form.centre.data),
                service=db.get_or_404(Service, form.service.data), weekday=form.weekday.data,
                start=form.start.data, end=form.end.data, valid_from=form.valid_from.data,
                room=form.room.data or "", room_en=form.room_en.data or "")
        except SchedulingError as exc:
            db.session.rollback()
            form.end.errors = [str(exc.message)]
        else:
            flash(_("Weekly hours saved; the sessions are open for booking."), "success")
            return redirect(url_for("counselling.availability"))
    rules = db.session.scalars(select(Availability).where(
        Availability.counsellor_id == current_user.id).order_by(
        Availability.weekday, Availability.start_time)).all()
    return render_template("counselling/availability.html", form=form, leave=leave,
                           rules=rules, action_form=ActionForm(),
                           extra=_availability_form(ExtraHoursForm, prefix="extra"))


@bp.route("/availability/extra", methods=["POST"])
@counsellor_only
def add_extra() -> Response:
    """One-off extra hours: their sessions open for booking at once."""
    from app.booking.models import Centre, Service

    extra = _availability_form(ExtraHoursForm, prefix="extra")
    if not extra.validate_on_submit():
        flash(_("Please check the highlighted fields."), "error")
        return redirect(url_for("counselling.availability"))
    zone = local_zone()
    try:
        counselling.add_extra_hours(
            current_user, centre=db.get_or_404(Centre, extra.centre.data),
            service=db.get_or_404(Service, extra.service.data),
            starts_at=datetime.combine(extra.day.data, extra.start.data, zone),
            ends_at=datetime.combine(extra.day.data, extra.end.data, zone))
    except SchedulingError as exc:
        show_refusal(exc)
    else:
        flash(_("Extra hours saved; the sessions are open for booking."), "success")
    return redirect(url_for("counselling.availability"))


@bp.route("/availability/<int:rule_id>/remove", methods=["POST"])
@counsellor_only
def remove_availability(rule_id: int) -> Response:
    """Remove a weekly rule."""
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        counselling.remove_availability(current_user, rule_id)
    except NotFoundError:
        abort(404)
    flash(_("Weekly hours removed."), "success")
    return redirect(url_for("counselling.availability"))


@bp.route("/availability/leave", methods=["POST"])
@counsellor_only
def add_leave() -> Response:
    """Record leave: unbooked sessions in it are withdrawn."""
    leave = LeaveForm(prefix="leave")
    if not leave.validate_on_submit() or leave.last_day.data < leave.first_day.data:
        flash(_("The end time must be after the start time."), "error")
        return redirect(url_for("counselling.availability"))
    zone = local_zone()
    start = datetime.combine(leave.first_day.data, time(0), zone)
    end = datetime.combine(leave.last_day.data + timedelta(days=1), time(0), zone)
    counselling.add_leave(current_user, start, end)
    flash(_("Leave saved. Booked sessions in it are still on: cancel them from the calendar."),
          "success")
    return redirect(url_for("counselling.availability"))
