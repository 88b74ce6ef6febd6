"""Home page, the worker's own page, the style guide, and the navigation every page draws."""

from __future__ import annotations

from typing import Any

from flask import abort, current_app, render_template
from flask_login import current_user

from app.booking import catalogue as booking
from app.i18n import current_locale
from app.main import bp, layout, navigation, worker_home
from app.render_cache import anonymous_page
from app.security.access import public, roles_required
from app.security.roles import Role
from app.types import utcnow


@bp.app_context_processor
def _navigation() -> dict[str, Any]:
    """Whether the reader is staff (who sign out from their menu); base.html draws the menu
    itself through ``layout_part``."""
    return {"nav_staff": navigation.is_staff(current_user)}


bp.add_app_template_global(layout.layout_part, "layout_part")


@bp.route("/")
@public
@anonymous_page(booking.version)
def home() -> str:
    """What Xinqing is, each role's next step, and the centres with their services."""
    return render_template(
        "main/home.html", centres=booking.active_centres(), services=booking.active_services()
    )


@bp.route("/me")
@roles_required(Role.WORKER)
def me() -> str:
    """The worker's own place: next booking, latest results and how they moved, reminders."""
    return render_template(
        "main/me.html", next_booking=worker_home.next_booking(current_user, utcnow()),
        latest=worker_home.latest_results(current_user),
        reminders=worker_home.reminders(current_user), lang=current_locale())


@bp.route("/styleguide")
@public
def styleguide() -> str:
    """Every component on one page, for people working on the app (never in production)."""
    if not (current_app.debug or current_app.config.get("ENV_NAME") == "development"):
        abort(404)
    return render_template("main/styleguide.html")
