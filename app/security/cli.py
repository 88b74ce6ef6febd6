"""``flask keys``: key status and rotation."""

from __future__ import annotations

import click

from app.security import rotation
from app.security.crypto import get_crypto


@click.group("keys")
def keys() -> None:
    """Encryption keys."""


@keys.command("status")
def status_command() -> None:
    """Show KEK versions and how many data keys each one wraps."""
    crypto = get_crypto()
    st = rotation.status(crypto)
    click.echo(f"current KEK version: {st.current}")
    for version in sorted(set(st.in_ring) | set(st.rows_by_version)):
        mark = "current" if version == st.current else (
            "MISSING FROM KEY RING" if version in st.missing else "old")
        click.echo(f"  v{version}: {st.rows_by_version.get(version, 0)} data keys ({mark})")
    if st.pending:
        click.echo(f"{st.pending} data keys still wait for `flask keys rewrap`.")
    if st.missing:
        raise SystemExit(1)


@keys.command("rotate")
@click.option("--batch-size", default=500, show_default=True)
def rotate_command(batch_size: int) -> None:
    """Make a new KEK current (written to the key file), then re-wrap every data key."""
    crypto = get_crypto()
    ring = crypto.ring
    if ring.path is None:
        raise click.ClickException(
            "keys come from XINQING_KEYS: add a new version there, make it current, restart, "
            "then run `flask keys rewrap`."
        )
    version = ring.add_version()
    ring.save()
    click.echo(f"KEK version {version} is now current ({ring.path}).")
    _rewrap(batch_size)


@keys.command("rewrap")
@click.option("--batch-size", default=500, show_default=True)
def rewrap_command(batch_size: int) -> None:
    """Finish (or resume) re-wrapping data keys under the current KEK."""
    _rewrap(batch_size)


def _rewrap(batch_size: int) -> None:
    done = rotation.rewrap(get_crypto(), batch_size,
                           progress=lambda n: click.echo(f"  re-wrapped {n}"))
    click.echo(f"done: {done} data keys re-wrapped; old versions stay in the key file until "
               "`flask keys status` shows none in use.")


@keys.command("apply-shreds")
@click.option("--batch-size", default=1000, show_default=True)
def apply_shreds_command(batch_size: int) -> None:
    """After restoring a backup: shred again every data key on the shred list.

    Part of every restore, before the app serves anyone: people who deleted their data after
    the backup was taken stay deleted (their keys and the records those keys sealed).
    """
    from app.security import shredding

    path = shredding.shred_file()
    if not path.exists():
        click.echo(f"no shred list at {path}: nothing was ever shredded here, or "
                   "XINQING_SHRED_FILE points elsewhere.")
        return
    done = shredding.apply_shreds(batch_size)
    click.echo(f"shred list {path}: {done} data keys in this database were shredded again.")
