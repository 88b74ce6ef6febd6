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
@click.option("--centre", "centres", multiple=True, metavar="CODE",
              help="Where the roles are held (repeat for several); a role at the city hub "
              "covers the whole network. Without it: the whole network (the first admin).")
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
def create(roles: tuple[str, ...], email: str | None, phone: str | None, name: str | None,
           centres: tuple[str, ...], password: str) -> None:
    """Create an account with the given roles (staff, or a worker for testing)."""
    from sqlalchemy import select

    from app.booking.models import Centre
    from app.extensions import db

    found = {c.code: c for c in db.session.scalars(select(Centre).where(
        Centre.code.in_(centres)))}
    unknown = sorted(set(centres) - set(found))
    if unknown:
        raise click.ClickException(f"no centre with code {', '.join(unknown)}")
    try:
        user = services.create_staff(email=email, phone=phone, name=name, password=password,
                                     roles=roles, centre_ids=[found[c].id for c in centres])
    except services.AccountError as exc:
        raise click.ClickException(
            "; ".join(f"{field}: {message}" for field, message in exc.errors.items())
        ) from None
    if user.is_staff and found:
        for centre in found.values():
            centre.staff.append(user)
        db.session.commit()
    where = f" at {', '.join(centres)}" if centres else " across the whole network"
    click.echo(f"created account {user.uid} with roles {', '.join(sorted(roles))}{where}")
