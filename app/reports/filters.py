"""What a report reader may choose: period, place, questionnaire, sector, age band.

Also the minimum cell size and the "finished months only" rule, because a period is
valid only when it covers finished months.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import assessments
from app.booking import catalogue
from app.booking.catalogue import CentreEntry
from app.booking.models import CentreKind
from app.domain import DomainError
from app.reports import disclosure, stats
from app.screening.profile import AGE_BAND_CODES, AGE_BANDS, SECTOR_CODES, SECTORS
from app.security.roles import Role
from app.security.scope import Scope, centres_in_scope
from app.types import utcnow

MAX_MONTHS = 60


class ReportError(DomainError):
    """A filter the reader can fix; ``message`` is translated."""


def k_threshold() -> int:
    """The minimum cell size (``REPORTS_MIN_CELL``, default 5, never below 2)."""
    return max(2, int(current_app.config.get("REPORTS_MIN_CELL", disclosure.DEFAULT_K)))


# -- filters ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Period:
    """A month, quarter, year or (command line) a range of months."""

    code: str
    months: tuple[str, ...]


def _month_list(first: tuple[int, int], last: tuple[int, int]) -> tuple[str, ...]:
    (y, m), out = first, []
    while (y, m) <= last:
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return tuple(out)


_MONTH = r"(20\d\d)-(0[1-9]|1[0-2])"


def parse_period(text: str, now: datetime | None = None) -> Period:
    """``2026-11``, ``2026-Q4``, ``2026`` or ``2026-01..2026-06``; ReportError otherwise.

    Only finished months are reported (see ``first_open_month``): a period's unfinished
    months are left out, and a period with none finished is refused.
    """
    text = (text or "").strip()
    if m := re.fullmatch(_MONTH, text):
        months = _month_list((int(m[1]), int(m[2])), (int(m[1]), int(m[2])))
    elif m := re.fullmatch(r"(20\d\d)-Q([1-4])", text):
        q = int(m[2])
        months = _month_list((int(m[1]), 3 * q - 2), (int(m[1]), 3 * q))
    elif m := re.fullmatch(r"20\d\d", text):
        months = _month_list((int(text), 1), (int(text), 12))
    elif m := re.fullmatch(_MONTH + r"\.\." + _MONTH, text):
        months = _month_list((int(m[1]), int(m[2])), (int(m[3]), int(m[4])))
        if not months or len(months) > MAX_MONTHS:
            raise ReportError(_l("A range runs forwards and covers at most %(n)d months.",
                                 n=MAX_MONTHS))
    else:
        raise ReportError(_l("Choose a month, quarter or year from the list."))
    opened = first_open_month(now)
    months = tuple(m for m in months if m < opened)
    if not months:
        raise ReportError(_l("Reports cover finished months only: choose an earlier period."))
    return Period(text, months)


@dataclass(frozen=True)
class Filters:
    """What the reader chose; none of it is personal data."""

    period: Period
    place: str = "network"
    instrument: str = ""
    sector: str = ""
    age_band: str = ""

    def as_dict(self) -> dict[str, str]:
        """The filters as query parameters (also what the audit log records)."""
        return {"period": self.period.code, "place": self.place,
                "instrument": self.instrument, "sector": self.sector,
                "age_band": self.age_band}


def default_period(today: date | None = None) -> str:
    """The year of the last finished month: a trend of up to twelve months."""
    return first_open_month()[:4] if today is None else str(
        (today.replace(day=1) - timedelta(days=1)).year)


def parse_filters(args: Mapping[str, str], today: date | None = None,
                  scope: Scope | None = None) -> Filters:
    """Validate the query string; ReportError names the first bad filter.

    ``scope`` is the reader's (``report_scope``): a county reader's place is forced to
    their own centre, and another centre is refused as if it did not exist."""
    period = parse_period(args.get("period") or default_period(today))
    if len(period.months) > 12:
        raise ReportError(_l("Choose a month, quarter or year from the list."))
    place = args.get("place") or "network"
    if scope is not None and not scope.everywhere:
        own = [c.code for c in _centres() if scope.covers(c.id)]
        if place == "network" and own:
            place = own[0]
        if place not in own:
            raise ReportError(_l("Choose a place from the list."))
    if place not in ("network", "hub") and place not in {c.code for c in _centres()}:
        raise ReportError(_l("Choose a place from the list."))
    instrument = args.get("instrument") or ""
    if instrument and instrument not in {i.code for i in assessments.instruments()}:
        raise ReportError(_l("Choose a questionnaire from the list."))
    sector = args.get("sector") or ""
    if sector and sector not in SECTOR_CODES:
        raise ReportError(_l("Choose a sector from the list."))
    age_band = args.get("age_band") or ""
    if age_band and age_band not in AGE_BAND_CODES:
        raise ReportError(_l("Choose an age band from the list."))
    return Filters(period, place, instrument, sector, age_band)


def _centres() -> list[CentreEntry]:
    """Every centre, open or closed (reports cover the past), the hub first; cached."""
    return list(catalogue.current().centres)


def place_centres(place: str) -> list[CentreEntry] | None:
    """The centres a place covers; None for the whole network (including "not known")."""
    if place == "network":
        return None
    centres = _centres()
    if place == "hub":
        return [c for c in centres if c.kind == CentreKind.HUB.value]
    return [c for c in centres if c.code == place]


def report_scope(reader: object) -> Scope:
    """The centres a reader's reports cover: their social-worker and admin roles together."""
    return centres_in_scope(reader, Role.SOCIAL_WORKER, Role.ADMIN)


