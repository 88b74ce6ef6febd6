"""``flask users``: staff accounts from the command line."""

from __future__ import annotations

import click

from app.accounts import services
from app.accounts.models import Role


@click.group("users")
def users() -> None:
    """Manage accounts."""


@users.command("create")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in Role]), help="Repeat for several roles.")
@click.option("--email", default=None, help="Optional when --phone is given.")
@click.option("--phone", default=None, help="A mainland mobile number (signs in by SMS code "
              "if a worker).")
@click.option("--name", default=None)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create(roles: tuple[str, ...], email: str | None, phone: str | None, name: str | None,
           password: str) -> None:
    """Create an account with the given roles (staff, or a worker for testing)."""
    try:
        user = services.create_staff(email=email, phone=phone, name=name, password=password,
                                     roles=roles)
    except services.AccountError as exc:
        raise click.ClickException(
            "; ".join(f"{field}: {message}" for field, message in exc.errors.items())
        ) from None
    click.echo(f"created account {user.uid} with roles {', '.join(sorted(roles))}")
