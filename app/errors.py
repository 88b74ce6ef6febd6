"""Translated error pages; no user input ever ends in a bare 500."""

from __future__ import annotations

from flask import Flask, Response, current_app, g, render_template
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from app.api import problems
from app.api.problems import is_api_request
from app.extensions import db, login_manager

MESSAGES = {
    400: (_l("Something in the request was not right"),
          _l("Please go back, check what you entered and try again.")),
    403: (_l("You do not have access to this page"),
          _l("If you think you should, sign in with the right account or ask an administrator.")),
    404: (_l("Page not found"),
          _l("The page may have moved, or the link is incomplete.")),
    405: (_l("That action is not available here"),
          _l("Please go back and use the buttons on the page.")),
    413: (_l("This is too large to send"),
          _l("A photo may be at most 5 MB, and other forms take much less. Nothing was "
             "saved: please go back and choose a smaller file.")),
    429: (_l("Too many attempts"),
          _l("For your safety we paused this for a moment. Please wait a few minutes and try "
             "again.")),
    500: (_l("Something went wrong on our side"),
          _l("Nothing you entered is lost. Please try again in a moment.")),
    503: (_l("The service is briefly unavailable"),
          _l("We cannot reach our database just now. Please try again in a minute; if you "
             "were sending a form, it was not saved, so send it again.")),
}
RETRY_AFTER_SECONDS = 30


def render_error(code: int, title: object = None, message: object = None) -> tuple[str, int]:
    """The error page for ``code`` in the reader's language."""
    default_title, default_message = MESSAGES.get(code, MESSAGES[500])
    return render_template(
        "errors/error.html", code=code, title=title or default_title,
        message=message or default_message,
    ), code


def end_database_session(_exc: BaseException | None) -> None:
    """Close the request's session without letting a dead connection turn into a 500.

    Registered after Flask-SQLAlchemy's own teardown, so it runs first: when the database
    went away after the response was made, the closing ROLLBACK fails; the connection is
    then invalidated (the pool replaces it) instead of failing the finished request.
    """
    try:
        db.session.remove()
    except DBAPIError:
        db.session.registry().invalidate()
        db.session.registry.clear()


def csrf_error(_exc: CSRFError) -> tuple[str, int]:
    """A failed CSRF check: the form has expired."""
    return render_error(
        400, _l("This form has expired"),
        _l("For your security, forms expire after a while. Please go back, reload the page "
           "and submit again."),
    )


def http_error(exc: HTTPException) -> tuple[str, int] | Response:
    """A translated page, or a problem object under the JSON API."""
    if is_api_request():  # the JSON API answers with problem objects
        return problems.from_http_exception(exc)
    code = exc.code or 500
    response = render_error(code if code in MESSAGES else 500 if code >= 500 else 400)
    return response[0], code


def init_app(app: Flask) -> None:
    """Register handlers for HTTP errors, CSRF failures and anything unexpected."""
    app.teardown_appcontext(end_database_session)

    app.register_error_handler(CSRFError, csrf_error)
    app.register_error_handler(HTTPException, http_error)

    @app.errorhandler(DBAPIError)
    def database_error(exc: DBAPIError) -> tuple[str, int] | tuple[str, int, dict] | Response:
        """The database is down or restarting: a 503 that says so, never a traceback."""
        if not (exc.connection_invalidated or isinstance(exc, OperationalError | InterfaceError)):
            return unexpected(exc)
        return database_unavailable(exc)

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> tuple[str, int] | Response:
        db.session.rollback()
        if is_api_request():
            return problems.from_unexpected(exc)
        app.logger.exception("unhandled error: %s", type(exc).__name__)
        return render_error(500)


def database_unavailable(exc: Exception) -> tuple[str, int, dict] | Response:
    """503 page (or problem object under /api/) while the database cannot be reached.

    The pool drops the broken connection (and app/pool_liveness.py any other the server
    ended), so the service recovers by itself once the database is back. The page is
    rendered for an anonymous reader: loading the signed-in person needs the database.
    """
    try:
        db.session.rollback()
    except Exception:  # the connection is gone; the pool discards it
        db.session.remove()
    g._login_user = login_manager.anonymous_user()
    current_app.logger.warning("database unavailable: %s", type(exc).__name__)
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if is_api_request():
        return problems.problem_response(503, headers=headers)
    body, code = render_error(503)
    return body, code, headers
