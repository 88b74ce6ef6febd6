"""``flask audit verify``: check the chain from the first event to the tip."""

from __future__ import annotations

import click

from app.audit.services import verify


@click.group("audit")
def audit_cli() -> None:
    """The audit log."""


@audit_cli.command("verify")
def verify_command() -> None:
    """Report the first edited, inserted or deleted event; exit 1 when the chain is broken."""
    verdict = verify()
    if verdict.ok:
        click.echo(f"audit log intact: {verdict.events} events")
        return
    click.echo(f"audit log BROKEN: event {verdict.seq} was {verdict.problem} "
               f"(checked {verdict.events} events)", err=True)
    raise SystemExit(1)
