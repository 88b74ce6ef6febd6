"""Account pages: thin views that parse the form, call the services and render."""

from __future__ import annotations

import time
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from werkzeug.wrappers import Response

from app.accounts import bp, limits, mfa, services
from app.accounts.contact import ContactError, looks_like_email, normalise_phone
from app.accounts.forms import LoginForm, RegisterForm
from app.accounts.limits import address_login_limit
from app.accounts.models import User
from app.extensions import limiter
from app.i18n import choose_language
from app.main import navigation
from app.refusals_shown import show_on_form
from app.security.access import login_required, public
from app.security.sessions import mark_signed_in


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


def _fresh_session() -> None:
    """Drop everything from before (fixation), keeping only the language choice."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


def start_session(user: User, next_url: str | None) -> Response:
    """Sign ``user`` in on a fresh session and go where they were heading."""
    _fresh_session()
    login_user(user)
    session.permanent = True
    mark_signed_in()
    services.complete_login(user)
    return redirect(safe_next(next_url) or landing(user))


def landing(user: User) -> str:
    """Where a sign-in with nowhere else to go lands: staff on their own home page."""
    return url_for(navigation.home_endpoint(user) or "main.home")


@bp.route("/login", methods=["GET", "POST"])
@public
@address_login_limit
def login() -> str | Response:
    """Sign in with email or mobile number."""
    if current_user.is_authenticated:
        return redirect(safe_next(request.args.get("next")) or landing(current_user))
    form = LoginForm()
    if form.validate_on_submit():
        limits.refuse_unless_may_attempt(form.login.data)
        user = services.authenticate(form.login.data, form.password.data)
        if user is None:
            limits.record_failure(form.login.data)
            form.password.errors.append(
                _("The mobile number, email or password is not right. Please try again.")
            )
        elif mfa.apply_due_reset(user) or mfa.required(user):
            _fresh_session()
            session["mfa_pending"] = {"uid": user.uid, "at": time.time(),
                                      "next": safe_next(request.args.get("next"))}
            return redirect(url_for("accounts.mfa_verify" if user.mfa_enabled
                                    else "accounts.mfa_setup"))
        else:
            return start_session(user, request.args.get("next"))
    return render_template("accounts/login.html", form=form)


@bp.route("/register", methods=["GET", "POST"])
@public
@limiter.limit(lambda: current_app.config["REGISTER_RATE_LIMIT"], methods=["POST"],
               deduct_when=lambda response: response.status_code in (302, 303))
def register() -> str | Response:
    """A worker creates their own account.

    The per-address limit counts accounts created (a redirect), not failed form posts, so a
    factory signing up behind one NAT address is not locked out by its typos.
    """
    if current_user.is_authenticated:
        return redirect(url_for("main.home"))
    form = RegisterForm()
    if form.validate_on_submit():
        if _unproven_phone(form.login.data):
            # A number is proven by an SMS code before any account is made on it.
            form.login.errors.append(_("We check mobile numbers with an SMS code first: "
                                       "please use \u201cRegister with your mobile "
                                       "number\u201d above."))
        else:
            try:
                user = services.register_worker(
                    form.login.data, form.password.data, name=form.name.data,
                    # The language the page was read in (switch or browser): emails follow.
                    locale=choose_language(),
                    accepted_privacy_notice=form.accept_privacy.data,
                )
            except services.AccountError as exc:
                show_on_form(form, exc)
            else:
                response = start_session(user, None)
                flash(_("Welcome! Your account is ready."), "success")  # after fresh session
                return response
    return render_template("accounts/register.html", form=form)


def _unproven_phone(login: str) -> bool:
    """Whether the form's login is a valid mobile number (which needs the SMS sign-up)."""
    if looks_like_email(login):
        return False
    try:
        normalise_phone(login)
    except ContactError:
        return False  # the service explains what is wrong with it
    return True


@bp.route("/logout", methods=["POST"])
@public
def logout() -> Response:
    """End the session (POST with CSRF, so a link elsewhere cannot sign anyone out)."""
    lang = session.get("lang")
    logout_user()
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You have signed out."), "info")
    return redirect(url_for("main.home"))


@bp.route("/")
@login_required
def account() -> str:
    """The person's own account page (and the enterprise union the union lists them in)."""
    from app.accounts.members import membership

    return render_template("accounts/account.html", member=membership(current_user))


@bp.route("/privacy")
@public
def privacy() -> str:
    """The privacy notice people accept at registration."""
    return render_template("accounts/privacy.html", version=services.PRIVACY_NOTICE_VERSION)
