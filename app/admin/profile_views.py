"""Admin pages: counsellors' submitted profiles, approved or sent back (rules in services.py)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts.models import Role, User
from app.admin import bp, services
from app.booking import profiles
from app.booking.forms import ActionForm, SendBackForm
from app.extensions import db
from app.refusals_shown import show_refusal
from app.security.access import roles_required


def _actor() -> User:
    return current_user._get_current_object()


def _pending_or_404(uid: str) -> profiles.CounsellorProfile:
    profile = services.pending_profile(_actor(), uid)
    if profile is None:
        abort(404)
    return profile


@bp.route("/profiles")
@roles_required(Role.ADMIN)
def profiles_pending() -> str:
    """Counsellors' profile changes waiting for approval, each beside what workers see now."""
    return render_template("admin/profiles.html", pending=services.pending_profiles(_actor()),
                           tables=profiles, form=ActionForm(), back_form=SendBackForm())


@bp.route("/profiles/<uid>/approve", methods=["POST"])
@roles_required(Role.ADMIN)
def approve_profile(uid: str) -> Response:
    """Make the submitted changes public."""
    profile = _pending_or_404(uid)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        services.approve_profile(_actor(), profile)
    except services.AdminError as exc:
        show_refusal(exc)
    else:
        db.session.commit()
        flash(_("Approved: workers now see this profile."), "success")
    return redirect(url_for("admin.profiles_pending"))


@bp.route("/profiles/<uid>/send-back", methods=["POST"])
@roles_required(Role.ADMIN)
def send_back_profile(uid: str) -> Response:
    """Decline the submitted changes with a note to the counsellor."""
    profile = _pending_or_404(uid)
    form = SendBackForm()
    if not form.validate_on_submit():
        flash(str(services.PROFILE_NOTE), "error")
        return redirect(url_for("admin.profiles_pending"))
    try:
        services.send_back_profile(_actor(), profile, form.note.data or "")
    except services.AdminError as exc:
        show_refusal(exc)
    else:
        db.session.commit()
        flash(_("Sent back to the counsellor with your note."), "success")
    return redirect(url_for("admin.profiles_pending"))
