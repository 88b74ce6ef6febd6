"""The reports package's public surface, kept for callers that import ``services``.

The rules live in named parts: ``filters`` (what a reader may choose, finished months),
``cubes`` (the pooled counts), ``dashboard`` (the page's sections), ``exports`` (CSV and
command line); every number passes through ``disclosure``.
"""

from __future__ import annotations

from app.reports.cubes import (
    ACTIVITY_KEYS,
    ACTIVITY_STAGES,
    RISK_COLUMNS,
    SCREENING_KEYS,
    SCREENING_STAGES,
    SERVICE_COLUMNS,
    activity_cube,
    ensure_published,
    pooled_screening,
    published_screening,
    screening_counts,
)
from app.reports.dashboard import Report, Section, _build, build_report
from app.reports.exports import (
    EXPORT_DIMS,
    SUPPRESSED,
    cell_text,
    export_cells,
    export_report,
    safe_csv_cell,
    section_rows,
)
from app.reports.filters import (
    MAX_MONTHS,
    Filters,
    Period,
    ReportError,
    choices,
    default_period,
    first_open_month,
    k_threshold,
    parse_filters,
    parse_period,
    place_centres,
    report_scope,
)

__all__ = [
    "ACTIVITY_KEYS", "ACTIVITY_STAGES", "EXPORT_DIMS", "MAX_MONTHS", "RISK_COLUMNS",
    "SCREENING_KEYS", "SCREENING_STAGES", "SERVICE_COLUMNS", "SUPPRESSED", "Filters", "Period",
    "Report", "ReportError", "Section", "_build", "activity_cube", "build_report", "cell_text",
    "choices", "default_period", "ensure_published", "export_cells", "export_report",
    "first_open_month", "k_threshold", "parse_filters", "parse_period", "place_centres",
    "pooled_screening", "published_screening", "report_scope", "safe_csv_cell", "screening_counts",
    "section_rows",
]
