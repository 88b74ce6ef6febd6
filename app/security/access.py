"""Access control in one place: every view declares who may use it, or nobody can.

``@public`` and ``@roles_required(...)`` mark a view; ``enforce_declared_access`` (a
before-request hook) refuses any endpoint that carries no mark, so a new view that
forgets its check is closed, not open. Object checks live with each package's own
look-up (``find_booking``, ``find_entry``, ``own_result``...), used by pages and API alike;
someone else's record answers 404, so that nobody learns whether it exists.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, request
from flask_login import current_user

from app.extensions import login_manager
from app.security.roles import Role

F = TypeVar("F", bound=Callable[..., Any])
ACCESS_ATTR = "__xinqing_access__"
OPEN_ENDPOINTS = frozenset({"static"})


def public(view: F) -> F:
    """Anyone may use this view, signed in or not."""
    setattr(view, ACCESS_ATTR, "public")
    return view


def login_required(view: F) -> F:
    """Any signed-in person, whatever their role."""
    return roles_required(*Role)(view)


def roles_required(*roles: Role) -> Callable[[F], F]:
    """Signed-in people holding at least one of ``roles``; others get 403 (and an audit entry)."""
    allowed = frozenset(Role(r) for r in roles)

    def decorate(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not current_user.roles & allowed:
                deny("role")
            return view(*args, **kwargs)

        setattr(wrapper, ACCESS_ATTR, allowed)
        return wrapper  # type: ignore[return-value]

    return decorate


def deny(reason: str, status: int = 403) -> None:
    """Refuse the request, writing who was refused what to the audit log (flood-limited)."""
    from app.security.refusals import record_refusal

    record_refusal(status, reason)
    abort(status)


def enforce_declared_access() -> None:
    """Before each request: refuse endpoints that declare no access rule (deny by default)."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in OPEN_ENDPOINTS:
        return
    view = current_app.view_functions.get(endpoint)
    if view is None or not hasattr(view, ACCESS_ATTR):
        current_app.logger.error("endpoint %s declares no access rule: refused", endpoint)
        abort(403)
