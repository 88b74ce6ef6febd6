"""The API's docs page: Swagger UI from the swagger-ui-bundle package, served by this app."""

from __future__ import annotations

from flask import Blueprint, abort, render_template, send_from_directory
from swagger_ui_bundle import swagger_ui_path
from werkzeug.wrappers import Response

from app.security.access import public

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1/docs", template_folder="templates")
ASSETS = frozenset({"swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png"})


@bp.route("")
@public
def page() -> str:
    """Swagger UI on the app's own OpenAPI document (init script in app/static/api/)."""
    return render_template("api/docs.html")


@bp.route("/assets/<name>")
@public
def asset(name: str) -> Response:
    """Swagger UI's own files, from the installed package (no CDN)."""
    if name not in ASSETS:
        abort(404)
    return send_from_directory(str(swagger_ui_path), name, max_age=3600)
