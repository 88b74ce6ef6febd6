"""Exports: the CSV of what the page shows, and the command line's counts by dimension."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

import assessments
from app import audit
from app.accounts.models import User
from app.extensions import db
from app.reports import disclosure
from app.reports.cubes import SERVICE_COLUMNS, activity_cube, screening_counts
from app.reports.dashboard import Section, _band_codes, _build
from app.reports.filters import Filters, Period, ReportError, _centres, k_threshold
from app.reports.models import NO_CENTRE

EXPORT_DIMS = ("centre", "band", "month", "sector", "age_band", "service")
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
        for (band, *values), n in counts.items():
            named = dict(zip(row_dims, values, strict=True))
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
