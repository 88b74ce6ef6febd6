"""The counsellor's workspace: calendar, attendance, availability and session notes."""

from flask import Blueprint

bp = Blueprint("counselling", __name__, template_folder="templates", url_prefix="/counselling")

from app.counselling import views  # noqa: E402,F401  (routes register on import)