def choices(lang: str, today: date | None = None,
            scope: Scope | None = None) -> dict[str, list[tuple[str, str]]]:
    """Options for the filter form: periods, places, questionnaires, sectors, age bands
    (a county reader: only their own centres)."""
    today = today or utcnow().date()
    opened = first_open_month()
    months = [m for m in _month_list(((today.year - 2), today.month),
                                     (today.year, today.month))[::-1] if m < opened]
    quarters = [f"{y}-Q{q}" for y in range(today.year, today.year - 3, -1)
                for q in range(4, 0, -1) if (y, 3 * q - 2) <= (today.year, today.month)]
    years = [str(y) for y in range(today.year, today.year - 3, -1)]
    quarter_choices = [c for c in (period_choice(q, 3) for q in quarters) if c]
    year_choices = [c for c in (period_choice(y, 12) for y in years) if c]
    places = [("network", _("The whole network")), ("hub", _("The city hub"))]
    places += [(c.code, c.localised("name", lang)) for c in _centres()
               if c.kind == CentreKind.COUNTY.value]
    if scope is not None and not scope.everywhere:
        places = [(c.code, c.localised("name", lang)) for c in _centres()
                  if scope.covers(c.id)]
    return {
        "years": year_choices,
        "quarters": quarter_choices,
        "months": [(m, m) for m in months],
        "places": places,
        "instruments": [("", _("All questionnaires"))] + [
            (i.code, i.name.get(lang)) for i in assessments.instruments()],
        "sectors": [("", _("All sectors"))] + [(c, str(label)) for c, label in SECTORS],
        "age_bands": [("", _("All ages"))] + [(c, str(label)) for c, label in AGE_BANDS],
    }



def period_choice(code: str, length: int, now: datetime | None = None
                  ) -> tuple[str, str] | None:
    """A quarter or year as the list offers it: labelled honestly when only some of its months
    are finished ("2026-Q4" must not silently mean October only); None when none is."""
    try:
        period = parse_period(code, now)
    except ReportError:
        return None
    months = period.months
    if len(months) == length:
        return code, code
    if len(months) == 1:
        return code, _("%(period)s: so far %(month)s only", period=code, month=months[0])
    return code, _("%(period)s: so far %(first)s to %(last)s", period=code, first=months[0],
                   last=months[-1])


def first_open_month(now: datetime | None = None) -> str:
    """Months before this one are finished: no result can still arrive in them.

    (A day's grace covers a result saved just before midnight and committed after it.)
    """
    return stats.month_of((now or utcnow()) - timedelta(days=1))
