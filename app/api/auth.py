"""Who is calling the API: bearer tokens only, never the web session cookie.

``@token_required(*roles)`` is the API's ``@roles_required``: it declares the rule for the
deny-by-default check (app/security/access.py) and answers 401/403 as problem objects.
``@token_optional`` marks a public endpoint that also accepts a token (e.g. a screening
taken anonymously or as the token's worker); a token that is sent must be valid.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, NoReturn, TypeVar

from flask import g, request
from flask_babel import lazy_gettext as _l
from flask_limiter.util import get_remote_address

from app import audit
from app.accounts.models import Role, User
from app.api import tokens
from app.api.models import ApiToken
from app.api.problems import Problem
from app.extensions import db
from app.security.access import ACCESS_ATTR

F = TypeVar("F", bound=Callable[..., Any])
_UNSET = object()
SECURITY: list[dict[str, list[str]]] = [{"bearerAuth": []}]


def bearer_value() -> str | None:
    """The token in ``Authorization: Bearer ...``, or None when there is no such header."""
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if not header:
        return None
    return value.strip() if scheme.lower() == "bearer" else ""


def current_token() -> ApiToken | None:
    """The live token of this request (looked up once per request), or None."""
    cached = g.get("_api_token", _UNSET)
    if cached is not _UNSET:
        return cached
    value = bearer_value()
    row = tokens.find(value) if value else None
    g._api_token = row
    return row


def api_user() -> User | None:
    """The person the token belongs to, or None for an anonymous call."""
    row = current_token()
    return row.user if row is not None else None


def rate_key() -> str:
    """Rate limits count per token; calls without a valid token count per address."""
    row = current_token()
    return f"api-token:{row.id}" if row is not None else f"api-addr:{get_remote_address()}"


def _refuse_unauthenticated() -> NoReturn:
    raise Problem(401, "unauthenticated", _l(
        "This needs a valid token. Get one from POST /api/v1/auth/token and send it as "
        "Authorization: Bearer followed by the token. Tokens expire and end when the "
        "password changes."))


def _check(allowed: frozenset[Role], required: bool) -> None:
    if bearer_value() is None:
        if required:
            _refuse_unauthenticated()
        return
    row = current_token()
    if row is None:
        _refuse_unauthenticated()
    tokens.touch(row)
    if not row.user.roles & allowed:
        audit.record(row.user, "access.denied", request.endpoint,
                     {"reason": "role", "method": request.method, "via": "api"})
        db.session.commit()
        raise Problem(403, "forbidden", _l("Your account's role may not use this."))


def token_required(*roles: Role) -> Callable[[F], F]:
    """Callers with a valid token whose owner holds one of ``roles`` (any role if none)."""
    allowed = frozenset(Role(r) for r in roles) if roles else frozenset(Role)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            _check(allowed, required=True)
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, allowed)
        _document_security(wrapper, optional=False)
        return wrapper  # type: ignore[return-value]

    return decorate


def token_optional(view: F) -> F:
    """Anyone; a token, when sent, must be valid and then identifies the caller."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _check(frozenset(Role), required=False)
        return view(*args, **kwargs)

    setattr(wrapper, ACCESS_ATTR, "public")
    _document_security(wrapper, optional=True)
    return wrapper  # type: ignore[return-value]


def _document_security(view: Callable[..., Any], *, optional: bool) -> None:
    """Say in the OpenAPI document that this operation takes the bearer token."""
    apidoc = dict(getattr(view, "_apidoc", {}))
    manual = dict(apidoc.get("manual_doc", {}))
    manual["security"] = [*SECURITY, {}] if optional else SECURITY
    apidoc["manual_doc"] = manual
    view._apidoc = apidoc  # type: ignore[attr-defined]
