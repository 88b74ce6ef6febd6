"""Anonymised reports for social workers: de-identified roll-ups, disclosure control, export."""

from flask import Blueprint

bp = Blueprint("reports", __name__, template_folder="templates", url_prefix="/reports")

from app.reports import views  # noqa: E402,F401  (routes register on import)
