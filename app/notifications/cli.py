"""``flask outbox send``: deliver due emails (safe to run from cron, several at once)."""

from __future__ import annotations

import click

from app.notifications.services import send_due


@click.group("outbox")
def outbox() -> None:
    """Outgoing email."""


@outbox.command("send")
@click.option("--limit", default=100, show_default=True, help="Messages claimed per batch.")
def send_command(limit: int) -> None:
    """Send every due message once."""
    report = send_due(limit=limit)
    click.echo(f"sent {report.sent}, will retry {report.retried}, gave up {report.failed}")
    if report.errors:
        click.echo("errors: " + ", ".join(sorted(set(report.errors))), err=True)
