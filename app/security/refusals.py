"""Every refusal leaves a trace: 403, 404 on an object page for a signed-in person, 429 and
failed CSRF checks are written to the audit log (ASVS 16.3, HIPAA §164.312(b)).

An entry names the actor (random uid, when signed in), the endpoint, the method and a
reason; never the path, the query, form data or the address. Each kind of entry is
limited per person (or address) and endpoint, so refusals cannot be used to flood the
log; the limit lives in the rate-limit storage (Redis in production, shared by workers).
Writes go through ``audit.record``, which serialises on the chain's head row, so many
refusals at once still make one unbroken chain.

This module sits below the domains and the audit log: ``create_app`` hands it the writer
(``audit.record``) and the usual answers (translated page or API problem object).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, current_app, g, request
from flask.typing import ResponseReturnValue
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from limits import parse
from werkzeug.exceptions import HTTPException

RECORDED = "xinqing_refusal_recorded"
WRITER = "xinqing.refusal_writer"

# audit.record(actor, action, target, detail)
Writer = Callable[..., Any]
Answer = Callable[[Any], ResponseReturnValue]


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
    from app.extensions import db

    write: Writer = current_app.extensions[WRITER]

    try:
        if not _allowed(reason):
            return
        actor = current_user.uid if current_user.is_authenticated else None
        # Never commit half of whatever the refused request began; and start the new
        # transaction with the write (SQLite then queues it instead of failing).
        db.session.rollback()
        write(actor, "access.denied", request.endpoint,
                     {"status": status, "reason": reason, "method": request.method})
        db.session.commit()
    except Exception:  # a refusal must still be answered even if the log is unreachable
        db.session.rollback()
        current_app.logger.exception("could not audit a refusal")


def mark_recorded() -> None:
    """Tell the handlers below that this request's refusal is already in the log."""
    g.setdefault(RECORDED, True)


def init_app(app: Flask, *, write: Writer, answer: Answer, csrf_answer: Answer) -> None:
    """Handlers for 403, 404, 429 and CSRF failures that audit with ``write``, then give
    the usual ``answer`` (``csrf_answer`` for a failed CSRF check)."""
    app.extensions[WRITER] = write

    def forbidden(exc: HTTPException) -> ResponseReturnValue:
        record_refusal(403, "forbidden")
        return answer(exc)

    def not_found(exc: HTTPException) -> ResponseReturnValue:
        # Only object pages for signed-in people: someone else's record, or a stale link.
        # Unknown addresses from anonymous visitors are noise, not access attempts.
        if current_user.is_authenticated and request.endpoint and request.view_args:
            record_refusal(404, "not_found_or_not_owner")
        return answer(exc)

    def too_many(exc: HTTPException) -> ResponseReturnValue:
        record_refusal(429, "rate_limited")
        return answer(exc)

    def csrf_failed(exc: CSRFError) -> ResponseReturnValue:
        record_refusal(400, "csrf")
        return csrf_answer(exc)

    app.register_error_handler(403, forbidden)
    app.register_error_handler(404, not_found)
    app.register_error_handler(429, too_many)
    app.register_error_handler(CSRFError, csrf_failed)
