"""Session lifetimes: staff are signed out after 30 idle minutes, everyone after 12 hours.

The session cookie carries when the person signed in and when they were last seen; a
request past either limit ends the session before anything else runs. (Ending sessions
from elsewhere works through ``User.session_version``; see app/accounts/models.py.)
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from werkzeug.wrappers import Response

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"


def mark_signed_in() -> None:
    """Called when a session starts."""
    now = time.time()
    session[SIGNED_IN_AT] = session[SEEN_AT] = now


def _expired(now: float) -> bool:
    config = current_app.config
    idle_limit = (config["STAFF_IDLE_TIMEOUT"] if current_user.is_staff
                  else config["IDLE_TIMEOUT"]).total_seconds()
    absolute = config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    seen = session.get(SEEN_AT, now)
    started = session.get(SIGNED_IN_AT, now)
    return now - seen > idle_limit or now - started > absolute


def enforce_timeouts() -> Response | None:
    """Before each request: end a session that sat idle too long or simply lived too long."""
    if request.endpoint == "static" or not current_user.is_authenticated:
        return None
    now = time.time()
    if _expired(now):
        lang = session.get("lang")
        logout_user()
        session.clear()
        if lang:
            session["lang"] = lang
        flash(_l("You were signed out after a while without activity. Please sign in again."),
              "info")
        return redirect(url_for("accounts.login", next=request.full_path
                                if request.method == "GET" else None))
    # Touch at most once a minute, so ordinary pages do not rewrite the cookie each time.
    if now - session.get(SEEN_AT, 0) > 60:
        session[SEEN_AT] = now
    return None


def init_app(app: Flask) -> None:
    """Register the timeout check."""
    app.before_request(enforce_timeouts)
