"""Pages of staff-assisted recovery (see app/accounts/recovery.py for the rule)."""

from __future__ import annotations

from flask import current_app, redirect, render_template, session, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts import bp, recovery
from app.accounts.recovery_forms import IssueRecoveryForm, RedeemRecoveryForm
from app.extensions import limiter
from app.refusals_shown import show_on_form
from app.security.access import public, roles_required
from app.security.roles import Role

SHOWN = "recovery_shown"


@bp.route("/staff/recovery", methods=["GET", "POST"])
@roles_required(Role.COUNSELLOR, Role.SOCIAL_WORKER, Role.ADMIN)
def staff_recovery() -> str | Response:
    """Issue a one-time recovery code; it is shown once, on the page after the POST."""
    form = IssueRecoveryForm()
    if form.validate_on_submit():
        try:
            code = recovery.issue_code(current_user._get_current_object(),
                                       form.login.data, form.method.data)
        except recovery.RecoveryError as exc:
            show_on_form(form, exc)
        else:
            session[SHOWN] = code
            return redirect(url_for("accounts.staff_recovery"))
    code = session.pop(SHOWN, None)
    shown = f"{code[:5]} {code[5:]}" if isinstance(code, str) else None
    return render_template("accounts/staff_recovery.html", form=form, code=shown)


@bp.route("/recover", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def recover() -> str | Response:
    """The worker types the code their centre read out, then chooses a new password."""
    form = RedeemRecoveryForm()
    if form.validate_on_submit():
        try:
            token = recovery.redeem(form.login.data, form.code.data)
        except recovery.RecoveryError as exc:
            show_on_form(form, exc)
        else:
            session["reset_token"] = token
            return redirect(url_for("accounts.reset_password"))
    return render_template("accounts/recover.html", form=form)
