"""Fresh proof of identity: a sensitive page first sends the person to confirm who they are
when their last proof is older than ``FRESH_AUTH_WINDOW``. Here, not in a views module, so
that other packages' pages (admin) can require it too."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import current_app, redirect, request, session, url_for
from flask_login import current_user

from app.security.sessions import AUTH_AT


def is_fresh() -> bool:
    """True when the person proved who they are within the window."""
    window = current_app.config["FRESH_AUTH_WINDOW"].total_seconds()
    return time.time() - float(session.get(AUTH_AT) or 0) <= window


def fresh_auth_required(view: Callable[..., Any] | None = None, *,
                        unless_form_checks_password: bool = False) -> Any:
    """Send the person to confirm their identity first when their last proof is stale.

    With ``unless_form_checks_password`` the page's own form asks for the password, so only
    people with a second factor are sent to confirm it.
    """

    def decorate(inner: Callable[..., Any]) -> Callable[..., Any]:
        @wraps(inner)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            needed = not (unless_form_checks_password
                          and not current_user._get_current_object().mfa_enabled)
            if needed and not is_fresh():
                return redirect(url_for("accounts.confirm_identity", next=request.path))
            return inner(*args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate
