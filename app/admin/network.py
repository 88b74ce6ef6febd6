"""Admin pages for the "1+N" network: centres (hub and county), services, group sessions."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app import audit
from app.accounts.models import Role, User, UserRole
from app.admin import bp
from app.admin.network_forms import CentreForm, ScheduleForm, ServiceForm
from app.booking.models import Centre, CentreKind, Service
from app.booking.scheduling import SchedulingError, local_zone, schedule_session
from app.extensions import db
from app.i18n import current_locale
from app.security.access import roles_required

CENTRE_FIELDS = ("code", "name_zh", "name_en", "region_zh", "region_en", "address_zh",
                 "address_en", "phone", "hours_zh", "hours_en", "directions_zh",
                 "directions_en", "active")
SERVICE_FIELDS = ("code", "kind", "name_zh", "name_en", "description_zh", "description_en",
                  "duration_minutes", "capacity", "requires_confirmation",
                  "cancellation_window_hours", "min_notice_hours", "horizon_days",
                  "buffer_minutes", "active")


def _staff_people(*roles: Role) -> list[User]:
    return list(db.session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_([r.value for r in roles]))
        .distinct().order_by(User.id)).all())


def _centre_choices(form: CentreForm, centre: Centre | None) -> None:
    lang = current_locale()
    hubs = db.session.scalars(select(Centre).where(Centre.kind == CentreKind.HUB.value)
                              .order_by(Centre.id)).all()
    others = [c for c in hubs if centre is None or c.id != centre.id]
    # "1+N": once the network has its hub, a new centre must belong to it, so that a
    # forgotten choice cannot create a second hub.
    form.parent.choices = [] if others else [SelectChoice("0", _("None: this is the city hub"))]
    form.parent.choices += [SelectChoice(str(c.id), c.localised("name", lang)) for c in others]
    form.services.choices = [SelectChoice(str(s.id), s.localised("name", lang))
                             for s in db.session.scalars(select(Service).order_by(Service.id))]
    # Two colleagues may share a name (林老师): the address tells them apart.
    form.staff.choices = [SelectChoice(str(u.id), " · ".join(filter(None, (u.name, u.email)))
                                       or u.uid[:8])
                          for u in _staff_people(Role.COUNSELLOR, Role.SOCIAL_WORKER)]


def _code_free(model: type[Centre] | type[Service], form, existing) -> bool:
    """False (with a message on the field) when another row already uses the code."""
    query = select(model.id).where(model.code == form.code.data)
    if existing is not None:
        query = query.where(model.id != existing.id)
    if db.session.scalar(query) is None:
        return True
    form.code.errors = [_("This code is already used.")]
    return False


@bp.route("/centres")
@roles_required(Role.ADMIN)
def centres() -> str:
    """The network: the hub first, then its county centres."""
    found = db.session.scalars(select(Centre).order_by(Centre.parent_id.is_not(None),
                                                       Centre.id)).all()
    services = db.session.scalars(select(Service).order_by(Service.id)).all()
    return render_template("admin/centres.html", centres=found, services=services)


@bp.route("/centres/new", methods=["GET", "POST"], defaults={"centre_id": None})
@bp.route("/centres/<int:centre_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def centre(centre_id: int | None) -> str | Response:
    """Create or edit a centre: details, parent, services offered, staff assigned."""
    existing = db.session.get(Centre, centre_id) if centre_id else None
    if centre_id and existing is None:
        abort(404)
    form = CentreForm(obj=existing)
    _centre_choices(form, existing)
    if existing is not None and not form.is_submitted():
        form.parent.data = existing.parent_id or 0
        form.services.data = [s.id for s in existing.services]
        form.staff.data = [u.id for u in existing.staff]
    if form.validate_on_submit() and _code_free(Centre, form, existing):
        target = existing or Centre()
        db.session.add(target)
        for name in CENTRE_FIELDS:
            value = getattr(form, name).data
            setattr(target, name, "" if value is None and name.startswith("directions")
                    else value)
        target.parent_id = form.parent.data or None
        target.kind = (CentreKind.COUNTY if target.parent_id else CentreKind.HUB).value
        with db.session.no_autoflush:
            target.services = [db.get_or_404(Service, i) for i in form.services.data]
            target.staff = [db.get_or_404(User, i) for i in form.staff.data]
        try:
            db.session.flush()
        except IntegrityError:  # a concurrent admin took the code
            db.session.rollback()
            form.code.errors = [_("This code is already used.")]
        else:
            audit.record(current_user, "centre.saved", f"centres:{target.id}")
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.centres"))
    return render_template("admin/centre_form.html", form=form, centre=existing)


@bp.route("/services/new", methods=["GET", "POST"], defaults={"service_id": None})
@bp.route("/services/<int:service_id>", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def service(service_id: int | None) -> str | Response:
    """Create or edit a service and its booking rules."""
    existing = db.session.get(Service, service_id) if service_id else None
    if service_id and existing is None:
        abort(404)
    form = ServiceForm(obj=existing)
    if form.validate_on_submit() and _code_free(Service, form, existing):
        target = existing or Service()
        db.session.add(target)
        for name in SERVICE_FIELDS:
            value = getattr(form, name).data
            setattr(target, name, "" if value is None and name.startswith("description")
                    else value)
        try:
            db.session.flush()
        except IntegrityError:  # a concurrent admin took the code
            db.session.rollback()
            form.code.errors = [_("This code is already used.")]
        else:
            audit.record(current_user, "service.saved", f"services:{target.id}")
            db.session.commit()
            flash(_("Saved."), "success")
            return redirect(url_for("admin.centres"))
    return render_template("admin/service_form.html", form=form, service=existing)


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def schedule() -> str | Response:
    """Schedule one session (e.g. a group) with a room and seats; overlaps are refused."""
    lang = current_locale()
    form = ScheduleForm()
    form.centre.choices = [SelectChoice(str(c.id), c.localised("name", lang))
                           for c in db.session.scalars(select(Centre).order_by(Centre.id))]
    form.service.choices = [SelectChoice(str(s.id), s.localised("name", lang))
                            for s in db.session.scalars(select(Service).order_by(Service.id))]
    form.counsellor.choices = [SelectChoice(str(u.id), u.name or u.uid[:8])
                               for u in _staff_people(Role.COUNSELLOR)]
    if form.validate_on_submit():
        starts_at = datetime.combine(form.day.data, form.start.data, local_zone())
        try:
            schedule_session(current_user, centre=db.get_or_404(Centre, form.centre.data),
                             service=db.get_or_404(Service, form.service.data),
                             counsellor=db.get_or_404(User, form.counsellor.data),
                             starts_at=starts_at, room=form.room.data or "",
                             capacity=form.capacity.data)
        except SchedulingError as exc:
            db.session.rollback()
            form.start.errors = [str(exc.message)]
        else:
            db.session.commit()
            flash(_("The session is open for booking."), "success")
            return redirect(url_for("admin.schedule"))
    return render_template("admin/schedule.html", form=form)
