"""Links from a result to booking, which lives in another package (maybe not deployed)."""

from __future__ import annotations

from typing import Any

from flask import url_for
from werkzeug.routing import BuildError

# What a band's ``suggest`` entry offers, as a booking service code.
SUGGEST_SERVICES = {"group": "group-stress", "relaxation": "relaxation",
                    "counselling": "counselling", "career": "assessment"}


def booking_url(service: str, centre: str | None = None) -> str:
    """The booking page for a service; the home page's centre list when booking is absent."""
    args: dict[str, Any] = {"service": service}
    if centre:
        args["centre"] = centre
    try:
        return url_for("booking.browse", **args)
    except BuildError:
        return url_for("main.home") + "#centres-title"
