"""Screening: take a questionnaire, see the result, history, sharing and the safety path."""

from flask import Blueprint

bp = Blueprint("screening", __name__, template_folder="templates")

from app.screening import safety_views, views  # noqa: E402,F401  (routes register on import)
