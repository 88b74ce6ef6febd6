"""Changing a password, and setting a new one from an emailed link."""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts import bp, password_reset, services
from app.accounts.forms import ChangePasswordForm, ForgotPasswordForm, ResetPasswordForm
from app.accounts.fresh_auth import fresh_auth_required
from app.accounts.views import start_session
from app.extensions import limiter
from app.refusals_shown import show_on_form
from app.security.access import login_required, public


@bp.route("/password", methods=["GET", "POST"])
@login_required
@fresh_auth_required(unless_form_checks_password=True)
def change_password() -> str | Response:
    """Change one's password; other devices are signed out."""
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(current_user._get_current_object(),
                                     form.current.data, form.password.data)
        except services.AccountError as exc:
            show_on_form(form, exc)
        else:
            # The real object, not the proxy: login_user would store the proxy in itself.
            user = current_user._get_current_object()
            response = start_session(user, url_for("accounts.account"))
            flash(_("Your password was changed. Other devices have been signed out."),
                  "success")
            return response
    return render_template("accounts/change_password.html", form=form)


RESET_ASKED = "reset_link_asked"


@bp.route("/forgot", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def forgot_password() -> str | Response:
    """Ask for a reset link; the answer never says whether the address has an account.

    "Sent" is shown on the page the POST redirects to (once), so Refresh sends nothing again.
    """
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        password_reset.request_reset(form.login.data, current_app.config["PUBLIC_BASE_URL"])
        session[RESET_ASKED] = True
        return redirect(url_for("accounts.forgot_password"))
    sent = bool(session.pop(RESET_ASKED, False)) if not form.errors else False
    return render_template("accounts/forgot_password.html", form=form, sent=sent)


@bp.route("/reset/<token>")
@public
def reset_link(token: str) -> Response:
    """The emailed link: keep the token in the session and drop it from the address bar."""
    session["reset_token"] = token
    return redirect(url_for("accounts.reset_password"))


@bp.route("/reset", methods=["GET", "POST"])
@public
def reset_password() -> ResponseReturnValue:
    """Choose a new password with a valid link."""
    token = session.get("reset_token", "")
    if password_reset.valid_reset(token) is None:
        return render_template("accounts/reset_invalid.html"), 400
    form = ResetPasswordForm()
    if form.validate_on_submit():
        try:
            user = password_reset.reset_password(token, form.password.data)
        except services.AccountError as exc:
            show_on_form(form, exc)
        else:
            session.pop("reset_token", None)
            if user is not None:
                flash(_("Your new password is set. Please sign in."), "success")
            return redirect(url_for("accounts.login"))
    return render_template("accounts/reset_password.html", form=form)
