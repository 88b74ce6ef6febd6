"""Exports: the CSV of what the page shows, and the command line's counts by dimension."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import assessments
from app import audit, replica
from app.extensions import db
from app.reports import disclosure
from app.reports.cubes import (
    SERVICE_COLUMNS,
    activity_cube,
    activity_present,
    screening_counts,
    screening_present,
)
from app.reports.dashboard import Section, _band_codes, _build
from app.reports.filters import Filters, Period, ReportError, _centres, k_threshold
from app.reports.models import NO_CENTRE

if TYPE_CHECKING:  # reports read no encrypted model; the actor is only passed on
    from app.accounts.models import User

EXPORT_DIMS = ("centre", "band", "month", "sector", "age_band", "service")
SUPPRESSED = "—"


def cell_text(value: float | int | None) -> str:
    """A published number, or the neutral suppressed marker."""
    if value is None:
        return SUPPRESSED
    if isinstance(value, float) and not value.is_integer():
        return f"{value:.1f}"
    return str(int(value))


def note_text(value: float | int | None, pooled: bool = False) -> str:
    """Why a cell shows the dash (the same words as the page); empty for a number."""
    if value is not None:
        return ""
    if pooled:
        return _("Pooled to protect privacy: these people are counted under \"Other or not "
                 "known (pooled)\" or \"Several services (pooled)\", or left out. Not zero.")
    return _("Suppressed to protect privacy")


def section_rows(section: Section) -> list[list[str]]:
    """A section as lines of (section, row, column, value, note), totals included."""
    out = []
    t = section.table
    n_rows, n_cols = len(section.rows), len(section.cols)
    total_label = _("Total")

    def line(row: str, col: str, value: float | int | None, at: tuple[int, int] | None,
             ) -> list[str]:
        pooled = at is not None and t.is_pooled(*at)
        return [section.title, row, col, cell_text(value), note_text(value, pooled)]

    for i, row in enumerate(section.rows):
        for j, col in enumerate(section.cols):
            out.append(line(row, col, t.cells[i][j], (i, j)))
        if section.row_totals:
            out.append(line(row, total_label, t.row_totals[i], (i, n_cols)))
        for label, values in section.derived:
            out.append(line(row, label, values[i], None))
    for j, col in enumerate(section.cols):
        out.append(line(total_label, col, t.col_totals[j], (n_rows, j)))
    if section.row_totals:
        out.append(line(total_label, total_label, t.total, (n_rows, n_cols)))
    for (label, _values), value in zip(section.derived, section.derived_total, strict=True):
        out.append(line(total_label, label, value, None))
    return out


def export_report(actor: User, filters: Filters, lang: str) -> list[list[str]]:
    """Exactly the tables on the page as CSV lines, the safety follow-up tables included;
    the export is audited. The tables are read on the replica when there is one."""
    lines = replica.read(_lines, filters, lang)
    audit.record(actor, "reports.exported", None, {**filters.as_dict(), "format": "csv"})
    db.session.commit()
    return lines


def _lines(filters: Filters, lang: str) -> list[list[str]]:
    from app.reports import risk

    report = _build(filters, lang)
    lines = [[_("Section"), _("Row"), _("Column"), _("Value"), _("Note")]]
    for section in [*report.sections, *risk.sections_for(filters, lang)]:
        if section.table.shown:
            lines += section_rows(section)
    return lines


def safe_csv_cell(value: str) -> str:
    """Neutralise spreadsheet formulas (cells starting with = + - @, tab or CR)."""
    if value and value[0] in "=+-@\t\r":
        return "'" + value
    return value


def export_cells(instrument: str, dims: list[str], period: Period) -> list[dict[str, Any]]:
    """The command-line export: counts by ``dims`` with the pages' disclosure control.

    Each row carries ``n`` (None when not published) and ``note`` (why, when not).
    """
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
        group: tuple[str, ...] = ("month", "service", "event", "centre_id")
        acts, _hist = activity_cube(period.months, SERVICE_COLUMNS, k, group=group)
        truth = activity_present(period.months, SERVICE_COLUMNS, group=group)
        columns: list[str] = list(SERVICE_COLUMNS)
        grouped, true_grouped = (_by_service(cells, dims, centres) for cells in (acts, truth))
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
        group = ("cls", *[column_of[d] for d in row_dims])
        counts = screening_counts([instrument], period.months, k, "band", None, group=group)
        truth = screening_present([instrument], period.months, "band", None, group=group)
        grouped, true_grouped = (
            _by_screening(cells, row_dims, centres, columns, by_band="band" in dims)
            for cells in (counts, truth))
        dims = row_dims
    keys = sorted(set(grouped) | set(true_grouped))
    if not keys:  # nobody at all: every total is a true zero
        return [{**dict.fromkeys(dims, "total"), "column": c, "n": 0, "note": ""}
                for c in columns]
    table = disclosure.protect_table(
        [[grouped.get(key, {}).get(c, 0) for c in columns] for key in keys], k,
        [[true_grouped.get(key, {}).get(c, 0) for c in columns] for key in keys])
    out = []
    for i, key in enumerate(keys):
        for j, column in enumerate(columns):
            value = table.cells[i][j]
            out.append({**dict(zip(dims, key, strict=True)), "column": column, "n": value,
                        "note": note_text(value, table.is_pooled(i, j))})
    for j, column in enumerate(columns):
        value = table.col_totals[j]
        out.append({**dict.fromkeys(dims, "total"), "column": column, "n": value,
                    "note": note_text(value, table.is_pooled(len(keys), j))})
    return out


def _by_service(cells: dict[tuple, int], dims: list[str], centres: dict[int, str],
                ) -> dict[tuple, dict[str, int]]:
    """(month, service, event, centre) cells as rows by ``dims`` with an event per column."""
    grouped: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(SERVICE_COLUMNS, 0))
    for (month, service, event, centre), n in cells.items():
        values = {"service": service, "centre": centres.get(centre, "?"), "month": month}
        grouped[tuple(values[d] for d in dims)][event] += n
    return dict(grouped)


def _by_screening(cells: dict[tuple, int], row_dims: list[str], centres: dict[int, str],
                  columns: list[str], by_band: bool) -> dict[tuple, dict[str, int]]:
    """(band, *row values) cells as rows by ``row_dims`` with a band (or "results") column."""
    grouped: dict[tuple, dict[str, int]] = defaultdict(lambda: dict.fromkeys(columns, 0))
    for (band, *values), n in cells.items():
        named = dict(zip(row_dims, values, strict=True))
        if "centre" in named:
            named["centre"] = centres.get(named["centre"], "?")
        for dim in ("sector", "age_band"):
            if dim in named:
                named[dim] = named[dim] or "not_given"
        column = band if by_band else "results"
        if column not in columns:
            columns.append(column)
        row = grouped[tuple(named[d] for d in row_dims)]
        row[column] = row.get(column, 0) + n
    return dict(grouped)
