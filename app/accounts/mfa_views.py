"""The second step of a staff sign-in: set up the authenticator app, or enter its code."""

from __future__ import annotations

import time

from flask import abort, current_app, flash, redirect, render_template, session, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response

from app.accounts import bp, mfa, services
from app.accounts.credential_views import show_recovery_codes
from app.accounts.forms import CodeForm
from app.accounts.models import User
from app.accounts.views import start_session
from app.extensions import limiter
from app.security.access import public

PENDING_SECONDS = 300


def _pending_user() -> User:
    """The person who gave the right password in the last five minutes; else back to sign-in."""
    pending = session.get("mfa_pending")
    if not pending or time.time() - pending.get("at", 0) > PENDING_SECONDS:
        session.pop("mfa_pending", None)
        abort(redirect(url_for("accounts.login")))
    user = services.find_by_uid(pending["uid"])
    if user is None or not user.is_active:
        abort(redirect(url_for("accounts.login")))
    return user


def _pending_key() -> str:
    return "mfa:" + str((session.get("mfa_pending") or {}).get("uid"))


def _finish(user: User) -> Response:
    next_url = session["mfa_pending"].get("next")
    return start_session(user, next_url)


@bp.route("/mfa", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=_pending_key,
               methods=["POST"])
def mfa_verify() -> str | Response:
    """Enter the code from the authenticator app (or a recovery code)."""
    user = _pending_user()
    if not user.mfa_enabled:
        return redirect(url_for("accounts.mfa_setup"))
    form = CodeForm()
    if form.validate_on_submit():
        reset_waiting = user.mfa_reset_due_at is not None
        if mfa.verify(user, form.code.data):
            if reset_waiting:
                flash(_("You signed in with your authenticator, so the reset an administrator "
                        "asked for is cancelled. If you did not ask for it, please tell your "
                        "administrator."), "warning")
            return _finish(user)
        form.code.errors.append(_("That code did not work. Codes change every 30 seconds; "
                                  "try the newest one, or a recovery code."))
    return render_template("accounts/mfa_verify.html", form=form)


@bp.route("/mfa/setup", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=_pending_key,
               methods=["POST"])
def mfa_setup() -> str | Response:
    """First staff sign-in: scan the QR code, confirm with a code, keep the recovery codes."""
    user = _pending_user()
    if user.mfa_enabled:
        return redirect(url_for("accounts.mfa_verify"))
    form = CodeForm()
    secret = user.totp_secret or mfa.begin_setup(user)
    if form.validate_on_submit():
        codes = mfa.confirm_setup(user, form.code.data)
        if codes is not None:
            response = _finish(user)
            return show_recovery_codes(codes, response.location)
        form.code.errors.append(_("That code did not work. Check the phone's clock and try the "
                                  "newest code."))
    return render_template("accounts/mfa_setup.html", form=form, secret=secret,
                           qr=mfa.qr_code(user, secret))
