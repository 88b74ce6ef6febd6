"""Sign-in rate limits, shared by the sign-in page and the API's token endpoint.

One counter per address and one per account, whichever door the attempts come through:
guessing through the API costs the same as guessing on the page.
"""

from __future__ import annotations

from flask import current_app, request

from app.accounts import services
from app.extensions import limiter


def _login_rate() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def _account_rate() -> str:
    return current_app.config["LOGIN_ACCOUNT_RATE_LIMIT"]


def submitted_login() -> str:
    """The login typed into the form, or sent as JSON to the API."""
    if request.form.get("login"):
        return request.form["login"]
    body = request.get_json(silent=True)
    # API sign-in by SMS code sends the number as ``phone``: counted per number alike.
    value = (body.get("login") or body.get("phone")) if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


def _account_key() -> str:
    return "login-account:" + services.login_key(submitted_login())


address_login_limit = limiter.shared_limit(_login_rate, scope="login", methods=["POST"])
account_login_limit = limiter.shared_limit(_account_rate, scope="login-account",
                                           key_func=_account_key, methods=["POST"])
