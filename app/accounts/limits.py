"""Sign-in rate limits, shared by the sign-in page and the API's token endpoint (and meant
for the coming SMS-code endpoints: any "prove it is you" step can use the same gate).

Two budgets, whichever door the attempts come through:

- **Per address** (``LOGIN_RATE_LIMIT``): every attempt counts. Behind a proxy the address is
  the client's, read through ``TRUSTED_PROXY_HOPS`` (app/security/edge.py).
- **Per account** (``LOGIN_ACCOUNT_RATE_LIMIT``): only *failures* count. A stranger who knows
  a mobile number must not be able to lock its owner out, so an account over its failure
  budget is not blocked for everyone: only the addresses that failed on it
  ``LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT`` times are refused (429, even with the right
  password), and from any other address a correct password still signs in. Guessing then
  costs the attacker fresh addresses, while the owner is never locked out by strangers.
  Staff stay protected by their second factor, which has limits of its own.
"""

from __future__ import annotations

from flask import abort, current_app, request
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many

from app.accounts import services
from app.extensions import limiter


def _login_rate() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


def submitted_login() -> str:
    """The login typed into the form, or sent as JSON to the API."""
    if request.form.get("login"):
        return request.form["login"]
    body = request.get_json(silent=True)
    # API sign-in by SMS code sends the number as ``phone``: counted per number alike.
    value = (body.get("login") or body.get("phone")) if isinstance(body, dict) else None
    return value if isinstance(value, str) else ""


address_login_limit = limiter.shared_limit(_login_rate, scope="login", methods=["POST"])


def _items(setting: str) -> list[RateLimitItem]:
    return parse_many(current_app.config[setting])


def _scope(kind: str, login: str) -> tuple[str, ...]:
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX") or "xq"
    return (prefix, kind, services.login_key(login))


def _over_failure_budget(login: str) -> bool:
    scope = _scope("signin-failures", login)
    return not all(limiter.limiter.test(item, *scope) for item in _items(
        "LOGIN_ACCOUNT_RATE_LIMIT"))


def may_attempt(login: str) -> bool:
    """False when ``login`` is over its failure budget and this address failed on it too often."""
    try:
        if not _over_failure_budget(login):
            return True
        scope = (*_scope("signin-address-failures", login), get_remote_address())
        return all(limiter.limiter.test(item, *scope)
                   for item in _items("LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT"))
    except Exception:  # the limit store is down: the per-address limit (memory) still holds
        current_app.logger.warning("sign-in account limiter unavailable")
        return True


def refuse_unless_may_attempt(login: str) -> None:
    """429 (page or problem object) when this address may not try ``login`` just now."""
    if not may_attempt(login):
        abort(429)


def record_failure(login: str) -> None:
    """Count a wrong password or code against the account, and against this address on it."""
    try:
        for item in _items("LOGIN_ACCOUNT_RATE_LIMIT"):
            limiter.limiter.hit(item, *_scope("signin-failures", login))
        for item in _items("LOGIN_ACCOUNT_ADDRESS_RATE_LIMIT"):
            limiter.limiter.hit(item, *_scope("signin-address-failures", login),
                                get_remote_address())
    except Exception:
        current_app.logger.warning("sign-in account limiter unavailable")
