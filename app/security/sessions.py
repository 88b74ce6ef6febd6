"""Session lifetimes: staff are signed out after 30 idle minutes, everyone after 12 hours.

The session (stored server-side, see session_store.py) holds when the person signed in,
when they were last seen and their idle limit; a request past either limit ends the
session before anything else runs, and the store drops the record by the same limits.
(``User.session_version`` remains a second way of ending sessions from elsewhere.)
"""

from __future__ import annotations

import time

from flask import Flask, current_app, flash, g, redirect, request, session, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, logout_user
from flask_login.config import AUTH_HEADER_NAME, COOKIE_NAME
from werkzeug.wrappers import Response

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"
AUTH_AT = "auth_at"  # last time the person proved who they are (see fresh_auth.py)
IDLE_KEY = "idle_s"


def mark_signed_in() -> None:
    """Called when a session starts (after ``login_user``)."""
    now = time.time()
    session[SIGNED_IN_AT] = session[SEEN_AT] = session[AUTH_AT] = now
    config = current_app.config
    session[IDLE_KEY] = (config["STAFF_IDLE_TIMEOUT"] if current_user.is_staff
                         else config["IDLE_TIMEOUT"]).total_seconds()


def _expired(now: float) -> bool:
    config = current_app.config
    idle_limit = (config["STAFF_IDLE_TIMEOUT"] if current_user.is_staff
                  else config["IDLE_TIMEOUT"]).total_seconds()
    absolute = config["PERMANENT_SESSION_LIFETIME"].total_seconds()
    seen = session.get(SEEN_AT, now)
    started = session.get(SIGNED_IN_AT, now)
    return bool(now - seen > idle_limit or now - started > absolute)


def _anonymous_without_session() -> None:
    """Nobody is signed in on a request with an empty session, no "remember me" cookie and
    no ``Authorization`` header: say so without Flask-Login's loader, which to find that out
    hashes the address and browser for session protection and looks through the session,
    the cookies and the headers (about 20 µs of every cookie-less visit: bench/README.md,
    Issue 21 step 14c). Whatever it could read (a cookie, a header, a request loader)
    leaves the request to Flask-Login as before."""
    from app.extensions import login_manager

    if session or "_login_user" in g or login_manager.request_callback is not None:
        return
    config = current_app.config
    if (config.get("REMEMBER_COOKIE_NAME", COOKIE_NAME) in request.cookies
            or config.get("AUTH_HEADER_NAME", AUTH_HEADER_NAME) in request.headers):
        return
    g._login_user = login_manager.anonymous_user()


def enforce_timeouts() -> Response | None:
    """Before each request: end a session that sat idle too long or simply lived too long.

    The first of the app's hooks to ask who is signed in, so it answers "nobody" cheaply
    for a visitor without a session first."""
    _anonymous_without_session()
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
    """Server-side session store, and the timeout check."""
    from app.security import session_store

    session_store.init_app(app)
    app.before_request(enforce_timeouts)
