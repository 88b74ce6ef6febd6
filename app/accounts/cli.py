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


@click.group("members")
def members_cli() -> None:
    """The union's list of eligible members per enterprise (by phone number)."""


@members_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Check every row and store nothing.")
def import_members(path: str, dry_run: bool) -> None:
    """Import a UTF-8 CSV ``phone,enterprise,sector``: all rows or none. The enterprises it
    lists have their members replaced; only each number's blind index is kept."""
    from app.accounts import members
    from app.extensions import db

    with open(path, encoding="utf-8") as handle:
        checked = members.check(handle.read())
    for number, reason in checked.errors[:50]:
        click.echo(f"row {number}: {reason}")
    if checked.errors:
        raise click.ClickException(f"{len(checked.errors)} rows have errors: nothing imported")
    if dry_run:
        click.echo(f"dry run: {len(checked.rows)} members of {len(checked.enterprises)} "
                   "enterprises would be imported")
        return
    stored = members.store(checked)
    db.session.commit()
    click.echo(f"imported {stored} members of {len(checked.enterprises)} enterprises")
