"""``flask reminders send`` and ``flask sessions generate``: the booking jobs for cron."""

from __future__ import annotations

from datetime import timedelta

import click

from app.booking import bookings
from app.booking.scheduling import generate_sessions, local_zone
from app.extensions import db
from app.notifications.services import send_due
from app.types import utcnow


@click.group("reminders")
def reminders() -> None:
    """Booking reminders and waitlist offers."""


@reminders.command("send")
def send_command() -> None:
    """Pass on lapsed waitlist offers, then send due reminders and emails, each exactly once.

    Reminders are queued at booking time with ``send_after`` 24 h before the session and a
    per-booking dedupe key (and removed on cancel), so several runners at once send each
    one once: the outbox claims rows before sending.
    """
    lapsed = bookings.expire_offers()
    report = send_due()
    click.echo(f"offers passed on {lapsed}, sent {report.sent}, will retry {report.retried}, "
               f"gave up {report.failed}")


@click.group("sessions")
def sessions() -> None:
    """Bookable sessions."""


@sessions.command("generate")
@click.option("--days", default=28, show_default=True, help="How many days ahead.")
def generate_command(days: int) -> None:
    """Create the sessions counsellors' availability gives (idempotent)."""
    first = (utcnow() + timedelta(hours=1)).astimezone(local_zone()).date()
    created = generate_sessions(first, days)
    db.session.commit()
    click.echo(f"created {created} sessions")


@click.group("closures")
def closures_cli() -> None:
    """Centre-wide closures (public holidays, typhoon days)."""


@closures_cli.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--centre", "centre_code", required=True,
              help="A centre's code, or 'all' for every active centre.")
def load_command(path: str, centre_code: str) -> None:
    """Close centres on each holiday of a calendar file (e.g. data/holidays/cn-2026.yaml)."""
    import yaml
    from sqlalchemy import select

    from app.booking import closures
    from app.booking.models import Centre

    with open(path, encoding="utf-8") as handle:
        data = yaml.safe_load(handle)
    query = select(Centre).where(Centre.active.is_(True)).order_by(Centre.id)
    if centre_code != "all":
        query = select(Centre).where(Centre.code == centre_code)
    centres = list(db.session.scalars(query))
    if not centres:
        raise click.ClickException(f"no centre {centre_code!r}")
    try:
        report = closures.load_calendar(data, centres)
    except closures.ClosureError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc.message)) from exc
    db.session.commit()
    click.echo(f"closures created {report.created}, already there {report.existing}, "
               f"over {report.over}; sessions cancelled {report.sessions}, "
               f"people told {report.notified}")
