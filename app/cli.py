"""Registers every package's ``flask`` commands."""

from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    """Attach the command groups."""
    from app.accounts.cli import members_cli, users
    from app.audit.cli import audit_cli
    from app.booking.cli import closures_cli, reminders, sessions
    from app.counselling.cli import courses_cli, risk_cli
    from app.notifications.cli import outbox
    from app.reports.cli import reports_cli
    from app.screening.cli import screening_cli
    from app.security.cli import keys
    from app.security.retention_cli import retention_cli
    from app.seed import seed_demo

    for command in (users, keys, audit_cli, outbox, seed_demo, reminders, sessions,
                    screening_cli, retention_cli, reports_cli, risk_cli, closures_cli,
                    members_cli, courses_cli):
        app.cli.add_command(command)
