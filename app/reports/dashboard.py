"""The dashboard: one protected table (and chart) per section, built from the cubes."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import Integer, Select, String, bindparam, func, select, true

import assessments
from app import audit, replica
from app.booking import catalogue
from app.booking.catalogue import CentreEntry
from app.extensions import commit_keeping_loaded, db
from app.reports import disclosure, stats
from app.reports.cubes import (
    RISK_COLUMNS,
    SERVICE_COLUMNS,
    _in_place,
    activity_cube,
    activity_present,
    screening_counts,
    screening_present,
)
from app.reports.disclosure import ProtectedTable
from app.reports.filters import Filters, _centres, _month_list, k_threshold, place_centres
from app.reports.models import NO_CENTRE, ActivityRollup, PublishedCell, PublishedMonth

if TYPE_CHECKING:  # reports read no encrypted model; the actor is only passed on
    from app.accounts.models import User


@dataclass
class Section:
    """One table (and chart) of the dashboard, ready to render or export."""

    key: str
    title: str
    row_header: str
    rows: list[str]
    cols: list[str]
    table: ProtectedTable
    row_totals: bool = True
    derived: list[tuple[str, list[float | None]]] = field(default_factory=list)
    derived_total: list[float | None] = field(default_factory=list)
    chart: Any = None
    note: str = ""


@dataclass
class Report:
    """The dashboard for one set of filters."""

    filters: Filters
    k: int
    severity: list[Section]
    volume: Section
    services: Section
    centres: Section
    risk: Section
    # The risk follow-up tables (app/reports/risk.py): the same roll-up and period, so the
    # same fingerprint; filled by ``cached_build``.
    followup: list[Section] = field(default_factory=list)
    # The report's part of the page per language, rendered once (app/reports/views.py).
    html: dict[str, str] = field(default_factory=dict)
    # What it is kept under (filters, language, k, fingerprint), set when it is kept: pages
    # showing it are kept under it too (views._page). None: not kept, so neither are they.
    key: tuple | None = None

    @property
    def sections(self) -> list[Section]:
        """Every section, in page order."""
        return [*self.severity, self.volume, self.services, self.centres, self.risk]


def _band_codes(instrument: assessments.Instrument) -> list[str]:
    codes = [b.code for b in instrument.bands]
    for sub in instrument.subscales:
        codes += [b.code for b in sub.bands if b.code not in codes]
    return codes


def _band_label(instrument: assessments.Instrument, code: str, lang: str) -> str:
    try:
        return instrument.band(code).label.get(lang)
    except Exception:  # a band retired from the questionnaire file
        return code


def _service_label(code: str, names: dict[str, str]) -> str:
    if code == disclosure.ANY_SERVICE:
        return _("Several services (pooled)")
    return names.get(code, code)


def _centre_label(centre_id: int, names: dict[int, str]) -> str:
    if centre_id == NO_CENTRE:
        return _("Other or not known (pooled)")
    return names.get(centre_id, "?")


def build_report(actor: User, filters: Filters, lang: str) -> Report:
    """The whole dashboard, read on the replica when there is one; the view is recorded in
    the audit log (cached or not)."""
    report = replica.read(cached_build, filters, lang)
    audit.record(actor, "reports.viewed", None, filters.as_dict())
    # The view wrote only its audit event: what the request loaded (the reader, their roles)
    # is unchanged, so it is not expired and read again for the page's menu.
    commit_keeping_loaded()
    return report


# Built reports of this process, newest last: (filters, language, k, inputs) -> Report.
_reports: OrderedDict[tuple, Report] = OrderedDict()
_reports_lock = threading.Lock()
REPORT_CACHE_SIZE = 64


def _inputs(months: list[str], k: int) -> tuple:
    """A fingerprint of everything a report reads, in one statement of a few index scans.

    Reports cover finished months only. Their screening cells are pooled once and kept
    (``report_published``, marked in ``report_published_months``); their activity cells can
    still grow (an attendance or a risk contact recorded late). Every write only adds to a
    count ``n``, so (rows, sum of n) of both tables over the period changes with any new
    statistic, and a rebuild (``flask reports rebuild``) removes the kept months first. The
    catalogue's version covers centre and service names.
    """
    # A period's months are consecutive "YYYY-MM" strings (filters._month_list), so BETWEEN
    # its first and last selects the same rows as IN, with three parameters for any period.
    first, last = (months[0].split("-"), months[-1].split("-"))
    if list(months) != list(_month_list((int(first[0]), int(first[1])),
                                        (int(last[0]), int(last[1])))):
        raise ValueError(f"not a run of consecutive months: {months}")
    row = tuple(db.session.execute(_inputs_statement(),
                                   {"k": k, "first": months[0], "last": months[-1]}).one())
    memo = _read_inputs()
    with _reports_lock:
        memo[(months[0], months[-1], k)] = (time.monotonic(), row)
        while len(memo) > REPORT_CACHE_SIZE:
            memo.pop(next(iter(memo)))
    return (*row, catalogue.current().key)


def _read_inputs() -> dict[tuple[str, str, int], tuple[float, tuple]]:
    """This app's last fingerprint read per (first month, last month, k), and when."""
    memo: dict = current_app.extensions.setdefault("xinqing.report_inputs", {})
    return memo


