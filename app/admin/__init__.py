"""Administration: staff accounts, the audit log and keys (centres and services with booking)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")

from app.admin import calendar, network, oversight, profile_views, request_views, views  # noqa: E402,F401  (routes register on import)
