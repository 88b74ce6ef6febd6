"""Administration: staff accounts (centres, services, keys and the audit log come later)."""

from flask import Blueprint

bp = Blueprint("admin", __name__, template_folder="templates", url_prefix="/admin")

from app.admin import network, views  # noqa: E402,F401  (routes register on import)