@lru_cache(maxsize=1)
def _inputs_statement() -> Select:
    """``_inputs``'s statement, built once: building and compiling it per view cost more
    CPU than the database's work (SQLAlchemy and psycopg then reuse its compiled form).

    Each table is read once, its count and sum together (a scalar sub-select per figure read
    the two large tables twice each: most of the statement's time in PostgreSQL).
    """
    p, a, m = PublishedCell, ActivityRollup, PublishedMonth
    k = bindparam("k", type_=Integer)
    first, last = bindparam("first", type_=String), bindparam("last", type_=String)

    def totals(*columns: Any, where: Any) -> Any:
        return select(*columns).where(*where).subquery()

    months = totals(func.count().label("rows"), where=(m.k == k, m.month.between(first, last)))
    cells = totals(func.count().label("rows"), func.coalesce(func.sum(p.n), 0).label("n"),
                   where=(p.k == k, p.month.between(first, last)))
    acts = totals(func.count().label("rows"), func.coalesce(func.sum(a.n), 0).label("n"),
                  where=(a.month.between(first, last),))
    return (select(months.c.rows, cells.c.rows, cells.c.n, acts.c.rows, acts.c.n)
            .select_from(months.join(cells, true()).join(acts, true())))


def cached_build(filters: Filters, lang: str) -> Report:
    """``_build`` and the risk follow-up tables, reused while the statistics they read are
    unchanged (see ``_inputs``).

    A report is kept under the fingerprint read after building it (building publishes the
    period's screening cells), unless the activity roll-up or the catalogue changed while it
    was built: then it may hold the older numbers, and the next view builds it again.
    """
    from app.reports import risk

    months, k = list(filters.period.months), k_threshold()
    head = (tuple(sorted(filters.as_dict().items())), lang, k)
    recent = _recent_inputs(months, k)
    if recent is not None:
        found = _reports.get((*head, recent))
        if found is not None:
            return found
    before = _inputs(months, k)
    found = _reports.get((*head, before))
    if found is not None:
        return found
    report = _build(filters, lang)
    report.followup = risk.sections_for(filters, lang)
    after = _inputs(months, k)
    if after[3:] == before[3:]:
        report.key = (*head, after)
        with _reports_lock:
            _reports[report.key] = report
            while len(_reports) > REPORT_CACHE_SIZE:
                _reports.popitem(last=False)
    return report


def _recent_inputs(months: list[str], k: int) -> tuple | None:
    """The fingerprint this process read for the period within ``REPORT_FRESH_SECONDS``, or
    None (the setting is 0, or nothing that recent).

    Why: reading the fingerprint was most of the database's work for a repeat view (it
    sums the period's roll-up cells, 1.4 ms for a year of 10k statistics rows at load 5,
    bench/README.md step 14d) and under load most views of a period come within a second of
    each other. Reports show finished months, where only a late record adds a count, so a
    view may lag such a record by these few seconds; a report built meanwhile is still kept
    only under a fingerprint read after building it (``cached_build``).
    """
    fresh = float(current_app.config.get("REPORT_FRESH_SECONDS", 0))
    if fresh <= 0:
        return None
    found = _read_inputs().get((months[0], months[-1], k))
    if found is None or time.monotonic() - found[0] > fresh:
        return None
    return (*found[1], catalogue.current().key)


