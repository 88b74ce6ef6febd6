"""``flask audit verify``: check every chain from its first event to its tip;
``flask audit anchor``: seal the tips."""

from __future__ import annotations

import click

from app.audit.services import anchor, verify


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
    where = "the anchors" if verdict.chain == -1 else f"chain {verdict.chain}"
    click.echo(f"audit log BROKEN: event {verdict.seq} was {verdict.problem} in {where} "
               f"(checked {verdict.events} events)", err=True)
    raise SystemExit(1)


@audit_cli.command("anchor")
def anchor_command() -> None:
    """Seal every chain's tip in a keyed anchor (run hourly from cron, like the outbox)."""
    row = anchor()
    click.echo(f"audit anchor {row.id}: {sum(link for link, _mac in row.heads)} events "
               f"in {len(row.heads)} chains")
