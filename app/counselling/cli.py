"""``flask risk escalate`` (cron, every few minutes) and ``flask risk lead`` (set-up)."""

from __future__ import annotations

import click
from sqlalchemy import select

from app.booking.models import Centre
from app.counselling import risk_queue
from app.extensions import db


@click.group("risk")
def risk_cli() -> None:
    """The risk queue's follow-up."""


@risk_cli.command("escalate")
def escalate_command() -> None:
    """Escalate overdue items to the hub's lead counsellors; shred expired kept items.

    Idempotent and safe to run from cron, several at once: each item is escalated once.
    """
    report = risk_queue.escalate_overdue()
    shredded = risk_queue.shred_expired()
    click.echo(f"escalated {report.escalated}, shredded {shredded}")
    if report.without_lead:
        click.echo(f"warning: {report.without_lead} overdue item(s) escalated to a hub with no "
                   "lead counsellor; set one with `flask risk lead EMAIL HUB_CODE`", err=True)


@risk_cli.command("lead")
@click.argument("login")
@click.argument("hub_code")
@click.option("--remove", is_flag=True, help="No longer a lead counsellor of the hub.")
def lead_command(login: str, hub_code: str, remove: bool) -> None:
    """Make the counsellor LOGIN a lead counsellor of the hub HUB_CODE (receives escalations)."""
    from app.accounts.services import find_by_login

    user = find_by_login(login)
    hub = db.session.scalar(select(Centre).where(Centre.code == hub_code))
    if user is None or hub is None:
        raise click.ClickException("no such counsellor or centre")
    try:
        risk_queue.set_lead(user, hub, lead=not remove)
    except risk_queue.RiskStepError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from None
    click.echo(("removed" if remove else "set") + f" lead counsellor of {hub.code}")


@click.group("courses")
def courses_cli() -> None:
    """Courses of care."""


@courses_cli.command("close-lapsed")
def close_lapsed_command() -> None:
    """Close courses with no session for COURSE_LAPSE_WEEKS (default 12); cron, daily.

    Idempotent: each course closes once and writes its one outcome statistics row.
    """
    from app.counselling import courses

    click.echo(f"closed {courses.close_lapsed()} lapsed course(s)")
