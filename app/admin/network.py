"""Admin pages for the "1+N" network: centres (hub and county), services, group sessions."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app.accounts.models import Role, User
from app.admin import bp, services
from app.admin.network_forms import CentreForm, ScheduleForm, ServiceForm
from app.booking.models import Centre
from app.booking.scheduling import local_zone
from app.extensions import db
from app.i18n import current_locale
from app.refusals_shown import show_on_form
from app.security.access import deny, roles_required


def _actor() -> User:
    return current_user._get_current_object()


def _centre_choices(form: CentreForm, centre: Centre | None, actor: User) -> None:
    lang = current_locale()
    others = [c for c in services.hubs() if centre is None or c.id != centre.id]
    # "1+N": once the network has its hub, a new centre must belong to it, so that a
    # forgotten choice cannot create a second hub.
    form.parent.choices = [] if others else [SelectChoice("0", _("None: this is the city hub"))]
    form.parent.choices += [SelectChoice(str(c.id), c.localised("name", lang)) for c in others]
    form.services.choices = [SelectChoice(str(s.id), s.localised("name", lang))
                             for s in services.all_services()]
    # Two colleagues may share a name (林老师): the address tells them apart.
    form.staff.choices = [SelectChoice(str(u.id), " · ".join(filter(None, (u.name, u.email)))
                                       or u.uid[:8])
                          for u in services.assignable_staff(actor)]


@bp.route("/centres")
@roles_required(Role.ADMIN)
def centres() -> str:
    """The network (the hub first, then its county centres), or this admin's own centres."""
    actor = _actor()
    return render_template("admin/centres.html", centres=services.centres_in_reach(actor),
                           services=services.services_in_reach(actor),
                           network=services.admin_scope(actor).everywhere)


@bp.route("/centres/new", methods=["GET", "POST"], defaults={"centre_id": None})
@bp.route("/centres/<int:centre_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def centre(centre_id: int | None) -> str | Response:
    """Create or edit a centre: details, parent, services offered, staff assigned.

    A county admin edits their own centre only (others: 404); new centres are the hub's."""
    actor = _actor()
    existing = services.centre_for(actor, centre_id) if centre_id else None
    if centre_id and existing is None:
        abort(404)
    if existing is None and not services.admin_scope(actor).everywhere:
        deny("scope")
    form = CentreForm(obj=existing)
    _centre_choices(form, existing, actor)
    if existing is not None and not form.is_submitted():
        form.parent.data = existing.parent_id or 0
        form.services.data = [s.id for s in existing.services]
        form.staff.data = [u.id for u in existing.staff]
    if form.validate_on_submit():
        changes = services.CentreChanges(
            fields={name: getattr(form, name).data for name in services.CENTRE_FIELDS},
            parent_id=form.parent.data or None, service_ids=form.services.data,
            staff_ids=form.staff.data)
        try:
            services.save_centre(actor, existing, changes)
        except services.OutOfScopeError:
            abort(404)
        except services.AdminError as exc:
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Centre saved: %(name)s.", name=changes.fields.get(
                "name_en" if current_locale() == "en" else "name_zh") or ""), "success")
            return redirect(url_for("admin.centres"))
    return render_template("admin/centre_form.html", form=form, centre=existing)


@bp.route("/services/new", methods=["GET", "POST"], defaults={"service_id": None})
@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def service(service_id: int | None) -> str | Response:
    """Create or edit a service and its booking rules (a county admin: their own ones)."""
    actor = _actor()
    existing = services.service_for(actor, service_id) if service_id else None
    if service_id and existing is None:
        abort(404)
    form = ServiceForm(obj=existing)
    if form.validate_on_submit():
        try:
            services.save_service(actor, existing, {
                name: getattr(form, name).data for name in services.SERVICE_FIELDS})
        except services.OutOfScopeError:
            abort(404)
        except services.AdminError as exc:
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("Service saved: %(name)s.", name=(
                form.name_en.data if current_locale() == "en" else form.name_zh.data) or ""),
                "success")
            return redirect(url_for("admin.centres"))
    return render_template("admin/service_form.html", form=form, service=existing)


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def schedule() -> str | Response:
    """Schedule one session (e.g. a group) with a room and seats; overlaps are refused."""
    lang = current_locale()
    actor = _actor()
    form = ScheduleForm()
    form.centre.choices = [SelectChoice(str(c.id), c.localised("name", lang))
                           for c in sorted(services.centres_in_reach(actor), key=lambda c: c.id)]
    form.service.choices = [SelectChoice(str(s.id), s.localised("name", lang))
                            for s in services.all_services()]
    form.counsellor.choices = [SelectChoice(str(u.id), u.name or u.uid[:8])
                               for u in services.staff_working_in(
                                   actor, Role.COUNSELLOR, Role.FACILITATOR)]
    centre_names = {c.id: c.localised("name", lang) for c in services.all_centres()}
    form.room_id.choices = [SelectChoice("0", _("None: name the place below"))] + [
        SelectChoice(str(r.id), f"{centre_names.get(r.centre_id, '')} · "
                                f"{r.localised('name', lang)} ({r.capacity})")
        for r in services.rooms(actor) if r.active]
    if form.validate_on_submit():
        try:
            services.schedule(actor, centre_id=form.centre.data,
                              service_id=form.service.data, counsellor_id=form.counsellor.data,
                              starts_at=datetime.combine(form.day.data, form.start.data,
                                                         local_zone()),
                              room=form.room.data or "", capacity=form.capacity.data,
                              room_en=form.room_en.data or "",
                              room_id=form.room_id.data or None)
        except services.AdminError as exc:
            show_on_form(form, exc)
        else:
            db.session.commit()
            flash(_("The session is open for booking."), "success")
            return redirect(url_for("admin.schedule"))
    return render_template("admin/schedule.html", form=form)
