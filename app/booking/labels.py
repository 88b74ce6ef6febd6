"""Words people read for booking statuses, in their language."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

STATUS_LABELS = {
    "requested": _l("Requested: waiting for the counsellor"),
    "confirmed": _l("Confirmed"),
    "checked_in": _l("Checked in"),
    "attended": _l("Attended"),
    "no_show": _l("Did not come"),
    "cancelled": _l("Cancelled"),
    "late_cancelled": _l("Cancelled late"),
}


def status_label(status: str) -> str:
    """The reader's words for a booking status."""
    return str(STATUS_LABELS.get(status, status))
