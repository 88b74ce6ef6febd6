"""Home page: what the service is, and the way in for each role."""

from __future__ import annotations

from flask import render_template

from app.booking import catalogue as booking
from app.main import bp
from app.security.access import public


@bp.route("/")
@public
def home() -> str:
    """What Xinqing is, each role's next step, and the centres with their services."""
    return render_template(
        "main/home.html", centres=booking.active_centres(), services=booking.active_services()
    )
