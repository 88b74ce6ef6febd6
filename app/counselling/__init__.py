"""The counsellor's workspace: calendar, attendance, availability, session notes, risk queue."""

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

bp = Blueprint("counselling", __name__, template_folder="templates", url_prefix="/counselling")


@bp.record_once
def _check_risk_settings(state: BlueprintSetupState) -> None:
    """Refuse to start with opening hours nobody can read: every due time depends on them."""
    from app.counselling.due import OpeningHours
    from config import ConfigError

    config = state.app.config
    try:
        OpeningHours.parse(config["RISK_OPENING_HOURS"], config.get("RISK_CLOSED_DATES", ""))
    except ValueError as exc:
        raise ConfigError(f"{exc}. Example: RISK_OPENING_HOURS='mon-fri 08:30-17:30', "
                          "RISK_CLOSED_DATES='2027-01-01,2027-02-16'.") from None


# Routes register on import; the risk tables join the metadata.
from app.counselling import course_models, course_views, risk_models, views  # noqa: E402,F401
