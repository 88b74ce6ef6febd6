"""The safety loop in the reports: risk items opened, first contact within target, and the
median time to first contact, by month and by centre.

Reads only the de-identified activity roll-up, written when an item is opened and when a
counsellor first reaches the person (app/counselling/risk_queue.py: no person, no exact
time; ``service`` carries the triage level, ``value`` the quarter hours to first contact).
Every number passes through app/reports/disclosure.py like the rest of the dashboard.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.booking import catalogue
from app.extensions import db
from app.reports import disclosure
from app.reports.models import NO_CENTRE, ActivityRollup

# The events app/counselling/risk_queue.py records (``service`` = triage level).
OPENED, IN_TIME, LATE = "risk_opened", "risk_reached_in_time", "risk_reached_late"
EVENTS = (OPENED, IN_TIME, LATE)
KEYS = ("month", "service", "event", "centre_id")
# Pool small cells: first forget the triage level, then the centre.
STAGES = ({"service": ""}, {"centre_id": NO_CENTRE})
QUARTERS_PER_HOUR = 4


def _cube(months: list[str], k: int) -> dict[tuple[str, str, int], int]:
    """Pooled counts (month, event, centre) -> n; every cell holds 0 or at least k."""
    a = ActivityRollup
    fine = (select(a.month, a.service, a.event, a.centre_id, func.sum(a.n).label("n"))
            .where(a.month.in_(months), a.event.in_(EVENTS))
            .group_by(a.month, a.service, a.event, a.centre_id))
    pooled = disclosure.pooled_cells_sql(fine, KEYS, STAGES, k)
    cube: dict[tuple[str, str, int], int] = defaultdict(int)
    for month, event, centre, n in db.session.execute(
            select(pooled.c.month, pooled.c.event, pooled.c.centre_id, func.sum(pooled.c.n))
            .group_by(pooled.c.month, pooled.c.event, pooled.c.centre_id)):
        cube[(month, event, centre)] += int(n)
    return cube


def _histograms(months: list[str]) -> dict[tuple[str, int], dict[int, int]]:
    """Quarter hours to first contact, (month, centre) -> {value: n}, for the medians only."""
    a = ActivityRollup
    out: dict[tuple[str, int], dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for month, centre, value, n in db.session.execute(
            select(a.month, a.centre_id, a.value, func.sum(a.n))
            .where(a.month.in_(months), a.event.in_((IN_TIME, LATE)))
            .group_by(a.month, a.centre_id, a.value)):
        out[(month, centre)][int(value)] += int(n)
    return out


def _hours(value: float | None) -> float | None:
    return None if value is None else round(value / QUARTERS_PER_HOUR, 1)


def _share(table: disclosure.ProtectedTable, k: int) -> list[float | None]:
    """Per row: reached within target as a percentage of everyone reached."""
    shares = []
    for row in table.cells:
        in_time, late = row[1], row[2]
        base = None if in_time is None or late is None else in_time + late
        shares.append(disclosure.percent(in_time, base, k))
    return shares


def _overall(table: disclosure.ProtectedTable, hist: dict[tuple[str, int], dict[int, int]],
             here: Any, k: int) -> list[float | None]:
    """Share and median over the whole table, on its published totals."""
    in_time, late = table.col_totals[1], table.col_totals[2]
    base = None if in_time is None or late is None else in_time + late
    merged: dict[int, int] = defaultdict(int)
    for (_m, c), values in hist.items():
        if here(c) and c != NO_CENTRE:
            for value, n in values.items():
                merged[value] += n
    return [disclosure.percent(in_time, base, k), _hours(disclosure.median(merged, base, k))]


def sections_for(filters: Any, lang: str) -> list:
    """The two tables for the dashboard's filters (period and place; the others do not
    apply to risk items)."""
    from app.reports import services

    centres = services.place_centres(filters.place)
    everyone = catalogue.current().centres
    names = {c.id: c.localised("name", lang) for c in everyone}
    return sections(filters.period.months, centres, names, services.k_threshold())


def sections(months: Iterable[str], centres: list | None, names: dict[int, str],
             k: int) -> list:
    """Two tables: by month, and by centre (``centres`` None = the whole network)."""
    from app.reports.services import Section

    months = list(months)
    ids = None if centres is None else {c.id for c in centres}
    cube = _cube(months, k)
    hist = _histograms(months)

    def here(centre: int) -> bool:
        return ids is None or centre in ids

    cols = [_("Items opened"), _("First contact within target"),
            _("First contact after target")]
    by_month = disclosure.protect_table(
        [[sum(n for (m, e, c), n in cube.items() if m == month and e == event and here(c))
          for event in EVENTS] for month in months], k, width=len(EVENTS))
    month_medians = []
    for i, month in enumerate(months):
        merged: dict[int, int] = defaultdict(int)
        for (m, c), values in hist.items():
            if m == month and here(c) and c != NO_CENTRE:
                for value, n in values.items():
                    merged[value] += n
        reached = by_month.cells[i]
        base = None if reached[1] is None or reached[2] is None else reached[1] + reached[2]
        month_medians.append(_hours(disclosure.median(merged, base, k)))
    note = _("First contact means a counsellor reached the person (or referred them). The "
             "share within target counts the first contacts recorded in the month.")
    month_section = Section(
        "risk-followup-month", _("Safety follow-up by month"), _("Month"), months, cols,
        by_month, row_totals=False,
        derived=[(_("Share within target (%)"), _share(by_month, k)),
                 (_("Median hours to first contact"), month_medians)],
        derived_total=_overall(by_month, hist, here, k), note=note)

    present = {c for (_m, _e, c) in cube}
    rows = ([c.id for c in centres] if centres is not None
            else list(names) + ([NO_CENTRE] if NO_CENTRE in present else []))
    by_centre = disclosure.protect_table(
        [[sum(n for (_m, e, c), n in cube.items() if c == centre and e == event)
          for event in EVENTS] for centre in rows], k, width=len(EVENTS))
    centre_medians = []
    for i, centre in enumerate(rows):
        merged = defaultdict(int)
        if centre != NO_CENTRE:
            for (_m, c), values in hist.items():
                if c == centre:
                    for value, n in values.items():
                        merged[value] += n
        reached = by_centre.cells[i]
        base = None if reached[1] is None or reached[2] is None else reached[1] + reached[2]
        centre_medians.append(_hours(disclosure.median(merged, base, k)))
    labels = [_("Other or not known (pooled)") if c == NO_CENTRE else names.get(c, "?")
              for c in rows]
    centre_section = Section(
        "risk-followup-centre", _("Safety follow-up by centre"), _("Centre"), labels, cols,
        by_centre, row_totals=False,
        derived=[(_("Share within target (%)"), _share(by_centre, k)),
                 (_("Median hours to first contact"), centre_medians)],
        derived_total=_overall(by_centre, hist, here, k), note=note)
    return [month_section, centre_section]
