"""Pages that prove a mobile number by SMS code: sign up, sign in, set a new password.

Each flow is two steps: ask for a code (the number is kept in the session, never in the
address), then type it. The first step answers the same whether or not the number has
an account.
"""

from __future__ import annotations

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address
from flask_login import current_user
from werkzeug.wrappers import Response

from app.accounts import bp, notify_prefs, phone_accounts, phone_codes
from app.accounts.contact import ContactError
from app.accounts.forms import NotificationsForm, PhoneForm, PhoneRegisterForm, SmsCodeForm
from app.accounts.phone_limits import CodeLimitError
from app.accounts.services import AccountError
from app.accounts.views import start_session
from app.extensions import limiter
from app.i18n import choose_language
from app.refusals_shown import show_on_form, show_refusal
from app.security.access import login_required, public

TITLES = {
    "register": _l("Create an account with your mobile number"),
    "login": _l("Sign in with an SMS code"),
    "reset": _l("Set a new password with an SMS code"),
}
PENDING = "sms_pending"


def _ask(purpose: str, verify_endpoint: str) -> str | Response:
    form = PhoneForm()
    if form.validate_on_submit():
        try:
            phone = phone_codes.request_code(form.phone.data, purpose, get_remote_address())
        except ContactError as exc:
            form.phone.errors.append(exc.message)
        except CodeLimitError as exc:
            show_refusal(exc)
        else:
            session[PENDING] = {"purpose": purpose, "phone": phone}
            flash(_("If this number can receive it, a code is on its way. It is valid for "
                    "5 minutes."), "info")
            return redirect(url_for(verify_endpoint))
    return render_template("accounts/phone_ask.html", form=form, title=TITLES[purpose],
                           purpose=purpose)


def _pending(purpose: str) -> str | None:
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("purpose") != purpose:
        return None
    phone = pending.get("phone")
    return phone if isinstance(phone, str) else None


def _masked(phone: str) -> str:
    return f"{phone[3:6]}****{phone[-4:]}" if phone.startswith("+86") else "****"


@bp.route("/register/phone", methods=["GET", "POST"])
@public
def register_phone() -> str | Response:
    """Sign-up step 1: the number to verify before any account exists."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return _ask("register", "accounts.register_phone_verify")


@bp.route("/register/phone/verify", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"],
               deduct_when=lambda response: response.status_code in (302, 303))
def register_phone_verify() -> str | Response:
    """Sign-up step 2: the code, a password and the privacy notice; then signed in."""
    phone = _pending("register")
    if current_user.is_authenticated or phone is None:
        return redirect(url_for("accounts.register_phone"))
    form = PhoneRegisterForm()
    if form.validate_on_submit():
        try:
            user = phone_accounts.register_by_phone(
                phone, form.code.data, form.password.data, name=form.name.data,
                locale=choose_language(), accepted_privacy_notice=form.accept_privacy.data)
        except phone_codes.CodeError as exc:
            show_on_form(form, _on_code(exc))
        except AccountError as exc:
            show_on_form(form, exc)
        else:
            response = start_session(user, None)
            flash(_("Welcome! Your account is ready."), "success")
            return response
    return render_template("accounts/phone_verify.html", form=form,
                           title=TITLES["register"], phone=_masked(phone),
                           again=url_for("accounts.register_phone"))


@bp.route("/login/sms", methods=["GET", "POST"])
@public
def login_sms() -> str | Response:
    """Sign-in by code step 1 (workers; staff use password and authenticator)."""
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    return _ask("login", "accounts.login_sms_verify")


@bp.route("/login/sms/verify", methods=["GET", "POST"])
@public
def login_sms_verify() -> str | Response:
    """Sign-in by code step 2."""
    phone = _pending("login")
    if current_user.is_authenticated or phone is None:
        return redirect(url_for("accounts.login_sms"))
    form = SmsCodeForm()
    if form.validate_on_submit():
        try:
            user = phone_accounts.sign_in_by_code(phone, form.code.data)
        except phone_codes.CodeError as exc:
            show_on_form(form, _on_code(exc))
        else:
            return start_session(user, request.args.get("next"))
    return render_template("accounts/phone_verify.html", form=form, title=TITLES["login"],
                           phone=_masked(phone), again=url_for("accounts.login_sms"))


@bp.route("/forgot/sms", methods=["GET", "POST"])
@public
def forgot_sms() -> str | Response:
    """Password reset by code step 1."""
    return _ask("reset", "accounts.forgot_sms_verify")


@bp.route("/forgot/sms/verify", methods=["GET", "POST"])
@public
def forgot_sms_verify() -> str | Response:
    """Password reset by code step 2: a proven number opens the new-password page."""
    phone = _pending("reset")
    if phone is None:
        return redirect(url_for("accounts.forgot_sms"))
    form = SmsCodeForm()
    if form.validate_on_submit():
        try:
            token = phone_accounts.reset_by_code(phone, form.code.data)
        except phone_codes.CodeError as exc:
            show_on_form(form, _on_code(exc))
        else:
            session.pop(PENDING, None)
            session["reset_token"] = token
            return redirect(url_for("accounts.reset_password"))
    return render_template("accounts/phone_verify.html", form=form, title=TITLES["reset"],
                           phone=_masked(phone), again=url_for("accounts.forgot_sms"))


def _on_code(exc: phone_codes.CodeError) -> AccountError:
    """The code refusal shown beside the code field."""
    return AccountError({"code": exc.message})


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notifications() -> str | Response:
    """Choose SMS and/or email, and whether to get reminders."""
    user = current_user._get_current_object()
    form = NotificationsForm(obj=user)
    if form.validate_on_submit():
        try:
            notify_prefs.set_preferences(user, email=bool(form.notify_email.data),
                                         sms=bool(form.notify_sms.data),
                                         reminders=bool(form.reminders_wanted.data))
        except notify_prefs.PreferenceError as exc:
            show_refusal(exc)
        else:
            flash(_("Your message settings are saved."), "success")
            return redirect(url_for("accounts.notifications"))
    return render_template("accounts/notifications.html", form=form)
