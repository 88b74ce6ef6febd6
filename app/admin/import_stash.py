"""A checked staff CSV kept server-side between the dry run and the confirm.

The confirm form then carries only a random token (the stash row's ``uid``), not the file:
staff names, phones and addresses never round-trip through the browser, and they rest only
sealed (see ``StaffImportStash``). A stash is one admin's, used once, and lives
``STASH_LIFETIME``; the retention run shreds any left behind.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.admin.models import StaffImportStash
from app.admin.services import AdminError
from app.extensions import db
from app.security.models import DataKey
from app.security.retention import delete_batched, register_step
from app.security.shredding import shred_data_keys
from app.types import utcnow

STASH_LIFETIME = timedelta(minutes=30)
STASH_GONE = _l("This check has expired or was already used: check the file again.")


def keep(actor: User, csv_text: str, now: datetime | None = None) -> str:
    """Seal ``csv_text`` for ``actor``'s confirm and return its token; the admin's earlier
    unconfirmed file goes (one waiting file each). Committed."""
    now = now or utcnow()
    _discard(StaffImportStash.actor_id == actor.id)
    stash = StaffImportStash(actor_id=actor.id, created_at=now, expires_at=now + STASH_LIFETIME)
    stash.csv = csv_text
    db.session.add(stash)
    db.session.commit()
    return stash.uid


def take(actor: User, token: str, now: datetime | None = None) -> str:
    """The file ``actor`` stashed under ``token``, removed with its key in the caller's
    transaction (a failed import rolls back and leaves it). AdminError when the token is
    unknown, someone else's or expired."""
    now = now or utcnow()
    stash = db.session.scalar(select(StaffImportStash).where(StaffImportStash.uid == token))
    if stash is None or stash.actor_id != actor.id or stash.expires_at <= now:
        raise AdminError(STASH_GONE)
    csv_text: str = stash.csv
    _discard(StaffImportStash.id == stash.id)
    return csv_text


def _discard(condition: Any) -> None:
    """Shred the keys of the matching stashes, then delete the rows (uncommitted)."""
    rows = list(db.session.scalars(select(StaffImportStash).where(condition)))
    for row in rows:
        db.session.delete(row)
    db.session.flush()
    if rows:
        shred_data_keys(DataKey.id.in_([r.data_key_id for r in rows if r.data_key_id]))


def expired(now: datetime, batch: int) -> int:
    """Retention step: files never confirmed, shredded once their lifetime is over."""

    def shred(chosen: Any) -> None:
        shred_data_keys(DataKey.id.in_(
            select(StaffImportStash.data_key_id).where(StaffImportStash.id.in_(chosen))))

    return delete_batched(StaffImportStash, StaffImportStash.expires_at <= now, batch,
                          before_delete=shred)


def register() -> None:
    register_step("staff_import_stashes", expired)
