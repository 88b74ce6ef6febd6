"""Every refusal leaves a trace: 403, 404 on an object page for a signed-in person, 429 and
failed CSRF checks are written to the audit log (ASVS 16.3, HIPAA §164.312(b)).

An entry names the actor (random uid, when signed in), the endpoint, the method and a
reason; never the path, the query, form data or the address. Each kind of entry is
limited per person (or address) and endpoint, so refusals cannot be used to flood the
log; the limit lives in the rate-limit storage (Redis in production, shared by workers).
Writes go through ``audit.record``, which serialises on the chain's head row, so many
refusals at once still make one unbroken chain.
"""

from __future__ import annotations

from flask import Flask, current_app, g, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from limits import parse
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

RECORDED = "xinqing_refusal_recorded"


def _allowed(kind: str) -> bool:
    """At most ``REFUSAL_AUDIT_LIMIT`` entries of one kind per person (or address) and endpoint."""
    from flask_limiter.util import get_remote_address

    from app.extensions import limiter

    who = current_user.uid if current_user.is_authenticated else get_remote_address()
    item = parse(current_app.config.get("REFUSAL_AUDIT_LIMIT", "20 per minute"))
    try:
        return limiter.limiter.hit(item, "audit-refusal", kind, request.endpoint or "-", who)
    except Exception:  # the limit store is down: still record (fail towards keeping a trace)
        current_app.logger.warning("refusal audit limiter unavailable")
        return True


def record_refusal(status: int, reason: str) -> None:
    """Write one refusal (once per request, within the flood limit); never raises."""
    if g.get(RECORDED):
        return
    g.setdefault(RECORDED, True)
    from app import audit
    from app.extensions import db

    try:
        if not _allowed(reason):
            return
        actor = current_user.uid if current_user.is_authenticated else None
        # Never commit half of whatever the refused request began; and start the new
        # transaction with the write (SQLite then queues it instead of failing).
        db.session.rollback()
        audit.record(actor, "access.denied", request.endpoint,
                     {"status": status, "reason": reason, "method": request.method})
        db.session.commit()
    except Exception:  # a refusal must still be answered even if the log is unreachable
        db.session.rollback()
        current_app.logger.exception("could not audit a refusal")


def mark_recorded() -> None:
    """Tell the handlers below that this request's refusal is already in the log."""
    g.setdefault(RECORDED, True)


def init_app(app: Flask) -> None:
    """Handlers for 403, 404, 429 and CSRF failures that audit, then show the usual page."""
    from app.api import problems
    from app.errors import render_error

    def answer(exc: HTTPException) -> tuple[str, int] | Response:
        """The usual answer: a translated page, or a problem object under the JSON API."""
        if problems.is_api_request():
            return problems.from_http_exception(exc)
        return render_error(exc.code or 500)

    def forbidden(exc: HTTPException) -> tuple[str, int] | Response:
        record_refusal(403, "forbidden")
        return answer(exc)

    def not_found(exc: HTTPException) -> tuple[str, int] | Response:
        # Only object pages for signed-in people: someone else's record, or a stale link.
        # Unknown addresses from anonymous visitors are noise, not access attempts.
        if current_user.is_authenticated and request.endpoint and request.view_args:
            record_refusal(404, "not_found_or_not_owner")
        return answer(exc)

    def too_many(exc: HTTPException) -> tuple[str, int] | Response:
        record_refusal(429, "rate_limited")
        return answer(exc)

    def csrf_failed(exc: CSRFError) -> tuple[str, int]:
        from flask_babel import lazy_gettext as _l

        record_refusal(400, "csrf")
        return render_error(
            400, _l("This form has expired"),
            _l("For your security, forms expire after a while. Please go back, reload the page "
               "and submit again."),
        )

    app.register_error_handler(403, forbidden)
    app.register_error_handler(404, not_found)
    app.register_error_handler(429, too_many)
    app.register_error_handler(CSRFError, csrf_failed)