def _build(filters: Filters, lang: str) -> Report:
    from app.reports import chart

    k = k_threshold()
    months = list(filters.period.months)
    centres = place_centres(filters.place)
    ids = None if centres is None else {c.id for c in centres}
    names = {c.id: c.localised("name", lang) for c in _centres()}
    chosen = ([assessments.get(filters.instrument)] if filters.instrument
              else list(assessments.instruments()))
    codes = [i.code for i in chosen]
    by_band = screening_counts(codes, months, k, "band", ids, filters.sector, filters.age_band)
    by_repeat = screening_counts(codes, months, k, "repeat", ids, filters.sector,
                                 filters.age_band, group=("month", "cls"))
    true_band = screening_present(codes, months, "band", ids, filters.sector, filters.age_band)
    true_repeat = screening_present(codes, months, "repeat", ids, filters.sector,
                                    filters.age_band, group=("month", "cls"))

    severity = []
    for instrument in chosen:
        bands = _band_codes(instrument)
        grid: dict[tuple[str, str], int] = defaultdict(int)
        truth: dict[tuple[str, str], int] = defaultdict(int)
        for source, target in ((by_band, grid), (true_band, truth)):
            for (code, month, band), n in source.items():
                if code == instrument.code:
                    target[(month, band)] += n
                    if band not in bands:
                        bands.append(band)
        table = disclosure.protect_table([[grid[(m, b)] for b in bands] for m in months], k,
                                         [[truth[(m, b)] for b in bands] for m in months])
        labels = [_band_label(instrument, b, lang) for b in bands]
        section = Section(f"severity-{instrument.code}", instrument.name.get(lang), _("Month"),
                          months, labels, table)
        section.chart = chart.stacked_columns(months, labels, table)
        severity.append(section)

    volume_table = disclosure.protect_table(
        [[by_repeat.get((m, "0"), 0), by_repeat.get((m, "1"), 0)] for m in months], k,
        [[true_repeat.get((m, "0"), 0), true_repeat.get((m, "1"), 0)] for m in months])
    volume = Section("volume", _("Screening volume and repeat screening"), _("Month"), months,
                     [_("First result"), _("Repeat result")], volume_table)
    volume.chart = chart.stacked_columns(months, volume.cols, volume_table)

    acts, histograms = activity_cube(months, SERVICE_COLUMNS + RISK_COLUMNS, k)
    truth = activity_present(months, SERVICE_COLUMNS + RISK_COLUMNS)
    services_section = _service_section(acts, truth, histograms, ids, lang, k)
    centres_section = _centre_section(acts, truth, histograms, ids, names, centres, k)
    risk = _risk_section(acts, truth, histograms, ids, names, centres, k)
    return Report(filters, k, severity, volume, services_section, centres_section, risk)


def _event_labels(events: Iterable[str]) -> list[str]:
    labels = {
        stats.BOOKED: _("Bookings"), stats.ATTENDED: _("Attended"),
        stats.CANCELLED: _("Cancelled"), stats.LATE_CANCELLED: _("Late cancellations"),
        stats.NO_SHOW: _("No-shows"), stats.WAITLIST: _("Joined a waiting list"),
        stats.FLAG: _("Self-harm answers"), stats.CONTACT: _("Contact requests"),
        stats.RESOLVED: _("Requests resolved"),
    }
    return [labels[e] for e in events]


def _median_column(row_keys: list[Any], totals: list[int | None], matches: Any,
                   histograms: dict[tuple, dict[int, int]], event: str, k: int,
                   total_published: int | None) -> tuple[list[float | None], float | None]:
    """Medians per row and overall from the raw histograms, shown only on a base of k."""
    per_row: dict[Any, dict[int, int]] = {key: defaultdict(int) for key in row_keys}
    overall: dict[int, int] = defaultdict(int)
    for key, values in histograms.items():
        if key[1] != event:
            continue
        for row_key in row_keys:
            if matches(key, row_key):
                for value, n in values.items():
                    per_row[row_key][value] += n
                    overall[value] += n
                break
    return ([disclosure.median(per_row[key], base, k)
             for key, base in zip(row_keys, totals, strict=True)],
            disclosure.median(overall, total_published, k))


def _grid(cells: dict[tuple, int], columns: tuple[str, ...], row_of: Any,
          ids: set[int] | None = None) -> dict[tuple[Any, str], int]:
    """Sum (service, event, centre) cells into (row, event) for the chosen place."""
    grid: dict[tuple[Any, str], int] = defaultdict(int)
    for (service, event, centre), n in cells.items():
        if event in columns and _in_place(centre, ids):
            grid[(row_of(service, centre), event)] += n
    return grid


