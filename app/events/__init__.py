"""Events and group activities: the public list, each event's page, registration, and the
facilitator's page with the check-in QR code (the admin creates events in app/admin)."""

from flask import Blueprint

bp = Blueprint("events", __name__, template_folder="templates", url_prefix="/events")

from app.events import views  # noqa: E402,F401  (routes register on import)
