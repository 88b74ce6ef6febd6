"""Booking: the centres of the "1+N" network, their services, sessions and bookings."""

from flask import Blueprint

bp = Blueprint("booking", __name__, template_folder="templates")

from app.booking import care_views, sms_link_views, views  # noqa: E402,F401  (routes register on import)
