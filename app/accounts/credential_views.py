"""Pages that change how someone proves who they are: each asks again for the password
(and the authenticator code) when the last proof is older than ``FRESH_AUTH_WINDOW``."""

from __future__ import annotations

import time

import pyotp
from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_user
from werkzeug.wrappers import Response

from app.accounts import bp, credentials, mfa, services
from app.accounts.credential_forms import ConfirmIdentityForm, ContactForm, EmptyForm
from app.accounts.forms import CodeForm
from app.accounts.fresh_auth import fresh_auth_required, is_fresh  # noqa: F401 (re-exported)
from app.accounts.models import User
from app.accounts.views import safe_next
from app.extensions import limiter
from app.refusals_shown import show_on_form
from app.security.access import login_required
from app.security.sessions import AUTH_AT

PENDING_SECRET = "mfa_new_secret"  # noqa: S105 (a session key name, not a secret)
CODES_SHOWN = "recovery_codes_shown"  # new recovery codes, kept until they are shown once


def show_recovery_codes(codes: list[str], next_url: str) -> Response:
    """Redirect (303 after the POST) to the page that shows new recovery codes once.

    The codes wait in the server-side session, as a staff recovery code does, so Back or
    Refresh on the page never sends the form that made them again.
    """
    session[CODES_SHOWN] = {"codes": list(codes), "next": next_url}
    return redirect(url_for("accounts.recovery_codes_shown"))


@bp.route("/recovery-codes")
@login_required
def recovery_codes_shown() -> str | Response:
    """New recovery codes, shown once; afterwards the page leads on to where they go next."""
    shown = session.pop(CODES_SHOWN, None)
    if not isinstance(shown, dict):
        return redirect(url_for("accounts.account"))
    return render_template("accounts/recovery_codes.html", codes=shown["codes"],
                           next_url=safe_next(shown.get("next")) or url_for("accounts.account"))


def _me() -> User:
    return current_user._get_current_object()


def _renew(user: User) -> None:
    """A new session id after a credential change; the person stays signed in here."""
    session.regenerate()  # type: ignore[attr-defined]
    login_user(user)


def _reauth_key() -> str:
    return "reauth:" + (current_user.uid if current_user.is_authenticated else "-")


@bp.route("/confirm", methods=["GET", "POST"])
@login_required
@limiter.limit(lambda: current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"], key_func=_reauth_key,
               methods=["POST"])
def confirm_identity() -> str | Response:
    """Enter the password again (and a code) before a sensitive change."""
    user = _me()
    form = ConfirmIdentityForm()
    next_url = safe_next(request.args.get("next")) or url_for("accounts.account")
    if form.validate_on_submit():
        try:
            credentials.confirm_identity(user, form.password.data, form.code.data)
        except services.AccountError as exc:
            show_on_form(form, exc)
        else:
            session.regenerate()  # type: ignore[attr-defined]
            session[AUTH_AT] = time.time()
            return redirect(next_url)
    return render_template("accounts/confirm_identity.html", form=form,
                           needs_code=user.mfa_enabled)


@bp.route("/contact", methods=["GET", "POST"])
@login_required
@fresh_auth_required
def change_contact() -> ResponseReturnValue:
    """Change one's email or mobile number."""
    user = _me()
    form = ContactForm()
    if request.method == "GET":
        form.email.data, form.phone.data = user.email, user.phone
    if form.validate_on_submit():
        try:
            changed = credentials.change_contact(user, form.email.data, form.phone.data)
        except services.AccountError as exc:
            show_on_form(form, exc)
        else:
            flash(_("Your contact details are updated.") if changed
                  else _("Nothing was changed."), "success" if changed else "info")
            return redirect(url_for("accounts.account"))
    return render_template("accounts/contact.html", form=form), 400 if form.errors else 200


@bp.route("/security")
@login_required
def security() -> str:
    """Second factor and recovery codes."""
    user = _me()
    return render_template("accounts/security.html", form=EmptyForm(),
                           codes_left=credentials.unused_recovery_codes(user)
                           if user.mfa_enabled else 0)


@bp.route("/security/recovery-codes", methods=["POST"])
@login_required
@fresh_auth_required
def renew_recovery_codes() -> str | Response:
    """New recovery codes; the old ones stop working."""
    user = _me()
    if not user.mfa_enabled or not EmptyForm().validate_on_submit():
        return redirect(url_for("accounts.security"))
    codes = credentials.new_recovery_codes(user)
    return show_recovery_codes(codes, url_for("accounts.security"))


@bp.route("/security/authenticator", methods=["GET", "POST"])
@login_required
@fresh_auth_required
def replace_authenticator() -> ResponseReturnValue:
    """Set up the authenticator app again (a new phone), or for the first time."""
    user = _me()
    secret = session.get(PENDING_SECRET)
    if not secret or request.method == "GET":
        secret = session[PENDING_SECRET] = pyotp.random_base32()
    form = CodeForm()
    if form.validate_on_submit():
        codes = credentials.replace_authenticator(user, secret, form.code.data)
        if codes is not None:
            session.pop(PENDING_SECRET, None)
            _renew(user)
            return show_recovery_codes(codes, url_for("accounts.security"))
        form.code.errors.append(_("That code did not work. Check the phone's clock and try the "
                                  "newest code."))
    return render_template("accounts/authenticator.html", form=form, secret=secret,
                           qr=mfa.qr_code(user, secret)), 400 if form.errors else 200
