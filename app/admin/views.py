"""Admin pages: staff accounts (list, add, correct)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app import audit
from app.accounts.fresh_auth import fresh_auth_required
from app.accounts.models import Role, User
from app.admin import bp, services
from app.admin.forms import ROLE_LABELS, StaffEditForm, StaffForm
from app.extensions import db
from app.i18n import current_locale
from app.refusals_shown import show_on_form
from app.security.access import roles_required


def _actor() -> User:
    return current_user._get_current_object()


@bp.route("/staff")
@roles_required(Role.ADMIN)
def staff() -> str:
    """All staff accounts with their roles (contact details opened for this admin, and logged)."""
    people = services.staff_people()
    audit.record(current_user, "staff.listed", None, {"count": len(people)})
    db.session.commit()
    return render_template("admin/staff.html", people=people, role_labels=ROLE_LABELS)


@bp.route("/staff/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_staff() -> str | Response:
    """Create a staff account."""
    form = StaffForm()
    if form.validate_on_submit():
        try:
            services.create_staff(_actor(), email=form.email.data, phone=form.phone.data or None,
                                  name=form.name.data, password=form.password.data,
                                  roles=form.roles.data)
        except services.AdminError as exc:
            show_on_form(form, exc)
        else:
            flash(_("The staff account was created."), "success")
            return redirect(url_for("admin.staff"))
    return render_template("admin/new_staff.html", form=form)


@bp.route("/staff/<uid>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_auth_required
def edit_staff(uid: str) -> str | Response:
    """Correct a staff member's name, contact, roles and centres (fresh proof of identity)."""
    person = services.staff_member(uid)
    if person is None:
        abort(404)
    form = StaffEditForm()
    lang = current_locale()
    form.centres.choices = [SelectChoice(str(c.id), c.localised("name", lang))
                            for c in sorted(services.all_centres(), key=lambda c: c.id)]
    if not form.is_submitted():
        form.name.data, form.email.data, form.phone.data = person.name, person.email, person.phone
        form.roles.data = sorted(r.value for r in person.roles if r != Role.WORKER)
        form.centres.data = [c.id for c in services.centres_of(person)]
    if form.validate_on_submit():
        try:
            changed = services.update_staff(
                _actor(), person, name=form.name.data, email=form.email.data,
                phone=form.phone.data or None, roles=form.roles.data,
                centre_ids=form.centres.data)
        except services.AdminError as exc:
            show_on_form(form, exc)
        else:
            flash(_("Saved the account of %(name)s.", name=person.name or "")
                  if changed else _("Nothing was changed."), "success")
            return redirect(url_for("admin.staff"))
    return render_template("admin/edit_staff.html", form=form, person=person)
