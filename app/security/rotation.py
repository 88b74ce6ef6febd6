"""Key rotation: re-wrap data keys under the current KEK in small, resumable batches."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cryptography.hazmat.primitives.keywrap import aes_key_wrap
from sqlalchemy import func, select, update

from app.extensions import db
from app.security.crypto import Crypto
from app.security.models import DataKey
from app.types import rowcount


@dataclass(frozen=True)
class KeyStatus:
    """How many data keys each KEK version wraps, and which versions the ring lacks."""

    current: int
    in_ring: tuple[int, ...]
    rows_by_version: dict[int, int]

    @property
    def missing(self) -> tuple[int, ...]:
        """Versions still used in the database but absent from the ring: those rows are lost."""
        return tuple(v for v in self.rows_by_version if v not in self.in_ring)

    @property
    def pending(self) -> int:
        """Data keys not yet under the current KEK."""
        return sum(n for v, n in self.rows_by_version.items() if v != self.current)


def status(crypto: Crypto) -> KeyStatus:
    """The key ring against the database."""
    rows = db.session.execute(
        select(DataKey.kek_version, func.count()).group_by(DataKey.kek_version)
    ).all()
    return KeyStatus(
        current=crypto.ring.current,
        in_ring=tuple(sorted(crypto.ring.keks)),
        rows_by_version={int(v): int(n) for v, n in rows},
    )


def rewrap(crypto: Crypto, batch_size: int = 500,
           progress: Callable[[int], None] | None = None) -> int:
    """Re-wrap every data key not under the current KEK; commits per batch, so it resumes.

    Each row's wrapped key and version change together in one UPDATE, so a row is always
    readable with one of the ring's keys, whenever the process stops. The batch is read,
    that read transaction ended, and the writes then start a transaction of their own:
    SQLite queues a transaction that starts with its write, but refuses at once one whose
    read is overtaken by another writer (the live app). Each UPDATE is conditional on the
    row being as read, so a key deleted or re-wrapped meanwhile is simply skipped.
    """
    done = 0
    while True:
        current = crypto.ring.current
        rows = db.session.execute(
            select(DataKey.id, DataKey.kek_version, DataKey.wrapped)
            .where(DataKey.kek_version != current).order_by(DataKey.id).limit(batch_size)
        ).all()
        db.session.commit()
        if not rows:
            return done
        kek = crypto.ring.kek(current)
        for row in rows:
            plain = crypto.unwrap(DataKey(id=row.id, kek_version=row.kek_version,
                                          wrapped=bytes(row.wrapped)))
            done += rowcount(db.session.execute(
                update(DataKey)
                .where(DataKey.id == row.id, DataKey.kek_version == row.kek_version)
                .values(kek_version=current, wrapped=aes_key_wrap(kek, plain))
                .execution_options(synchronize_session=False)
            ))
        db.session.commit()
        if progress:
            progress(done)
