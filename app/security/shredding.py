"""Crypto-shredding that survives a restore from backup.

Deleting a person's data key makes their sealed values unreadable, but a database backup
taken before the deletion still holds the wrapped key, and the live key file opens it. So
every shredded key is also written to the *shred list*, a file outside the database
(``SHRED_FILE``, by default next to the key file) that no database backup or restore
touches. ``flask keys apply-shreds``, a step of every restore, deletes each data key on the
list from the restored database again.

The list holds one keyed hash per key (HMAC of the plaintext data key under a key derived
from the index root key): stable when keys are re-wrapped by rotation, and revealing
nothing about the person or the key. Entries are appended only after the deleting
transaction commits, so a rolled-back deletion never puts a live key on the list.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import delete, event, select
from sqlalchemy.orm import Session as OrmSession

from app.extensions import db
from app.security.crypto import CryptoError, get_crypto
from app.security.keyring import KeyRingError
from app.security.models import DataKey

PENDING = "xinqing.shreds"


def shred_file() -> Path:
    """Where the shred list lives (``SHRED_FILE``)."""
    return Path(current_app.config["SHRED_FILE"])


def fingerprint(key: DataKey) -> str | None:
    """The list entry for ``key``; None when it no longer unwraps (already unreadable)."""
    crypto = get_crypto()
    try:
        plain = crypto.unwrap(key)
    except (CryptoError, KeyRingError):  # its KEK is gone: nothing left to shred
        return None
    return crypto.keyed_hash("shred-list", plain).hex()


def shred_data_keys(where: Any) -> int:
    """Delete the data keys matching ``where`` (a condition on DataKey) and list them.

    One DELETE ... RETURNING: the statement writes first (on SQLite a transaction that read
    first could not become a writer while another one writes), and hands back what the list
    needs. The caller commits; the entries reach the shred list when that commit succeeds.
    """
    gone = db.session.execute(delete(DataKey).where(where).returning(
        DataKey.id, DataKey.kek_version, DataKey.wrapped)).all()
    prints = [fingerprint(DataKey(id=row.id, kek_version=row.kek_version,
                                  wrapped=row.wrapped)) for row in gone]
    db.session.info.setdefault(PENDING, []).extend(p for p in prints if p)
    return len(gone)


def _append(entries: Iterable[str]) -> None:
    path = shred_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(f"{e}\n" for e in entries).encode()
    # One O_APPEND write per commit: concurrent workers never interleave within a line.
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, data)
        os.fsync(fd)
    finally:
        os.close(fd)


@event.listens_for(OrmSession, "after_commit")
def _write_pending(session: OrmSession) -> None:
    entries = session.info.pop(PENDING, None)
    if not entries:
        return
    try:
        _append(entries)
    except OSError:  # the deletion stands; say loudly that a restore could bring it back
        current_app.logger.error(
            "could not write %d entries to the shred list %s: a restored backup would "
            "still open these people's data", len(entries), shred_file())


@event.listens_for(OrmSession, "after_rollback")
def _drop_pending(session: OrmSession) -> None:
    session.info.pop(PENDING, None)


def listed() -> set[str]:
    """Every entry on the shred list."""
    path = shred_file()
    if not path.exists():
        return set()
    return {line.strip() for line in path.read_text().splitlines() if line.strip()}


def apply_shreds(batch_size: int = 1000) -> int:
    """Shred again every data key on the list (run after restoring a backup).

    Deletes the keys, and with them the records each key sealed on its own (the person's
    account, an anonymous result, a request for contact), as their deletion did the first
    time; returns how many keys were shredded.
    """
    wanted = listed()
    if not wanted:
        return 0
    doomed: list[int] = []
    last = 0
    while True:
        keys = db.session.scalars(select(DataKey).where(DataKey.id > last)
                                  .order_by(DataKey.id).limit(batch_size)).all()
        if not keys:
            break
        last = keys[-1].id
        doomed += [k.id for k in keys if fingerprint(k) in wanted]
    owners = [t for t in reversed(db.metadata.sorted_tables)
              if "data_key_id" in t.c and t.name != DataKey.__tablename__]
    for start in range(0, len(doomed), batch_size):
        chunk = doomed[start:start + batch_size]
        for table in owners:
            db.session.execute(table.delete().where(table.c.data_key_id.in_(chunk)))
        db.session.execute(delete(DataKey).where(DataKey.id.in_(chunk)))
    db.session.commit()
    return len(doomed)
