"""Dates a person can mean: a booking service deals in this century, not year 1 or 9999.

Such a date typed into a form or a query passed every format check and then overflowed
time-zone arithmetic (``astimezone``, ``+ timedelta``) deep in a service: a 500. Every date
a person sends is checked against this range where it is read (forms, API, query strings).
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from wtforms.validators import ValidationError

FIRST_DAY = date(2000, 1, 1)
LAST_DAY = date(2099, 12, 31)
FIRST_MOMENT = datetime(2000, 1, 1, tzinfo=UTC)
LAST_MOMENT = datetime(2099, 12, 31, tzinfo=UTC)
OUT_OF_RANGE = _l("Please choose a date between 2000 and 2099.")


def sensible(day: date | datetime) -> bool:
    """Whether the date (or moment) lies in the years a booking service can mean."""
    return FIRST_DAY.year <= day.year <= LAST_DAY.year


def in_service_years(_form: Any, field: Any) -> None:
    """WTForms validator for date and date-time fields: refuse year 1, 9999 and the like."""
    if field.data is not None and not sensible(field.data):
        raise ValidationError(str(OUT_OF_RANGE))