def _service_section(acts: dict[tuple, int], truth: dict[tuple, int],
                     histograms: dict[tuple, dict[int, int]],
                     ids: set[int] | None, lang: str, k: int) -> Section:
    services = list(catalogue.current().services)
    codes = [s.code for s in services]
    grid = _grid(acts, SERVICE_COLUMNS, lambda service, _c: service, ids)
    true_grid = _grid(truth, SERVICE_COLUMNS, lambda service, _c: service, ids)
    codes += sorted({c for c, _e in grid if c not in codes})
    names = {s.code: s.localised("name", lang) for s in services}
    table = disclosure.protect_table([[grid[(c, e)] for e in SERVICE_COLUMNS] for c in codes], k,
                                     [[true_grid[(c, e)] for e in SERVICE_COLUMNS]
                                      for c in codes], width=len(SERVICE_COLUMNS))
    booked = [row[0] for row in table.cells]
    medians, overall = _median_column(
        codes, booked, lambda key, code: key[0] == code and _in_place(key[2], ids),
        histograms, stats.BOOKED, k,
        table.col_totals[0])
    from app.reports import chart

    section = Section("services", _("Service use by service"), _("Service"),
                      [_service_label(c, names) for c in codes], _event_labels(SERVICE_COLUMNS),
                      table,
                      row_totals=False,
                      derived=[(_("Median days from request to session"), medians)],
                      derived_total=[overall])
    section.chart = chart.grouped_bars(section.rows, section.cols[:2], table)
    return section


def _place_rows(acts: dict[tuple, int], ids: set[int] | None,
                centres: list[CentreEntry] | None) -> list[int]:
    if centres is not None:
        return [c.id for c in centres]
    present = {key[2] for key in acts}
    known = [c.id for c in _centres()]
    return list(known) + ([NO_CENTRE] if NO_CENTRE in present else [])


def _centre_section(acts: dict[tuple, int], truth: dict[tuple, int],
                    histograms: dict[tuple, dict[int, int]],
                    ids: set[int] | None, names: dict[int, str],
                    centres: list[CentreEntry] | None, k: int) -> Section:
    rows = _place_rows(acts, ids, centres)
    grid = _grid(acts, SERVICE_COLUMNS, lambda _s, centre: centre)
    true_grid = _grid(truth, SERVICE_COLUMNS, lambda _s, centre: centre)
    table = disclosure.protect_table([[grid[(c, e)] for e in SERVICE_COLUMNS] for c in rows], k,
                                     [[true_grid[(c, e)] for e in SERVICE_COLUMNS]
                                      for c in rows], width=len(SERVICE_COLUMNS))
    medians, overall = _median_column(
        rows, [row[0] for row in table.cells], lambda key, c: key[2] == c and c != NO_CENTRE,
        histograms, stats.BOOKED, k,
        table.col_totals[0])
    return Section("centres", _("Service use by centre"), _("Centre"),
                   [_centre_label(c, names) for c in rows], _event_labels(SERVICE_COLUMNS),
                   table, row_totals=False,
                   derived=[(_("Median days from request to session"), medians)],
                   derived_total=[overall])


def _risk_section(acts: dict[tuple, int], truth: dict[tuple, int],
                  histograms: dict[tuple, dict[int, int]],
                  ids: set[int] | None, names: dict[int, str], centres: list[CentreEntry] | None,
                  k: int) -> Section:
    rows = _place_rows(acts, ids, centres)
    grid = _grid(acts, RISK_COLUMNS, lambda _s, centre: centre)
    true_grid = _grid(truth, RISK_COLUMNS, lambda _s, centre: centre)
    table = disclosure.protect_table([[grid[(c, e)] for e in RISK_COLUMNS] for c in rows], k,
                                     [[true_grid[(c, e)] for e in RISK_COLUMNS] for c in rows],
                                     width=len(RISK_COLUMNS))
    medians, overall = _median_column(
        rows, [row[2] for row in table.cells], lambda key, c: key[2] == c and c != NO_CENTRE,
        histograms, stats.RESOLVED, k, table.col_totals[2])
    return Section("risk", _("Self-harm answers and requests for contact"), _("Centre"),
                   [_centre_label(c, names) for c in rows], _event_labels(RISK_COLUMNS), table,
                   row_totals=False,
                   derived=[(_("Median hours to resolve"), medians)], derived_total=[overall])
