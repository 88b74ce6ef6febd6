"""Errors under /api/v1 as RFC 9457 problem objects, translated per Accept-Language.

Every failure (a refused token, a missing record, bad input, a full session, a rate limit,
an unexpected exception) leaves the API as ``application/problem+json`` with ``type``,
``title``, ``status``, a translated ``detail`` and, for input errors, ``errors`` per field.
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, json, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import HTTPException

API_PREFIX = "/api/v1"
MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:xinqing:problem:"

TITLES: dict[int, Any] = {
    400: _l("Bad request"),
    401: _l("Authentication needed"),
    403: _l("Not allowed"),
    404: _l("Not found"),
    405: _l("Method not allowed"),
    409: _l("Conflict"),
    415: _l("Unsupported media type"),
    422: _l("Invalid input"),
    429: _l("Too many requests"),
    500: _l("Server error"),
    503: _l("Service unavailable"),
}
DETAILS: dict[int, Any] = {
    400: _l("The request could not be read. Send JSON as described in the API documentation."),
    401: _l("Send a valid token in the Authorization header: Bearer followed by the token."),
    403: _l("Your account may not use this."),
    404: _l("There is nothing here, or it is not yours."),
    405: _l("This address does not accept that method."),
    409: _l("This cannot be done in the current state."),
    415: _l("Send the request body as application/json."),
    422: _l("Some fields are missing or not valid."),
    429: _l("Too many requests. Please wait a moment and try again."),
    500: _l("Something went wrong on our side. Nothing was changed; please try again."),
    503: _l("The service cannot reach its database right now. Nothing was changed; please "
            "try again in a minute."),
}
SLUGS = {400: "bad-request", 401: "unauthenticated", 403: "forbidden", 404: "not-found",
         405: "method-not-allowed", 409: "conflict", 415: "unsupported-media-type",
         422: "invalid-input", 429: "rate-limited", 500: "server-error",
         503: "unavailable"}


class Problem(HTTPException):
    """Raise to answer with a problem object: ``Problem(409, "booking-full", message)``."""

    def __init__(self, status: int, slug: str | None = None, detail: object = None, *,
                 errors: dict[str, Any] | None = None, **extra: Any) -> None:
        super().__init__(str(detail or DETAILS.get(status, "")))
        self.code = status
        self.slug = slug or SLUGS.get(status, "error")
        self.detail = detail
        self.errors = errors
        self.extra = extra


def is_api_request() -> bool:
    """True for requests to the JSON API (they never get an HTML error page)."""
    path = request.path
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


def problem_response(status: int, *, slug: str | None = None, detail: object = None,
                     errors: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None, **extra: Any) -> Response:
    """The problem object for ``status`` in the reader's language."""
    status = status if status in TITLES else (500 if status >= 500 else 400)
    body: dict[str, Any] = {
        "type": TYPE_BASE + (slug or SLUGS[status]),
        "title": str(TITLES[status]),
        "status": status,
        "detail": str(detail or DETAILS[status]),
    }
    if errors:
        body["errors"] = _stringify(errors)
    body.update({k: v for k, v in extra.items() if v is not None})
    response = current_app.response_class(json.dumps(body, ensure_ascii=False),
                                          status=status, mimetype=MEDIA_TYPE)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _stringify(errors: Any) -> Any:
    """Field errors as JSON: lazy strings rendered, nesting kept."""
    if isinstance(errors, dict):
        return {str(k): _stringify(v) for k, v in errors.items()}
    if isinstance(errors, list | tuple):
        return [_stringify(v) for v in errors]
    return str(errors)


def from_http_exception(exc: HTTPException) -> Response:
    """Any HTTP error raised under /api/v1 (abort, routing, limits, input) as a problem."""
    if isinstance(exc, Problem):
        status = exc.code or 500  # always set by Problem.__init__
        return problem_response(status, slug=exc.slug, detail=exc.detail, errors=exc.errors,
                                headers=_auth_header(status), **exc.extra)
    status = exc.code or 500
    errors = None
    data = getattr(exc, "data", None)  # webargs puts marshmallow's messages here
    if isinstance(data, dict) and "messages" in data:
        errors = _flatten_locations(data["messages"])
    headers = _auth_header(status)
    if status == 405 and exc.get_response().headers.get("Allow"):
        headers["Allow"] = exc.get_response().headers["Allow"]
    if status == 429:
        retry = exc.get_response().headers.get("Retry-After")
        if retry:
            headers["Retry-After"] = retry
    return problem_response(status, errors=errors, headers=headers)


def _auth_header(status: int) -> dict[str, str]:
    return {"WWW-Authenticate": 'Bearer realm="xinqing"'} if status == 401 else {}


def _flatten_locations(messages: dict[str, Any]) -> dict[str, Any]:
    """webargs nests errors by location (``json``, ``query``); readers want the fields."""
    out: dict[str, Any] = {}
    for location, fields in messages.items():
        if isinstance(fields, dict):
            for name, value in fields.items():
                out[str(name)] = [_translate(m) for m in value] if isinstance(value, list) \
                    else _translate_nested(value)
        else:
            out[location] = fields
    return out


def _translate_nested(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _translate_nested(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_translate_nested(v) for v in value]
    return _translate(value)


# marshmallow's own messages, in the reader's language.
FIELD_MESSAGES: dict[str, Any] = {
    "Missing data for required field.": _l("This field is required."),
    "Unknown field.": _l("This field is not known."),
    "Not a valid integer.": _l("Give a whole number."),
    "Not a valid string.": _l("Give text."),
    "Not a valid boolean.": _l("Give true or false."),
    "Not a valid list.": _l("Give a list."),
    "Not a valid mapping type.": _l("Give an object."),
    "Not a valid datetime.": _l("Give a date and time in ISO 8601 with its offset, e.g. "
                                "2026-12-01T09:00:00+08:00."),
    "Not a valid aware datetime.": _l("Give a date and time in ISO 8601 with its offset, e.g. "
                                      "2026-12-01T09:00:00+08:00."),
    "Not a valid date.": _l("Give a date in ISO 8601, e.g. 2026-12-01."),
    "Field may not be null.": _l("This field may not be empty."),
    "Invalid input type.": _l("This value has the wrong type."),
    "Invalid input.": _l("This value is not valid."),
}


def _translate(message: Any) -> str:
    text = str(message)
    known = FIELD_MESSAGES.get(text)
    if known is not None:
        return str(known)
    if text.startswith(("Must be greater", "Must be less", "Length must", "Shorter than",
                        "Longer than", "Must be one of")):
        return str(_l("This value is out of range."))
    return text


def from_unexpected(exc: Exception) -> Response:
    """An unhandled exception under /api/v1: logged with its type, answered as a 500 problem."""
    current_app.logger.exception("unhandled API error: %s", type(exc).__name__)
    return problem_response(500)
