"""Writing de-identified statistics: called by the services that own each event.

Every function here runs inside the caller's transaction, so a statistic exists exactly
when the event it counts was committed. The one exception is a booking event's roll-up cell
(``rollup_after_commit``): many bookings of one session share that cell, so it is added in a
short transaction of its own right after the booking commits, and the booking's transaction
holds no lock on it (its seat UPDATE stays the last statement). Its ``activity_stats`` row is
still written in the booking's transaction: should the process die between the two commits,
``flask reports rebuild`` recounts the cell from those rows. Nothing here stores a person,
an exact time or an id that reveals order: months, centres, services and coarse values only.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Table, event
from sqlalchemy.orm import Session, SessionTransaction

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


@lru_cache(maxsize=16)
def _upsert(table: Table, keys: tuple[str, ...], dialect: str) -> Any:
    """The add-``n``-or-create statement of a table, built once per process: its values come
    as parameters, so SQLAlchemy compiles it once (a statement with the values inside was
    compiled anew for every result and booking, a quarter of a submission's CPU)."""
    insert: Any  # the dialect's own INSERT, which has ON CONFLICT
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    stmt = insert(table)
    return stmt.on_conflict_do_update(index_elements=list(keys),
                                      set_={"n": table.c.n + stmt.excluded.n})


def upsert_counts(table: Table, keys: tuple[str, ...], rows: Iterable[Mapping[str, Any]],
                  conn: Connection | None = None) -> None:
    """Add ``n`` to each cell, creating missing cells (on ``conn`` when given, else in the
    session's transaction)."""
    stmt = _upsert(table, keys, (conn or db.session.get_bind()).dialect.name)
    # PostgreSQL refuses one INSERT .. ON CONFLICT that touches a cell twice: add up the rows
    # for the same cell first (a closure cancelling many bookings of one session, say).
    cells: dict[tuple[Any, ...], dict[str, Any]] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key in cells:
            cells[key]["n"] += row["n"]
        else:
            cells[key] = dict(row)
    batch = list(cells.values())
    for start in range(0, len(batch), 400):
        part = batch[start:start + 400]
        params = part[0] if len(part) == 1 else part
        if conn is not None:
            conn.execute(stmt, params)
        else:
            db.session.execute(stmt, params)


def record_screening(*, instrument: str, band: str, month: str, centre_id: int | None,
                     age_band: str | None, sector: str | None, repeat: bool,
                     conn: Connection | None = None) -> None:
    """Count one result in the screening roll-up (the caller adds its ScreeningStat row; on
    ``conn``, the caller's transaction's connection, when given)."""
    upsert_counts(ScreeningRollup.__table__, SCREENING_KEYS, [dict(
        instrument=instrument, month=month, band=band, centre_id=centre_id or NO_CENTRE,
        age_band=age_band or "", sector=sector or "", repeat=int(bool(repeat)), n=1)], conn)


def record_activity(event: str, when: datetime, centre_id: int | None, service: str = "",
                    value: int = 0, *, rollup_after_commit: bool = False,
                    mode: str = "") -> None:
    """One booking or risk event: a de-identified row and its roll-up cell, same transaction
    (the cell right after the commit with ``rollup_after_commit``; see the module). A
    booking event's row also carries its session's mode (the access-per-mode report)."""
    value = max(0, min(int(value), MAX_VALUE))
    month = month_of(when)
    centre = centre_id or NO_CENTRE
    db.session.execute(_ACTIVITY_ROW, dict(
        event=event, month=month, centre_id=centre, service=service, value=value, mode=mode))
    cell = dict(month=month, centre_id=centre, service=service, event=event, value=value, n=1)
    if rollup_after_commit:
        db.session.info.setdefault(_PENDING, []).append(cell)
    else:
        upsert_counts(ActivityRollup.__table__, ACTIVITY_KEYS, [cell])


def record_booking(event: str, session: Any, when: datetime) -> None:
    """A booking event of a session (``booked`` carries whole days until the session); its
    roll-up cell is counted after the commit."""
    value = 0
    if event == BOOKED:
        value = max(0, int((session.starts_at - when).total_seconds() // 86400))
    record_activity(event, when, session.centre_id, session.service.code, value,
                    rollup_after_commit=True, mode=session.meeting_mode)


_PENDING = "xq_rollups_after_commit"
# One INSERT statement for every event row (its values passed when it runs, so it is
# built and compiled once; the row's random key is the column's default).
_ACTIVITY_ROW = ActivityStat.__table__.insert()


@event.listens_for(Session, "after_commit")
def _count_after_commit(session: Session) -> None:
    """The committed transaction's deferred roll-up cells, in one short transaction."""
    if session.in_nested_transaction():  # a released SAVEPOINT: the outer one still runs
        return
    cells = session.info.pop(_PENDING, None)
    if cells:
        with session.get_bind().engine.begin() as conn:
            upsert_counts(ActivityRollup.__table__, ACTIVITY_KEYS, cells, conn)


@event.listens_for(Session, "after_transaction_end")
def _forget_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    """A rolled-back transaction's cells are never counted."""
    if transaction.parent is None:
        session.info.pop(_PENDING, None)


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
