"""Admin pages for the network's calendar: centre-wide closures, rooms, new events."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.accounts.models import Role, User
from app.admin import bp, services
from app.admin.network_forms import (
    ClosureEditForm,
    ClosureForm,
    EventForm,
    HolidayCalendarForm,
    RoomForm,
)
from app.booking import closures as closure_rules
from app.booking.forms import ActionForm
from app.booking.scheduling import local_zone
from app.extensions import db
from app.i18n import current_locale
from app.refusals_shown import show_on_form
from app.security.access import roles_required


def _actor() -> User:
    return current_user._get_current_object()


def _centre_choices() -> list[SelectChoice]:
    lang = current_locale()
    return [SelectChoice(str(c.id), c.localised("name", lang))
            for c in sorted(services.centres_in_reach(_actor()), key=lambda c: c.id)]


@bp.route("/closures", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def closures() -> str | Response:
    """Upcoming closures, and a form to close a centre (its sessions then are called off)."""
    form = ClosureForm()
    form.centre.choices = _centre_choices()
    if form.validate_on_submit():
        try:
            done = services.close_centre(_actor(), centre_id=form.centre.data,
                                         first_day=form.first_day.data,
                                         last_day=form.last_day.data,
                                         reason_zh=form.reason_zh.data or "",
                                         reason_en=form.reason_en.data or "")
        except services.AdminError as exc:
            db.session.rollback()
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The centre is closed on these days. %(sessions)d sessions were "
                    "cancelled and %(people)d people told.", sessions=done.sessions,
                    people=done.notified), "success")
            return redirect(url_for("admin.closures"), code=303)
    return _closures_page(form=form)


def _calendar_form(form: HolidayCalendarForm | None = None) -> HolidayCalendarForm:
    form = form or HolidayCalendarForm(formdata=None)
    form.calendar.choices = [SelectChoice(name, f"{name} · {source}" if source else name)
                             for name, source in closure_rules.calendar_files()]
    form.centre.choices = [SelectChoice("0", _("All my centres")), *_centre_choices()]
    return form


def _closures_page(form: ClosureForm | None = None,
                   calendar: HolidayCalendarForm | None = None) -> str:
    if form is None:
        form = ClosureForm(formdata=None)
        form.centre.choices = _centre_choices()
    return render_template("admin/closures.html", form=form, calendar=_calendar_form(calendar),
                           closures=services.upcoming_closures(_actor()), lang=current_locale())


@bp.route("/closures/calendar", methods=["POST"])
@roles_required(Role.ADMIN)
def load_holidays() -> str | Response:
    """Close the admin's centres on each public holiday of a shipped calendar file."""
    form = _calendar_form(HolidayCalendarForm())
    if form.validate_on_submit():
        try:
            report = services.load_holidays(_actor(), form.calendar.data or "",
                                            form.centre.data or None)
        except services.OutOfScopeError:
            abort(404)
        except services.AdminError as exc:
            db.session.rollback()
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Holidays loaded: %(created)d closures made (%(existing)d were there "
                    "already, %(over)d are over). %(sessions)d sessions were cancelled and "
                    "%(people)d people told.", created=report.created,
                    existing=report.existing, over=report.over, sessions=report.sessions,
                    people=report.notified), "success")
            return redirect(url_for("admin.closures"), code=303)
    return _closures_page(calendar=form)


def _closure_or_404(closure_id: int):
    try:
        return services.closure_for(_actor(), closure_id)
    except services.OutOfScopeError:
        abort(404)


@bp.route("/closures/<int:closure_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def closure(closure_id: int) -> str | Response:
    """Correct a closure's days or reason, or remove it."""
    row = _closure_or_404(closure_id)
    form = ClosureEditForm(obj=row)
    if form.validate_on_submit():
        try:
            done = services.change_closure(_actor(), row, first_day=form.first_day.data,
                                           last_day=form.last_day.data,
                                           reason_zh=form.reason_zh.data or "",
                                           reason_en=form.reason_en.data or "")
        except services.OutOfScopeError:
            abort(404)
        except services.AdminError as exc:
            db.session.rollback()
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The closure is changed. %(sessions)d more sessions were cancelled and "
                    "%(people)d people told.", sessions=done.sessions,
                    people=done.notified), "success")
            return redirect(url_for("admin.closures"), code=303)
    return render_template("admin/closure_form.html", form=form, closure=row,
                           remove=ActionForm(), lang=current_locale())


@bp.route("/closures/<int:closure_id>/remove", methods=["POST"])
@roles_required(Role.ADMIN)
def remove_closure(closure_id: int) -> Response:
    """Open the days again; sessions already cancelled stay cancelled."""
    row = _closure_or_404(closure_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    services.remove_closure(_actor(), row)
    db.session.commit()
    flash(_("The closure is removed. Sessions it cancelled stay cancelled."), "success")
    return redirect(url_for("admin.closures"), code=303)


@bp.route("/rooms", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def rooms() -> str | Response:
    """The centres' rooms, and a form to add one."""
    form = RoomForm()
    form.centre.choices = _centre_choices()
    if form.validate_on_submit():
        try:
            services.save_room(_actor(), None, centre_id=form.centre.data,
                               name_zh=form.name_zh.data or "", name_en=form.name_en.data or "",
                               capacity=form.capacity.data or 0,
                               accessible=form.accessible.data)
        except services.AdminError as exc:
            db.session.rollback()
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.rooms"), code=303)
    return render_template("admin/rooms.html", form=form, rooms=services.rooms(_actor()),
                           lang=current_locale())


@bp.route("/events/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_event() -> str | Response:
    """Create an event: scheduled like a session (leader and room free, centre open), listed
    on /events with its own page."""
    lang = current_locale()
    form = EventForm()
    form.centre.choices = _centre_choices()
    form.service.choices = [SelectChoice(str(s.id), s.localised("name", lang))
                            for s in services.all_services()]
    form.leader.choices = [SelectChoice(str(u.id), u.name or u.uid[:8])
                           for u in services.event_leaders(_actor())]
    form.room_id.choices = [SelectChoice("0", _("No room"))] + [
        SelectChoice(str(r.id), f"{r.centre.localised('name', lang)} · "
                                f"{r.localised('name', lang)} ({r.capacity})")
        for r in services.rooms(_actor()) if r.active]
    if form.validate_on_submit():
        zone = local_zone()
        starts_at = datetime.combine(form.day.data, form.start.data, zone)
        plan = services.EventPlan(
            centre_id=form.centre.data, service_id=form.service.data,
            leader_id=form.leader.data, starts_at=starts_at,
            opens_at=datetime.combine(form.opens_on.data, time(0), zone),
            closes_at=starts_at - timedelta(hours=form.closes_hours_before.data or 0),
            kind=form.kind.data or "", place=form.place.data or "",
            capacity=form.capacity.data, room_id=form.room_id.data or None,
            tags=form.tags.data or "",
            texts={name: getattr(form, name).data or ""
                   for name in services.EVENT_TEXT_FIELDS})
        try:
            event = services.create_event(_actor(), plan)
        except services.AdminError as exc:
            db.session.rollback()
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The event is listed."), "success")
            return redirect(url_for("events.detail", uid=event.uid), code=303)
    return render_template("admin/event_form.html", form=form)
