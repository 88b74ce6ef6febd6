"""Outcomes of counselling and access to it, per centre and for the network, by quarter.

Reads only ``course_outcome_stats`` (one de-identified row per closed course: quarter,
centre, yes/no outcomes, waits in days). Disclosure control is app/reports/disclosure.py,
unchanged: centres with fewer than k measured courses are pooled into "other centres"
(``pool_small_cells``), what stays under k is left out, and each indicator is published as
a yes/no table with its margins through ``protect_table`` (primary and complementary
suppression, so "not recovered" cannot be recomputed as a small number either).
Percentages and medians need a base of at least k (``percent``, ``median``).

Access per mode reads ``activity_stats`` (one de-identified row per booking event, with its
session's mode): for bookings that ended in the quarter, the no-show rate is of sessions
that were due (attended or missed) and the cancellation rate of all that ended (attended,
missed or cancelled by the worker); each a protected yes/no table by mode.

Definitions (NHS Talking Therapies for Anxiety and Depression Manual, v7.1, 2024), for
courses with at least two sessions measured with both PHQ-9 and GAD-7: recovery (at
caseness at the first, below it on both at the last; of those at caseness), reliable
improvement, reliable recovery and reliable deterioration (see app/counselling/courses.py).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from app import audit
from app.extensions import db
from app.reports import disclosure
from app.reports import stats as events
from app.reports.models import NO_CENTRE, ActivityStat, CourseOutcomeStat, ExperienceStat
from app.security.scope import Scope

# (indicator, its base): recovery rates are of the courses at caseness at the start.
INDICATORS = (("recovered", "caseness"), ("improved", "measured"),
              ("reliably_recovered", "caseness"), ("deteriorated", "measured"))
WITHIN_DAYS = 42  # six weeks
MANUAL = ("NHS England. The NHS Talking Therapies for Anxiety and Depression Manual, "
          "version 7.1, 2024")
NETWORK = -1      # the row of the whole network (the column totals)
MODES = ("in_person", "phone", "video")


@dataclass
class Figure:
    """One published number with its percentage of its base (None: suppressed)."""

    count: int | None
    base: int | None
    percent: float | None


@dataclass
class Row:
    """One centre, the pooled other centres (``NO_CENTRE``) or the network (``NETWORK``)."""

    centre_id: int
    measured: int | None = None
    figures: dict[str, Figure] = field(default_factory=dict)
    courses: int | None = None
    within: Figure | None = None
    median_first: float | None = None
    median_second: float | None = None


@dataclass
class ModeRow:
    """No-show and cancellation rates of one mode, or of all (``mode == "network"``)."""

    mode: str
    no_show: Figure
    cancelled: Figure


@dataclass
class OutcomeView:
    """What the page shows for one quarter."""

    quarter: str
    k: int
    outcome_rows: list[Row]
    access_rows: list[Row]
    experience: dict[str, Figure] = field(default_factory=dict)  # network only
    mode_rows: list[ModeRow] = field(default_factory=list)

    @property
    def shown(self) -> bool:
        """False when too little data (the same notice whether 0 or a few)."""
        return bool(self.outcome_rows or self.access_rows or self.mode_rows)

    def published(self) -> list[int]:
        """Every count this view prints (for the property test)."""
        out: list[int] = []
        for mode_row in self.mode_rows:
            for fig in (mode_row.no_show, mode_row.cancelled):
                out += [v for v in (fig.count, fig.base) if v is not None]
        for fig in self.experience.values():
            out += [v for v in (fig.count, fig.base) if v is not None]
        for row in self.outcome_rows + self.access_rows:
            for value in (row.measured, row.courses):
                if value is not None:
                    out.append(value)
            figures = list(row.figures.values()) + ([row.within] if row.within else [])
            for fig in figures:
                out += [v for v in (fig.count, fig.base) if v is not None]
        return out


def quarter_end(quarter: str) -> date:
    """The last day of ``YYYY-Qn``."""
    year, q = int(quarter[:4]), int(quarter[-1])
    if q == 4:
        return date(year, 12, 31)
    return date(year, 3 * q + 1, 1) - timedelta(days=1)


def finished_quarters(today: date) -> list[str]:
    """Quarters with data that are over (a day's grace), newest first: a finished quarter
    never changes, so two readings cannot be subtracted (disclosure rule 6)."""
    found = db.session.scalars(select(CourseOutcomeStat.quarter).distinct()).all()
    return sorted((q for q in found if quarter_end(q) < today - timedelta(days=1)),
                  reverse=True)


def _groups(counts: dict[int, int], k: int) -> dict[int, int]:
    """Which group each centre is published in: itself, the pooled others, or left out."""
    pooled = disclosure.pool_small_cells({(c,): n for c, n in counts.items()},
                                         [{0: NO_CENTRE}], k)
    kept = {key[0] for key in pooled}
    return {c: (c if c in kept and c != NO_CENTRE else NO_CENTRE) for c in counts
            if (c in kept and c != NO_CENTRE) or NO_CENTRE in kept}


def _yes_no(rows: list[dict[str, Any]], order: list[Any], yes: str, base: str,
            k: int) -> tuple[list[Figure], Figure]:
    """One indicator as a protected [yes, no] table: the group figures and the network."""
    matrix = []
    for group in order:
        cells = [r for r in rows if r["group"] == group]
        n_yes = sum(r[yes] for r in cells)
        n_base = sum(r[base] for r in cells)
        matrix.append([n_yes, n_base - n_yes])
    table = disclosure.protect_table(matrix, k, width=2)
    figures = [Figure(table.cells[i][0], table.row_totals[i],
                      disclosure.percent(table.cells[i][0], table.row_totals[i], k))
               for i in range(len(order))]
    network = Figure(table.col_totals[0] if table.col_totals else None, table.total,
                     disclosure.percent(table.col_totals[0] if table.col_totals else None,
                                        table.total, k))
    return figures, network


def build(reader: object, scope: Scope, quarter: str, k: int) -> OutcomeView:
    """The outcome and access tables of one finished quarter for the reader's centres."""
    stats = [s for s in db.session.scalars(select(CourseOutcomeStat).where(
        CourseOutcomeStat.quarter == quarter)) if scope.everywhere or scope.covers(s.centre_id)]
    view = OutcomeView(quarter, k, _outcomes(stats, k), _access(stats, k),
                       _experience(scope, quarter, k), _by_mode(scope, quarter, k))
    audit.record(reader, "reports.outcomes_viewed", None, {"quarter": quarter})
    db.session.commit()
    return view


def _outcomes(stats: list[CourseOutcomeStat], k: int) -> list[Row]:
    measured = [s for s in stats if s.measured]
    counts: dict[int, int] = defaultdict(int)
    for s in measured:
        counts[s.centre_id] += 1
    groups = _groups(counts, k)
    order = sorted(set(groups.values()), key=lambda c: (c == NO_CENTRE, c))
    if not order:
        return []
    rows = [{"group": groups[s.centre_id], "measured": 1, "caseness": s.caseness,
             "recovered": s.recovered, "improved": s.improved,
             "reliably_recovered": s.reliably_recovered, "deteriorated": s.deteriorated}
            for s in measured if s.centre_id in groups]
    out = [Row(group) for group in order]
    network = Row(NETWORK)
    for yes, base in INDICATORS:
        figures, total = _yes_no(rows, order, yes, base, k)
        for row, fig in zip(out, figures, strict=True):
            row.figures[yes] = fig
        network.figures[yes] = total
    base_table = disclosure.protect_table(
        [[sum(1 for r in rows if r["group"] == g)] for g in order], k, width=1)
    for i, row in enumerate(out):
        row.measured = base_table.cells[i][0]
    network.measured = base_table.total
    return [*out, network]


def _access(stats: list[CourseOutcomeStat], k: int) -> list[Row]:
    seen = [s for s in stats if s.days_to_first is not None]
    counts: dict[int, int] = defaultdict(int)
    for s in seen:
        counts[s.centre_id] += 1
    groups = _groups(counts, k)
    order = sorted(set(groups.values()), key=lambda c: (c == NO_CENTRE, c))
    if not order:
        return []
    rows = [{"group": groups[s.centre_id], "all": 1,
             "within": int((s.days_to_first or 0) <= WITHIN_DAYS),
             "first": s.days_to_first or 0, "second": s.days_to_second}
            for s in seen if s.centre_id in groups]
    figures, network_within = _yes_no(rows, order, "within", "all", k)
    out = []
    for group, fig in zip(order, figures, strict=True):
        mine = [r for r in rows if r["group"] == group]
        out.append(_access_row(group, mine, fig, k))
    network = _access_row(NETWORK, rows, network_within, k)
    return [*out, network]


def _access_row(group: int, rows: list[dict[str, Any]], within: Figure, k: int) -> Row:
    first: dict[int, int] = defaultdict(int)
    second: dict[int, int] = defaultdict(int)
    for r in rows:
        first[r["first"]] += 1
        if r["second"] is not None:
            second[r["second"]] += 1
    n_second = sum(second.values())
    return Row(group, courses=within.base, within=within,
               median_first=disclosure.median(first, within.base, k),
               median_second=disclosure.median(second, n_second if n_second >= k else None, k))


def _experience(scope: Scope, quarter: str, k: int) -> dict[str, Figure]:
    """The discharge questions for the reader's whole scope: helped a great deal or quite a
    lot, and would recommend; each a protected yes/no table (no centre breakdown)."""
    rows = [{"group": 0, "all": 1, "helped": int(e.helped >= 4),
             "recommend": int(e.recommend == "yes")}
            for e in db.session.scalars(select(ExperienceStat).where(
                ExperienceStat.quarter == quarter))
            if scope.everywhere or scope.covers(e.centre_id)]
    if len(rows) < k:
        return {}
    return {name: _yes_no(rows, [0], name, "all", k)[1] for name in ("helped", "recommend")}


def quarter_months(quarter: str) -> list[str]:
    """The three statistics months (``YYYY-MM``) of ``YYYY-Qn``."""
    year, q = quarter[:4], int(quarter[-1])
    return [f"{year}-{3 * (q - 1) + n:02d}" for n in (1, 2, 3)]


def _by_mode(scope: Scope, quarter: str, k: int) -> list[ModeRow]:
    """No-show and cancellation rates per mode for the reader's whole scope (no centre
    breakdown), each a protected yes/no table whose column totals are the network row."""
    ended = (events.ATTENDED, events.NO_SHOW, events.CANCELLED, events.LATE_CANCELLED)
    a = ActivityStat
    counts: dict[str, dict[str, int]] = {mode: defaultdict(int) for mode in MODES}
    for mode, event, centre, n in db.session.execute(
            select(a.mode, a.event, a.centre_id, func.count())
            .where(a.month.in_(quarter_months(quarter)), a.event.in_(ended),
                   a.mode.in_(MODES))
            .group_by(a.mode, a.event, a.centre_id)):
        if scope.everywhere or scope.covers(centre):
            counts[mode][event] += int(n)
    order = [mode for mode in MODES if sum(counts[mode].values())]
    if not order:
        return []
    rows = [{"group": mode, "no_show": c[events.NO_SHOW],
             "due": c[events.NO_SHOW] + c[events.ATTENDED],
             "cancelled": c[events.CANCELLED] + c[events.LATE_CANCELLED],
             "ended": sum(c.values())} for mode, c in counts.items() if mode in order]
    no_show, no_show_all = _yes_no(rows, order, "no_show", "due", k)
    cancelled, cancelled_all = _yes_no(rows, order, "cancelled", "ended", k)
    return [*(ModeRow(mode, n, c) for mode, n, c in zip(order, no_show, cancelled,
                                                         strict=True)),
            ModeRow("network", no_show_all, cancelled_all)]
