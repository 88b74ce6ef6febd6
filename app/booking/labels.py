"""Words people read for booking statuses and session times, in their language."""

from __future__ import annotations

from datetime import date, datetime, time

from babel.dates import format_interval, format_skeleton
from flask_babel import format_date, format_time, get_locale, to_user_timezone
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


def when(moment: datetime, date_format: str = "full") -> str:
    """A session time as people say it: the day and hour:minute, in Asia/Shanghai.

    Babel's "full" and "medium" date-times add seconds and a time-zone name
    ("10:00:00 中国标准时间"), which nobody needs to find a session.
    """
    return f"{format_date(moment, date_format)} {format_time(moment, 'short')}"


def week_range(first: date, last: date) -> str:
    """A week as people write it: "12月1日至7日", "1–7 Dec"."""
    return format_interval(first, last, "MMMd", locale=get_locale())


def short_date(day: date | datetime) -> str:
    """A day without its year or weekday: "12月3日", "Dec 3" (a moment: its local day)."""
    if isinstance(day, datetime):
        day = to_user_timezone(day).date()
    return format_skeleton("MMMd", datetime.combine(day, time(12)), locale=get_locale())


def session_summary(starts_at: datetime, service: object) -> str:
    """What a success message names: "12月4日 10:00 一对一心理咨询" / "Dec 4 10:00 One-to-one
    counselling", in the reader's language and Asia/Shanghai time."""
    name = service.localised("name", str(get_locale()))  # type: ignore[attr-defined]
    return f"{short_date(starts_at)} {format_time(starts_at, 'short')} {name}"


def booking_summary(booking: object) -> str:
    """``session_summary`` of a booking's session."""
    session = booking.session  # type: ignore[attr-defined]
    return session_summary(session.starts_at, session.service)
