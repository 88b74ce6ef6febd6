"""``flask outbox send``: deliver due email and SMS (cron, or ``--watch`` as a service)."""

from __future__ import annotations

import contextlib
import signal

import click
from flask import current_app

from app.notifications.services import SendReport, send_due, watch


@click.group("outbox")
def outbox() -> None:
    """Outgoing email and SMS."""


def _echo(report: SendReport) -> None:
    click.echo(f"sent {report.sent}, will retry {report.retried}, gave up {report.failed}")
    if report.errors:
        click.echo("errors: " + ", ".join(sorted(set(report.errors))), err=True)


@outbox.command("send")
@click.option("--limit", default=100, show_default=True, help="Messages claimed per batch.")
@click.option("--watch", "watching", is_flag=True,
              help="Keep running and send each message within seconds of its commit "
                   "(stop with Ctrl-C or SIGTERM).")
def send_command(limit: int, watching: bool) -> None:
    """Send every due message once (or keep sending with --watch)."""
    if not watching:
        _echo(send_due(limit=limit))
        return
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    interval = current_app.config["OUTBOX_WATCH_SECONDS"]
    click.echo(f"watching the outbox every {interval} s")
    with contextlib.suppress(KeyboardInterrupt):
        watch(stop=lambda: bool(stopping), interval=interval, limit=limit, on_report=_echo)
