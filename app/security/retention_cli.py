"""``flask retention run``: the retention policy, safe from cron (see retention.py)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.security import retention

retention_cli = AppGroup("retention", help="Delete what the retention policy no longer keeps.")


@retention_cli.command("run")
@click.option("--batch", default=retention.BATCH, show_default=True, help="Rows per commit.")
def run_command(batch: int) -> None:
    """Apply every retention period once; idempotent, and a second run at once waits out."""
    try:
        counts = retention.run(batch=batch)
    except retention.BusyError as exc:
        click.echo(f"retention: skipped, {exc}")
        return
    for name, count in counts.items():
        click.echo(f"{name}: {count} removed")
