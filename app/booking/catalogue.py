"""Centres and services as other packages see them, cached per process.

The network changes a few times a year (an admin edits a centre or a service) but every
page shows it, so loading it through the ORM on each request was the largest part of the
home page. Each process keeps one frozen snapshot and each request checks one small row:
``catalogue_changes`` gains a row, with a random token, whenever a flush writes a centre or
a service (``_note_change``, whatever the code path: admin, seed, tests), and the snapshot
is rebuilt when the newest row differs from the one it was built at. The token, not only
the id, keys the snapshot, so ids that restart (an emptied table) cannot bring back a
stale network.

Reading that row was still 13 % of the home page's CPU, so a process reads it at most every
``CATALOGUE_RECHECK_SECONDS`` (default 2): another process's edit (an admin on another
worker, ``flask seed``) shows within that many seconds. A process that writes the catalogue
itself reads the row again right after its commit or rollback (``_after_end``), so the admin
who saved a centre, and anyone served by the same process, sees it on the next page.
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TypeVar

from flask import current_app, g, has_app_context
from sqlalchemy import event, insert, select
from sqlalchemy.orm import Session, selectinload

from app.booking.models import CatalogueChange, Centre, Service
from app.extensions import db
from app.types import utcnow

_T = TypeVar("_T")


def _localised(entry: object, field: str, locale: str) -> str:
    return getattr(entry, f"{field}_{'en' if locale.startswith('en') else 'zh'}")


@dataclass(frozen=True)
class ServiceEntry:
    """A service's columns, read-only (``Service`` without the session)."""

    id: int
    code: str
    kind: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    duration_minutes: int
    capacity: int
    requires_confirmation: bool
    cancellation_window_hours: int
    min_notice_hours: int
    horizon_days: int
    buffer_minutes: int
    active: bool
    mode: str = "in_person"  # in_person, phone or video

    def localised(self, field: str, locale: str) -> str:
        """``name`` or ``description`` in the reader's language."""
        return _localised(self, field, locale)


@dataclass(frozen=True)
class CentreEntry:
    """A centre's columns and the services it offers, read-only."""

    id: int
    code: str
    kind: str
    parent_id: int | None
    name_zh: str
    name_en: str
    region_zh: str
    region_en: str
    address_zh: str
    address_en: str
    phone: str
    hours_zh: str
    hours_en: str
    directions_zh: str
    directions_en: str
    active: bool
    services: tuple[ServiceEntry, ...]

    def localised(self, field: str, locale: str) -> str:
        """``name``, ``address``... in the reader's language (Chinese unless English)."""
        return _localised(self, field, locale)


@dataclass(frozen=True)
class Catalogue:
    """Every centre (hub first) and service, and the open ones."""

    centres: tuple[CentreEntry, ...]
    services: tuple[ServiceEntry, ...]
    key: tuple[int, str] | None = None  # the newest catalogue change it was built at

    @property
    def active_centres(self) -> tuple[CentreEntry, ...]:
        return tuple(c for c in self.centres if c.active)

    @property
    def active_services(self) -> tuple[ServiceEntry, ...]:
        return tuple(s for s in self.services if s.active)

    def centre(self, centre_id: int | None) -> CentreEntry | None:
        return next((c for c in self.centres if c.id == centre_id), None)

    def service(self, service_id: int | None) -> ServiceEntry | None:
        return next((s for s in self.services if s.id == service_id), None)


def _copy(cls: type[_T], row: object, **extra: object) -> _T:
    return cls(**{f.name: extra[f.name] if f.name in extra else getattr(row, f.name)
                  for f in fields(cls)})  # type: ignore[arg-type]


def _build(key: tuple[int, str] | None) -> Catalogue:
    services = db.session.scalars(select(Service).order_by(Service.id)).all()
    entries = {s.id: _copy(ServiceEntry, s) for s in services}
    centres = db.session.scalars(
        select(Centre).options(selectinload(Centre.services))
        .order_by(Centre.parent_id.is_not(None), Centre.id)).all()
    return Catalogue(
        centres=tuple(_copy(CentreEntry, c, services=tuple(entries[s.id] for s in c.services))
                      for c in centres),
        services=tuple(entries.values()),
        key=key,
    )


_lock = threading.Lock()
_cached: tuple[tuple[int, str] | None, Catalogue] | None = None
_clock = time.monotonic
_checked_at = -math.inf  # when this process last read the newest catalogue change
WROTE = "xq_catalogue_written"  # Session.info flag: this transaction wrote the catalogue


def _recheck_seconds() -> float:
    return float(current_app.config.get("CATALOGUE_RECHECK_SECONDS", 0)) \
        if has_app_context() else 0.0


def current() -> Catalogue:
    """The catalogue as of this request: the newest change is read at most every
    ``CATALOGUE_RECHECK_SECONDS`` per process (one indexed row), and always in a transaction
    that wrote the catalogue (it sees its own change) and after its end."""
    global _cached, _checked_at
    if has_app_context() and "xq_catalogue" in g:
        return g.xq_catalogue
    cached = _cached
    now = _clock()
    if (cached is not None and now - _checked_at < _recheck_seconds()
            and not _written_here()):
        catalogue = cached[1]
    else:
        newest = db.session.execute(
            select(CatalogueChange.id, CatalogueChange.token)
            .order_by(CatalogueChange.id.desc()).limit(1)).first()
        key = (newest.id, newest.token) if newest is not None else None
        if cached is not None and cached[0] == key:
            catalogue = cached[1]
        else:
            catalogue = _build(key)
            with _lock:
                _cached = (key, catalogue)
        _checked_at = now
    if has_app_context():
        g.xq_catalogue = catalogue
    return catalogue


def _written_here() -> bool:
    """Whether this request's transaction wrote the catalogue. With no ORM session in this
    scope nothing was written; asking ``db.session.info`` would make one (and the teardown
    then close it) on a cached page that needs nothing else from the database
    (bench/README.md, Issue 21 step 14c)."""
    return db.session.registry.has() and bool(db.session.info.get(WROTE))


def version() -> tuple[int, str] | None:
    """The newest catalogue change this request sees (a cache key for pages showing it)."""
    return current().key


def forget() -> None:
    """Drop this request's copy (after this request itself changed the network)."""
    if has_app_context():
        g.pop("xq_catalogue", None)


def recheck() -> None:
    """Read the newest change on the next call (after a write this process did not flush,
    e.g. tests emptying the tables)."""
    global _checked_at
    _checked_at = -math.inf


def active_centres() -> Sequence[CentreEntry]:
    """Open centres, the city hub first."""
    return current().active_centres


def active_services() -> Sequence[ServiceEntry]:
    """Services offered somewhere in the network."""
    return current().active_services


@event.listens_for(Session, "before_flush")
def _note_change(session: Session, flush_context: object, instances: object) -> None:
    """A flush that writes a centre or a service adds a version row in its transaction."""
    touched = [o for o in (*session.new, *session.deleted) if isinstance(o, Centre | Service)]
    touched += [o for o in session.dirty if isinstance(o, Centre | Service)
                and session.is_modified(o)]
    if touched:
        session.execute(insert(CatalogueChange).values(token=secrets.token_hex(16),
                                                       at=utcnow()))
        session.info[WROTE] = True
        forget()


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _after_end(session: Session, *args: object) -> None:
    """A transaction that wrote the catalogue ended: read the version again next time, so
    this process shows its own change (or forgets one rolled back) at once."""
    if session.info.pop(WROTE, False):
        recheck()
        forget()
