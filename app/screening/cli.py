"""``flask screening purge``: delete anonymous results older than 30 days (cron-safe)."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from app.screening import services

screening_cli = AppGroup("screening", help="Screening maintenance.")


@screening_cli.command("purge")
def purge() -> None:
    """Delete anonymous results (and their data keys) older than 30 days; idempotent."""
    click.echo(f"purged {services.purge()} anonymous result(s)")
