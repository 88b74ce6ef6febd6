"""Admin pages: staff accounts (list, add, correct, import), within the admin's centres."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import SelectChoice

from app import audit
from app.accounts.fresh_auth import fresh_auth_required
from app.accounts.models import Role, User
from app.admin import bp, import_stash, services, staff_import
from app.admin.forms import ROLE_LABELS, STAFF_ROLE_CHOICES, StaffForm, StaffImportForm
from app.booking.models import Centre
from app.extensions import db
from app.i18n import current_locale
from app.refusals_shown import show_on_form
from app.security.access import roles_required


def _actor() -> User:
    return current_user._get_current_object()


@bp.route("/staff")
@roles_required(Role.ADMIN)
def staff() -> str:
    """Staff of this admin's centres with their roles (contact details opened, and logged)."""
    actor = _actor()
    people = services.managed_staff(actor)
    audit.record(current_user, "staff.listed", None, {"count": len(people)})
    db.session.commit()
    names = {c.id: c.localised("name", current_locale()) for c in services.all_centres()}
    return render_template("admin/staff.html", people=people, role_labels=ROLE_LABELS,
                           centre_names=names)


def _assignment_choices(form: StaffForm, actor: User) -> list[Centre]:
    """Choices ``role:centre`` for each centre the admin runs; returns those centres."""
    centres = services.centres_in_reach(actor)
    form.assignments.choices = [SelectChoice(f"{choice.value}:{c.id}", choice.label)
                                for c in centres for choice in STAFF_ROLE_CHOICES]
    return centres


def _assignment_grid(form: StaffForm, centres: list[Centre]) -> list[tuple[str, list]]:
    """The checkboxes grouped by centre (once the form holds its data: they show it)."""
    lang = current_locale()
    options = list(form.assignments)
    per = len(STAFF_ROLE_CHOICES)
    return [(c.localised("name", lang), options[i * per:(i + 1) * per])
            for i, c in enumerate(centres)]


def _assignments(form: StaffForm) -> list[services.Assignment]:
    return services.parse_assignments(form.assignments.data or [])


@bp.route("/staff/new", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
def new_staff() -> str | Response:
    """Create a staff account with roles at the admin's centres."""
    actor = _actor()
    form = StaffForm()
    centres = _assignment_choices(form, actor)
    if form.validate_on_submit():
        try:
            services.create_staff(actor, email=form.email.data, phone=form.phone.data or None,
                                  name=form.name.data, password=form.password.data,
                                  assignments=_assignments(form))
        except services.AdminError as exc:
            show_on_form(form, exc)
        else:
            flash(_("The staff account was created."), "success")
            return redirect(url_for("admin.staff"), 303)
    return render_template("admin/staff_form.html", form=form,
                           grid=_assignment_grid(form, centres), person=None)


@bp.route("/staff/<uid>/edit", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_auth_required
def edit_staff(uid: str) -> str | Response:
    """Correct a staff member's name, contact, and roles at centres (fresh proof of identity)."""
    actor = _actor()
    person = services.staff_member(uid, actor)
    if person is None:
        abort(404)
    form = StaffForm()
    del form.password  # the password stays the person's own
    centres = _assignment_choices(form, actor)
    if not form.is_submitted():
        form.name.data, form.email.data, form.phone.data = person.name, person.email, person.phone
        hub = [c.id for c in services.hubs()]
        form.assignments.data = sorted(
            f"{link.role}:{link.centre_id if link.centre_id is not None else hub[0]}"
            for link in person.role_links
            if link.role != Role.WORKER.value and (link.centre_id is not None or hub))
    if form.validate_on_submit():
        try:
            changed = services.update_staff(
                actor, person, name=form.name.data, email=form.email.data,
                phone=form.phone.data or None, assignments=_assignments(form))
        except services.OutOfScopeError:
            abort(404)
        except services.AdminError as exc:
            show_on_form(form, exc)
        else:
            flash(_("Saved the account of %(name)s.", name=person.name or "")
                  if changed else _("Nothing was changed."), "success")
            return redirect(url_for("admin.staff"), 303)
    return render_template("admin/staff_form.html", form=form,
                           grid=_assignment_grid(form, centres), person=person)


@bp.route("/staff/import", methods=["GET", "POST"])
@roles_required(Role.ADMIN)
@fresh_auth_required
def import_staff() -> tuple[str, int] | Response:
    """Check a CSV of staff (dry run: each row's outcome), then import it whole or not at all."""
    actor = _actor()
    form = StaffImportForm()
    check = None
    token = ""
    if form.validate_on_submit():
        upload = form.csv_file.data
        raw: bytes | str = upload.read(staff_import.MAX_BYTES + 1) if upload else (
            form.csv_text.data or "")
        stashed = form.stash.data or ""
        if form.confirm.data:
            try:
                if stashed:
                    raw = import_stash.take(actor, stashed)
                count = staff_import.import_csv(actor, raw)
            except services.AdminError as exc:
                db.session.rollback()
                flash(str(exc.message), "error")
            else:
                flash(_("%(n)d staff accounts were created and invited.", n=count), "success")
                return redirect(url_for("admin.staff"), 303)
        if not stashed:
            check = staff_import.check_csv(actor, raw)
            if check.ok:
                token = import_stash.keep(actor, raw.decode("utf-8-sig")
                                          if isinstance(raw, bytes) else raw)
        form.confirm.data = False
    status = 400 if form.is_submitted() and (check is None or not check.ok) else 200
    return render_template("admin/staff_import.html", form=form, check=check, stash=token,
                           role_labels=ROLE_LABELS), status
