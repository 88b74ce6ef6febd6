"""Building reports from the de-identified roll-ups; every number goes through disclosure.

Nothing here reads a result, booking, note or person: only ``report_screening`` and
``report_activity`` (and centre names). Services take the acting user and never touch the
request; the views pass the query string in as a plain mapping.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import String, cast, func, literal, select

import assessments
from app import audit
from app.booking.models import Centre, CentreKind, Service
from app.domain import DomainError
from app.extensions import db
from app.reports import disclosure, stats
from app.reports.disclosure import UNKNOWN, ProtectedTable
from app.reports.models import (
    NO_CENTRE,
    ActivityRollup,
    PublishedCell,
    PublishedMonth,
    ScreeningRollup,
)
from app.screening.profile import AGE_BAND_CODES, AGE_BANDS, SECTOR_CODES, SECTORS
from app.types import utcnow

if TYPE_CHECKING:  # reports read no encrypted model; the actor is only passed on
    from app.accounts.models import User

MAX_MONTHS = 60
SERVICE_COLUMNS = (stats.BOOKED, stats.ATTENDED, stats.CANCELLED, stats.LATE_CANCELLED,
                   stats.NO_SHOW, stats.WAITLIST)
RISK_COLUMNS = (stats.FLAG, stats.CONTACT, stats.RESOLVED)
EXPORT_DIMS = ("centre", "band", "month", "sector", "age_band", "service")


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


def parse_filters(args: Mapping[str, str], today: date | None = None) -> Filters:
    """Validate the query string; ReportError names the first bad filter."""
    period = parse_period(args.get("period") or default_period(today))
    if len(period.months) > 12:
        raise ReportError(_l("Choose a month, quarter or year from the list."))
    place = args.get("place") or "network"
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


def _centres() -> list[Centre]:
    return list(db.session.scalars(select(Centre).order_by(Centre.parent_id.is_not(None),
                                                           Centre.id)))


def place_centres(place: str) -> list[Centre] | None:
    """The centres a place covers; None for the whole network (including "not known")."""
    if place == "network":
        return None
    centres = _centres()
    if place == "hub":
        return [c for c in centres if c.kind == CentreKind.HUB.value]
    return [c for c in centres if c.code == place]


def choices(lang: str, today: date | None = None) -> dict[str, list[tuple[str, str]]]:
    """Options for the filter form: periods, places, questionnaires, sectors, age bands."""
    today = today or utcnow().date()
    opened = first_open_month()
    months = [m for m in _month_list(((today.year - 2), today.month),
                                     (today.year, today.month))[::-1] if m < opened]
    quarters = [f"{y}-Q{q}" for y in range(today.year, today.year - 3, -1)
                for q in range(4, 0, -1) if (y, 3 * q - 2) <= (today.year, today.month)]
    years = [str(y) for y in range(today.year, today.year - 3, -1)]
    places = [("network", _("The whole network")), ("hub", _("The city hub"))]
    places += [(c.code, c.localised("name", lang)) for c in _centres()
               if c.kind == CentreKind.COUNTY.value]
    return {
        "years": [(y, y) for y in years],
        "quarters": [(q, q) for q in quarters],
        "months": [(m, m) for m in months],
        "places": places,
        "instruments": [("", _("All questionnaires"))] + [
            (i.code, i.name.get(lang)) for i in assessments.instruments()],
        "sectors": [("", _("All sectors"))] + [(c, str(label)) for c, label in SECTORS],
        "age_bands": [("", _("All ages"))] + [(c, str(label)) for c, label in AGE_BANDS],
    }


# -- pooled cubes ----------------------------------------------------------------------------
SCREENING_KEYS = ("instrument", "month", "cls", "centre_id", "age_band", "sector")
# Stage 1 drops age band and sector of a small cell, stage 2 its centre (see disclosure).
SCREENING_STAGES = ({"age_band": UNKNOWN, "sector": UNKNOWN}, {"centre_id": NO_CENTRE})


def pooled_screening(instruments: Iterable[str], months: Iterable[str], k: int,
                     by: str = "band") -> Any:
    """The pooled screening cube (a subquery) by band or by first/repeat (``cls``)."""
    r = ScreeningRollup
    cls = r.band if by == "band" else cast(r.repeat, String(30))
    fine = (select(r.instrument, r.month, cls.label("cls"), r.centre_id, r.age_band,
                   r.sector, func.sum(r.n).label("n"))
            .where(r.instrument.in_(list(instruments)), r.month.in_(list(months)))
            .group_by(r.instrument, r.month, cls, r.centre_id, r.age_band, r.sector))
    return disclosure.pooled_cells_sql(fine, SCREENING_KEYS, SCREENING_STAGES, k)


def first_open_month(now: datetime | None = None) -> str:
    """Months before this one are finished: no result can still arrive in them.

    (A day's grace covers a result saved just before midnight and committed after it.)
    """
    return stats.month_of((now or utcnow()) - timedelta(days=1))


def ensure_published(months: list[str], k: int, by: str) -> None:
    """Pool each finished month once and keep its cube (concurrent callers are safe)."""
    if not months:
        return
    have = set(db.session.scalars(select(PublishedMonth.month).where(
        PublishedMonth.k == k, PublishedMonth.kind == by, PublishedMonth.month.in_(months))))
    missing = [m for m in months if m not in have]
    if not missing:
        return
    insert: Any  # the dialect's own INSERT, which has ON CONFLICT
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    claimed = list(db.session.scalars(
        insert(PublishedMonth).values([dict(k=k, kind=by, month=m) for m in missing])
        .on_conflict_do_nothing().returning(PublishedMonth.month)))
    if claimed:
        pooled = pooled_screening([i.code for i in assessments.instruments()], claimed, k, by)
        db.session.execute(insert(PublishedCell).from_select(
            ["k", "kind", *SCREENING_KEYS, "n"],
            select(literal(k), literal(by), *[pooled.c[c] for c in SCREENING_KEYS],
                   pooled.c.n)))
    db.session.commit()


def published_screening(instruments: Iterable[str], months: Iterable[str], k: int,
                        by: str) -> Any:
    """Kept pooled cells of these finished months (pooled on first use)."""
    instruments, months = list(instruments), list(months)
    opened = first_open_month()
    if any(m >= opened for m in months):  # parse_period never lets this through
        raise ReportError(_l("Reports cover finished months only: choose an earlier period."))
    ensure_published(months, k, by)
    p = PublishedCell
    return select(*[p.__table__.c[c] for c in SCREENING_KEYS], p.n).where(
        p.k == k, p.kind == by, p.instrument.in_(instruments), p.month.in_(months)).subquery()


def screening_counts(instruments: Iterable[str], months: Iterable[str], k: int, by: str,
                     ids: set[int] | None, sector: str = "", age_band: str = "",
                     group: Iterable[str] = ("instrument", "month", "cls")) -> dict[tuple, int]:
    """Published counts from the pooled cube, filtered by place, sector and age band."""
    pooled = published_screening(instruments, months, k, by)
    columns = [pooled.c[name] for name in group]
    query = select(*columns, func.sum(pooled.c.n)).group_by(*columns)
    if ids is not None:
        query = query.where(pooled.c.centre_id.in_(sorted(ids)))
    if sector:
        query = query.where(pooled.c.sector == sector)
    if age_band:
        query = query.where(pooled.c.age_band == age_band)
    return {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(query)}


ACTIVITY_KEYS = ("month", "service", "event", "centre_id")
ACTIVITY_STAGES = ({"centre_id": NO_CENTRE},)


def activity_cube(months: Iterable[str], events: Iterable[str], k: int,
                  group: tuple[str, ...] = ("service", "event", "centre_id"),
                  ) -> tuple[dict[tuple, int], dict[tuple, dict[int, int]]]:
    """Pooled activity counts summed over the period by ``group`` (pooling is per month,
    in the database), and the value histograms (service, event, centre) -> {value: n}
    behind the medians."""
    a = ActivityRollup
    months, events = list(months), list(events)
    fine = (select(a.month, a.service, a.event, a.centre_id, func.sum(a.n).label("n"))
            .where(a.month.in_(months), a.event.in_(events))
            .group_by(a.month, a.service, a.event, a.centre_id))
    pooled = disclosure.pooled_cells_sql(fine, ACTIVITY_KEYS, ACTIVITY_STAGES, k)
    columns = [pooled.c[name] for name in group]
    counts = {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(
        select(*columns, func.sum(pooled.c.n)).group_by(*columns))}
    histograms: dict[tuple, dict[int, int]] = defaultdict(dict)
    for service, event, centre, value, n in db.session.execute(
            select(a.service, a.event, a.centre_id, a.value, func.sum(a.n))
            .where(a.month.in_(months), a.event.in_([stats.BOOKED, stats.RESOLVED]))
            .group_by(a.service, a.event, a.centre_id, a.value)):
        histograms[(service, event, centre)][value] = int(n)
    return counts, histograms


def _in_place(centre_id: int, ids: set[int] | None) -> bool:
    return ids is None or centre_id in ids


# -- sections --------------------------------------------------------------------------------
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


def _centre_label(centre_id: int, names: dict[int, str]) -> str:
    if centre_id == NO_CENTRE:
        return _("Other or not known (pooled)")
    return names.get(centre_id, "?")


def build_report(actor: User, filters: Filters, lang: str) -> Report:
    """The whole dashboard; the view is recorded in the audit log."""
    report = _build(filters, lang)
    audit.record(actor, "reports.viewed", None, filters.as_dict())
    db.session.commit()
    return report


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

    severity = []
    for instrument in chosen:
        bands = _band_codes(instrument)
        grid: dict[tuple[str, str], int] = defaultdict(int)
        for (code, month, band), n in by_band.items():
            if code == instrument.code:
                grid[(month, band)] += n
                if band not in bands:
                    bands.append(band)
        table = disclosure.protect_table([[grid[(m, b)] for b in bands] for m in months], k)
        labels = [_band_label(instrument, b, lang) for b in bands]
        section = Section(f"severity-{instrument.code}", instrument.name.get(lang), _("Month"),
                          months, labels, table)
        section.chart = chart.stacked_columns(months, labels, table)
        severity.append(section)

    volume_table = disclosure.protect_table(
        [[by_repeat.get((m, "0"), 0), by_repeat.get((m, "1"), 0)] for m in months], k)
    volume = Section("volume", _("Screening volume and repeat screening"), _("Month"), months,
                     [_("First result"), _("Repeat result")], volume_table)
    volume.chart = chart.stacked_columns(months, volume.cols, volume_table)

    acts, histograms = activity_cube(months, SERVICE_COLUMNS + RISK_COLUMNS, k)
    services_section = _service_section(acts, histograms, ids, lang, k)
    centres_section = _centre_section(acts, histograms, ids, names, centres, k)
    risk = _risk_section(acts, histograms, ids, names, centres, k)
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


def _service_section(acts: dict[tuple, int], histograms: dict[tuple, dict[int, int]],
                     ids: set[int] | None, lang: str, k: int) -> Section:
    services = list(db.session.scalars(select(Service).order_by(Service.id)))
    codes = [s.code for s in services]
    grid: dict[tuple[str, str], int] = defaultdict(int)
    for (service, event, centre), n in acts.items():
        if event in SERVICE_COLUMNS and _in_place(centre, ids):
            grid[(service, event)] += n
            if service not in codes:
                codes.append(service)
    names = {s.code: s.localised("name", lang) for s in services}
    table = disclosure.protect_table([[grid[(c, e)] for e in SERVICE_COLUMNS] for c in codes], k)
    booked = [row[0] for row in table.cells]
    medians, overall = _median_column(
        codes, booked, lambda key, code: key[0] == code and _in_place(key[2], ids),
        histograms, stats.BOOKED, k, table.col_totals[0])
    from app.reports import chart

    section = Section("services", _("Service use by service"), _("Service"),
                      [names.get(c, c) for c in codes], _event_labels(SERVICE_COLUMNS), table,
                      row_totals=False,
                      derived=[(_("Median days from request to session"), medians)],
                      derived_total=[overall])
    section.chart = chart.grouped_bars(section.rows, section.cols[:2], table)
    return section


def _place_rows(acts: dict[tuple, int], ids: set[int] | None,
                centres: list[Centre] | None) -> list[int]:
    if centres is not None:
        return [c.id for c in centres]
    present = {key[2] for key in acts}
    known = [c.id for c in _centres()]
    return list(known) + ([NO_CENTRE] if NO_CENTRE in present else [])


def _centre_section(acts: dict[tuple, int], histograms: dict[tuple, dict[int, int]],
                    ids: set[int] | None, names: dict[int, str],
                    centres: list[Centre] | None, k: int) -> Section:
    rows = _place_rows(acts, ids, centres)
    grid: dict[tuple[int, str], int] = defaultdict(int)
    for (_service, event, centre), n in acts.items():
        if event in SERVICE_COLUMNS:
            grid[(centre, event)] += n
    table = disclosure.protect_table([[grid[(c, e)] for e in SERVICE_COLUMNS] for c in rows], k)
    medians, overall = _median_column(
        rows, [row[0] for row in table.cells], lambda key, c: key[2] == c and c != NO_CENTRE,
        histograms, stats.BOOKED, k, table.col_totals[0])
    return Section("centres", _("Service use by centre"), _("Centre"),
                   [_centre_label(c, names) for c in rows], _event_labels(SERVICE_COLUMNS),
                   table, row_totals=False,
                   derived=[(_("Median days from request to session"), medians)],
                   derived_total=[overall])


def _risk_section(acts: dict[tuple, int], histograms: dict[tuple, dict[int, int]],
                  ids: set[int] | None, names: dict[int, str], centres: list[Centre] | None,
                  k: int) -> Section:
    rows = _place_rows(acts, ids, centres)
    grid: dict[tuple[int, str], int] = defaultdict(int)
    for (_service, event, centre), n in acts.items():
        if event in RISK_COLUMNS:
            grid[(centre, event)] += n
    table = disclosure.protect_table([[grid[(c, e)] for e in RISK_COLUMNS] for c in rows], k)
    medians, overall = _median_column(
        rows, [row[2] for row in table.cells], lambda key, c: key[2] == c and c != NO_CENTRE,
        histograms, stats.RESOLVED, k, table.col_totals[2])
    return Section("risk", _("Self-harm answers and requests for contact"), _("Centre"),
                   [_centre_label(c, names) for c in rows], _event_labels(RISK_COLUMNS), table,
                   row_totals=False,
                   derived=[(_("Median hours to resolve"), medians)], derived_total=[overall])


# -- export ----------------------------------------------------------------------------------
SUPPRESSED = "—"


def cell_text(value: float | int | None) -> str:
    """A published number, or the neutral suppressed marker."""
    if value is None:
        return SUPPRESSED
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def section_rows(section: Section) -> list[list[str]]:
    """A section as lines of (section, row, column, value), totals included."""
    out = []
    t = section.table
    total_label = _("Total")
    for i, row in enumerate(section.rows):
        for j, col in enumerate(section.cols):
            out.append([section.title, row, col, cell_text(t.cells[i][j])])
        if section.row_totals:
            out.append([section.title, row, total_label, cell_text(t.row_totals[i])])
        for label, values in section.derived:
            out.append([section.title, row, label, cell_text(values[i])])
    for j, col in enumerate(section.cols):
        out.append([section.title, total_label, col, cell_text(t.col_totals[j])])
    if section.row_totals:
        out.append([section.title, total_label, total_label, cell_text(t.total)])
    for (label, _values), value in zip(section.derived, section.derived_total, strict=True):
        out.append([section.title, total_label, label, cell_text(value)])
    return out


def export_report(actor: User, filters: Filters, lang: str) -> list[list[str]]:
    """Exactly the tables on the page as CSV lines; the export is audited."""
    report = _build(filters, lang)
    lines = [[_("Section"), _("Row"), _("Column"), _("Value")]]
    for section in report.sections:
        if section.table.shown:
            lines += section_rows(section)
    audit.record(actor, "reports.exported", None, {**filters.as_dict(), "format": "csv"})
    db.session.commit()
    return lines


def safe_csv_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (cells starting with = + - @, tab or CR)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def export_cells(instrument: str, dims: list[str], period: Period) -> list[dict[str, Any]]:
    """The command-line export: counts by ``dims`` with the pages' disclosure control."""
    k = k_threshold()
    bad = [d for d in dims if d not in EXPORT_DIMS]
    if bad or not dims or len(set(dims)) != len(dims):
        raise ReportError(_l("Dimensions are a comma list of: %(dims)s.",
                             dims=", ".join(EXPORT_DIMS)))
    centres = {c.id: c.code for c in _centres()}
    centres[NO_CENTRE] = "pooled"
    if "service" in dims:
        if set(dims) - {"service", "centre", "month"}:
            raise ReportError(_l("The service dimension combines only with centre and month."))
        acts, _hist = activity_cube(period.months, SERVICE_COLUMNS, k,
                                    group=("month", "service", "event", "centre_id"))
        grouped: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(
            SERVICE_COLUMNS, 0))
        for (month, service, event, centre), n in acts.items():
            values = {"service": service, "centre": centres.get(centre, "?"), "month": month}
            grouped[tuple(values[d] for d in dims)][event] += n
        columns = list(SERVICE_COLUMNS)
    else:
        if instrument not in {i.code for i in assessments.instruments()}:
            raise ReportError(_l("Choose a questionnaire from the list."))
        if "band" in dims:
            row_dims, columns = [d for d in dims if d != "band"], _band_codes(
                assessments.get(instrument))
        else:
            row_dims, columns = list(dims), ["results"]
        column_of = {"centre": "centre_id", "month": "month", "sector": "sector",
                     "age_band": "age_band"}
        counts = screening_counts([instrument], period.months, k, "band", None,
                                  group=["cls", *[column_of[d] for d in row_dims]])
        grouped = defaultdict(lambda: dict.fromkeys(columns, 0))
        for (band, *cell), n in counts.items():
            named = dict(zip(row_dims, cell, strict=True))
            if "centre" in named:
                named["centre"] = centres.get(named["centre"], "?")
            for dim in ("sector", "age_band"):
                if dim in named:
                    named[dim] = named[dim] or "not_given"
            column = band if "band" in dims else "results"
            if column not in columns:
                columns.append(column)
            row = grouped[tuple(named[d] for d in row_dims)]
            row[column] = row.get(column, 0) + n
        dims = row_dims
    keys = sorted(grouped)
    if not keys:  # nothing publishable: every total is zero
        return [{**dict.fromkeys(dims, "total"), "column": c, "n": 0} for c in columns]
    table = disclosure.protect_table([[grouped[key].get(c, 0) for c in columns] for key in keys],
                                     k)
    out = []
    for i, key in enumerate(keys):
        for j, column in enumerate(columns):
            out.append({**dict(zip(dims, key, strict=True)), "column": column,
                        "n": table.cells[i][j]})
    for j, column in enumerate(columns):
        out.append({**dict.fromkeys(dims, "total"), "column": column, "n": table.col_totals[j]})
    return out
