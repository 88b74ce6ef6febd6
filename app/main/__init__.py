"""The public front: home page and what every visitor can read."""

from flask import Blueprint

bp = Blueprint("main", __name__, template_folder="templates")

from app.main import views  # noqa: E402,F401  (routes register on import)
