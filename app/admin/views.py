"""Admin pages: staff accounts."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from werkzeug.wrappers import Response

from app import audit
from app.accounts import services as accounts
from app.accounts.models import STAFF_ROLES, Role, User, UserRole
from app.admin import bp
from app.admin.forms import ROLE_LABELS, StaffForm
from app.extensions import db
from app.security.access import roles_required


@bp.route("/staff")
@roles_required(Role.ADMIN)
def staff() -> str:
    """All staff accounts with their roles (contact details opened for this admin, and logged)."""
    people = db.session.scalars(
        select(User).join(UserRole).where(UserRole.role.in_([r.value for r in STAFF_ROLES]))
        .distinct().order_by(User.id)
    ).all()
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
            accounts.create_staff(
                email=form.email.data, phone=form.phone.data or None, name=form.name.data,
                password=form.password.data, roles=form.roles.data, actor=current_user,
            )
        except accounts.AccountError as exc:
            for field, message in exc.errors.items():
                getattr(form, field).errors.append(str(message))
        else:
            flash(_("The staff account was created."), "success")
            return redirect(url_for("admin.staff"))
    return render_template("admin/new_staff.html", form=form)
