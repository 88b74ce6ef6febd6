"""Writing de-identified statistics: called by the services that own each event.

Every function here runs inside the caller's transaction, so a statistic exists exactly
when the event it counts was committed. Nothing here stores a person, an exact time or an
id that reveals order: months, centres, services and coarse values only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Table

from app.extensions import db
from app.reports.models import NO_CENTRE, ActivityRollup, ActivityStat, ScreeningRollup

# Booking events and risk events; the names are the report's vocabulary.
BOOKED, ATTENDED, CANCELLED, LATE_CANCELLED, NO_SHOW, CENTRE_CANCELLED, WAITLIST = (
    "booked", "attended", "cancelled", "late_cancelled", "no_show", "centre_cancelled",
    "waitlist")
FLAG, CONTACT, RESOLVED = "flag", "contact", "resolved"
BOOKING_EVENTS = (BOOKED, ATTENDED, CANCELLED, LATE_CANCELLED, NO_SHOW, CENTRE_CANCELLED,
                  WAITLIST)
RISK_EVENTS = (FLAG, CONTACT, RESOLVED)
MAX_VALUE = 999  # days or hours above this are counted as this (only the median needs them)

SCREENING_KEYS = ("instrument", "month", "band", "centre_id", "age_band", "sector", "repeat")
ACTIVITY_KEYS = ("month", "centre_id", "service", "event", "value")


def month_of(when: datetime) -> str:
    """The statistics month ("YYYY-MM", UTC, as screening statistics use)."""
    return when.strftime("%Y-%m")


def upsert_counts(table: Table, keys: tuple[str, ...], rows: Iterable[Mapping[str, Any]]) -> None:
    """Add ``n`` to each cell, creating missing cells: one statement per batch."""
    dialect = db.session.get_bind().dialect.name
    insert: Any  # the dialect's own INSERT, which has ON CONFLICT
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    batch: list[Mapping[str, Any]] = []

    def flush() -> None:
        if not batch:
            return
        stmt = insert(table).values(batch)
        stmt = stmt.on_conflict_do_update(index_elements=list(keys),
                                          set_={"n": table.c.n + stmt.excluded.n})
        db.session.execute(stmt)
        batch.clear()

    for row in rows:
        batch.append(row)
        if len(batch) >= 400:
            flush()
    flush()


def record_screening(*, instrument: str, band: str, month: str, centre_id: int | None,
                     age_band: str | None, sector: str | None, repeat: bool) -> None:
    """Count one result in the screening roll-up (the caller adds its ScreeningStat row)."""
    upsert_counts(ScreeningRollup.__table__, SCREENING_KEYS, [dict(
        instrument=instrument, month=month, band=band, centre_id=centre_id or NO_CENTRE,
        age_band=age_band or "", sector=sector or "", repeat=int(bool(repeat)), n=1)])


def record_activity(event: str, when: datetime, centre_id: int | None, service: str = "",
                    value: int = 0) -> None:
    """One booking or risk event: a de-identified row and its roll-up cell, same transaction."""
    value = max(0, min(int(value), MAX_VALUE))
    month = month_of(when)
    centre = centre_id or NO_CENTRE
    db.session.add(ActivityStat(event=event, month=month, centre_id=centre, service=service,
                                value=value))
    upsert_counts(ActivityRollup.__table__, ACTIVITY_KEYS, [dict(
        month=month, centre_id=centre, service=service, event=event, value=value, n=1)])


def record_booking(event: str, session: Any, when: datetime) -> None:
    """A booking event of a session (``booked`` carries whole days until the session)."""
    value = 0
    if event == BOOKED:
        value = max(0, int((session.starts_at - when).total_seconds() // 86400))
    record_activity(event, when, session.centre_id, session.service.code, value)


def hours_between(start: datetime, end: datetime) -> int:
    """Whole hours from ``start`` to ``end`` (never negative)."""
    return max(0, int((end - start).total_seconds() // 3600))


LIBRARY_EVENTS = ("read", "listen")
LIBRARY_KEYS = ("item_uid", "month", "event")


def record_library_use(item_uid: str, event: str, when: datetime) -> None:
    """Count one read of an article or one listen of an audio exercise (item and month only)."""
    from app.reports.models import LibraryUse

    if event not in LIBRARY_EVENTS:
        raise ValueError(event)
    upsert_counts(LibraryUse.__table__, LIBRARY_KEYS,
                  [dict(item_uid=item_uid, month=month_of(when), event=event, n=1)])
