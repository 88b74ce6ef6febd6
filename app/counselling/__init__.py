"""The counsellor's workspace: calendar, attendance, availability, session notes, risk queue."""

from flask import Blueprint

bp = Blueprint("counselling", __name__, template_folder="templates", url_prefix="/counselling")

# Routes register on import; the risk tables join the metadata.
from app.counselling import risk_models, views  # noqa: E402,F401
