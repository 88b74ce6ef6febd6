"""``flask reports``: export anonymised counts with the pages' disclosure control."""

from __future__ import annotations

import csv
import json
import sys

import click

from app import audit
from app.extensions import db
from app.reports import services


@click.group("reports")
def reports_cli() -> None:
    """Anonymised reports."""


@reports_cli.command("export")
@click.option("--instrument", default="", help="Questionnaire code, e.g. phq9.")
@click.option("--by", "by", required=True, help="Comma list of " + ", ".join(
    services.EXPORT_DIMS) + ".")
@click.option("--period", required=True, help="YYYY-MM or YYYY-MM..YYYY-MM.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv")
def export(instrument: str, by: str, period: str, fmt: str) -> None:
    """Counts by the chosen dimensions; suppressed cells are "—" (CSV) or null (JSON)."""
    dims = [d.strip() for d in by.split(",") if d.strip()]
    try:
        rows = services.export_cells(instrument, dims, services.parse_period(period))
    except services.ReportError as exc:
        raise click.UsageError(str(exc.message)) from None
    audit.record(None, "reports.exported", None, {"instrument": instrument, "by": by,
                                                  "period": period, "format": fmt,
                                                  "via": "cli"})
    db.session.commit()
    if fmt == "json":
        click.echo(json.dumps(rows, ensure_ascii=False, indent=1))
        return
    columns = list(rows[0]) if rows else [*dims, "column", "n"]
    writer = csv.writer(sys.stdout)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([services.safe_csv_cell(services.cell_text(row[c]) if c == "n"
                                                else str(row[c])) for c in columns])


@reports_cli.command("rebuild")
def rebuild() -> None:
    """Recompute the report roll-ups from the statistics rows (e.g. after a bulk load)."""
    from app.reports.history import rebuild_rollups

    counts = rebuild_rollups()
    click.echo(", ".join(f"{n} {name}" for name, n in counts.items()))


@reports_cli.command("publish")
@click.option("--months", type=click.IntRange(1, services.MAX_MONTHS), default=24,
              help="How many finished months back to pool (default 24).")
def publish(months: int) -> None:
    """Pool finished months ahead of time, so nobody waits for it on the page (cron: daily)."""
    from app.reports.history import months_back

    span = months_back(months)
    k = services.k_threshold()
    for kind in ("band", "repeat"):
        services.ensure_published(span, k, kind)
    click.echo(f"pooled {span[0]}..{span[-1]} at k={k}")
