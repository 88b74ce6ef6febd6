"""JSON API v1 under /api/v1, for the union's own app and mini-programs.

flask-smorest builds the OpenAPI document from the schemas (``/api/v1/openapi.json``);
``/api/v1/docs`` shows it with Swagger UI served from this app (no CDN, no inline script).
Callers authenticate with bearer tokens only: under /api/v1 the session cookie is neither
read nor written, so a browser's signed-in session cannot act here and CSRF does not apply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from flask import Flask, Request, Response, g, request
from flask.json.provider import DefaultJSONProvider
from flask.sessions import SecureCookieSession, SessionInterface
from flask.typing import ResponseReturnValue
from flask_smorest import Api

from app.api.converters import UidConverter, uid_schema
from app.api.problems import API_PREFIX, MEDIA_TYPE
from app.api.schemas import ProblemSchema

DEFAULTS = {
    "API_TITLE": "Xinqing 心晴 API",
    "API_VERSION": "1.0",
    "OPENAPI_VERSION": "3.0.3",
    "OPENAPI_URL_PREFIX": API_PREFIX,
    "OPENAPI_JSON_PATH": "openapi.json",
}


class XinqingApi(Api):
    """flask-smorest's Api, with problem objects as every documented error."""

    ERROR_SCHEMA = ProblemSchema
    DEFAULT_ERROR_RESPONSE_NAME = "DEFAULT_ERROR"

    def _register_error_handlers(self) -> None:
        """Errors are app/api/problems.py's (wired in app/errors.py), not flask-smorest's."""

    def _register_responses(self) -> None:
        """Document error responses as ``application/problem+json``."""
        from http import HTTPStatus

        from flask_smorest.utils import prepare_response

        for status in HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["schema"] = self.ERROR_SCHEMA
                prepare_response(response, self.spec, MEDIA_TYPE)
            self.spec.components.response(status.name, response, lazy=True)
        default = {"description": "A problem object (RFC 9457)", "schema": self.ERROR_SCHEMA}
        prepare_response(default, self.spec, MEDIA_TYPE)
        self.spec.components.response(self.DEFAULT_ERROR_RESPONSE_NAME, default, lazy=True)


def _is_api_path(path: str) -> bool:
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


class CookielessApi(SessionInterface):
    """The app's session interface, except that API requests get no cookie session at all."""

    def __init__(self, inner: SessionInterface) -> None:
        self.inner: Any = inner  # the app's ServerSessionInterface

    @property
    def store(self) -> Any:
        """The inner interface's session store (sign-out everywhere and retention use it)."""
        return self.inner.store

    def open_session(self, app: Flask, request: Request) -> Any:
        if request.path == API_PREFIX + "/docs":
            # The docs page is a page of the site: it reads the visitor's language choice
            # (and nothing is ever saved: ``save_session`` skips every API path).
            return self.inner.open_session(app, request)
        if _is_api_path(request.path):
            from app.extensions import login_manager

            # Flask-Login must not find anyone in a cookie (session or "remember me").
            g._login_user = login_manager.anonymous_user()
            return SecureCookieSession()
        return self.inner.open_session(app, request)

    def save_session(self, app: Flask, session: Any, response: Response) -> None:
        if _is_api_path(request.path):
            return None
        return self.inner.save_session(app, session, response)


def init_app(app: Flask) -> None:
    """Register the API blueprint, its OpenAPI document and docs page, CORS and sessions."""
    from app.api import docs
    from app.api.views import bp
    from app.extensions import csrf
    from app.security.access import public

    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    if isinstance(app.json, DefaultJSONProvider):
        app.json.ensure_ascii = False  # Chinese as UTF-8 text, not \u escapes
    app.url_map.converters["uid"] = UidConverter
    api = XinqingApi(app)
    api.register_converter(UidConverter, uid_schema)
    api.spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer",
                       "description": "A token from POST /api/v1/auth/token"})
    api.register_blueprint(bp)
    csrf.exempt(bp)
    spec_view = cast("Callable[[], ResponseReturnValue]",
                     app.view_functions["api-docs.openapi_json"])
    app.view_functions["api-docs.openapi_json"] = public(
        lambda: spec_view())  # the document itself is public
    app.register_blueprint(docs.bp)
    app.session_interface = CookielessApi(app.session_interface)
    origins = [o.strip() for o in (app.config.get("API_CORS_ORIGINS") or "").split(",")
               if o.strip()]
    if origins:
        from flask_cors import CORS

        CORS(app, resources={rf"{API_PREFIX}/*": {"origins": origins}},
             allow_headers=["Authorization", "Content-Type", "Accept-Language"],
             expose_headers=["Retry-After", "X-RateLimit-Limit", "X-RateLimit-Remaining",
                             "X-RateLimit-Reset"],
             supports_credentials=False, max_age=600)
