"""What the session list shows, known from one small statement instead of the rule (issue 21).

The list's body is kept per process under everything it prints (views.browse), but finding
those values meant running the bookable rule (bookable.py) three times per view. ``mark(now)``
is a value that changes whenever the rule could answer differently, for any filter or day,
so an unchanged mark (with the same day, language and catalogue) serves the kept body, or an
anonymous visitor's whole page, without the rule. It is made of:

- **the rows the rule reads**, serialised by the database into one string per table: every
  scheduled session starting after ``now`` within the widest horizon or carrying an event
  (seats, capacity, times, service, centre, counsellor, registration window), and the
  closures and leave not yet over; on PostgreSQL each row as its id and ``xmin`` (see
  ``_state``). The rows' own state, not a newest stamp: a newest ``updated_at`` or id can
  miss a change whose transaction stamped earlier but committed later, and a version kept by
  the booking's statements would add work (or a hot row) to every booking. Nothing here is
  written on the booking path.
- **where each of those sessions stands against the moments the rule compares with now**:
  inside its service's notice and horizon (the rule's own clause, ``service_windows``),
  inside its event's registration, within the caller's look-ahead (the list opens on the
  first day with something within 13 days). A flag flips exactly when time carries a session
  across, so a kept body never shows a session past its notice, nor hides one that just came
  within reach; between flips the mark, and the kept body, stay.
- **the newest catalogue change**, so a centre or service switched off shows at once.

Centres' and services' names and windows come from the catalogue's copy, whose version the
caller keys on. Keep ``_statement`` in step with ``bookable._open_at``: a new input
of the rule is a new part here. A kept body must be drawn in the snapshot its mark was read
in (``app.extensions.read_in_one_snapshot``), or a change made while it was drawn could come
back under an older mark (a closure added and removed again, a seat taken and given back on
SQLite, where the mark holds values).
"""

from __future__ import annotations

import hashlib
from collections.abc import Hashable
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Select,
    String,
    Table,
    bindparam,
    cast,
    func,
    literal_column,
    or_,
    select,
)

from app.booking import bookable
from app.booking.models import (
    AvailabilityException,
    CatalogueChange,
    CentreClosure,
    Event,
    Session,
    SessionStatus,
)
from app.extensions import db

_S, _E = Session.__table__, Event.__table__
_C, _L = CentreClosure.__table__, AvailabilityException.__table__
_MOMENT = Session.starts_at.type
_EMPTY, _COMMA = literal_column("''", String), literal_column("','", String)
_SCHEDULED: ColumnElement[str] = literal_column(f"'{SessionStatus.SCHEDULED.value}'")


def _as_text(*columns: ColumnElement) -> ColumnElement[str]:
    """The columns as one comma-separated text (NULL as empty; constants written inline, so
    that the statement stays short enough for psycopg to cache its conversion)."""
    joined: ColumnElement[str] | None = None
    for column in columns:
        part = func.coalesce(cast(column, String), _EMPTY)
        joined = part if joined is None else joined + _COMMA + part
    assert joined is not None
    return joined



def _state(postgres: bool, table: Table, *values: ColumnElement) -> tuple[ColumnElement, ...]:
    """What tells a row's state: on PostgreSQL its id and ``xmin`` (the id of the transaction
    that wrote this version of it: new with every update, and never an earlier one's, so a
    booking cancelled again does not look like the state before it), which also costs the
    server much less than formatting four moments per row; elsewhere the id and values."""
    if postgres:
        return table.c.id, literal_column(f"{table.name}.xmin")
    return table.c.id, *values


def _joined(rows: Select) -> ColumnElement[str]:
    """The rows' texts in one string, in the rows' order (empty when there are none)."""
    sub = rows.subquery()
    return select(func.coalesce(func.aggregate_strings(sub.c.row, ";"), _EMPTY)
                  ).scalar_subquery()


def _moment(name: str) -> BindParameter:
    return bindparam(name, type_=_MOMENT)


def _window(notice: int, horizon: int) -> tuple[BindParameter, BindParameter]:
    """A service's window as parameters, one per distinct notice and horizon."""
    return _moment(f"mark_n{notice}"), _moment(f"mark_h{horizon}")


@lru_cache(maxsize=8)
def _statement(windows: tuple[tuple[int, int, int], ...], postgres: bool) -> Select:
    """The mark's one statement for the catalogue's service ``windows`` (moments as
    parameters: the same text on every view, so psycopg and PostgreSQL prepare it)."""
    now = _moment("mark_now")
    # Where a session stands against the moments the rule compares with now: inside its
    # service's window (the rule's own clause), inside its event's registration, within
    # the caller's look-ahead. A flag flips exactly when time carries it across.
    flags = (bookable.service_windows(_window, windows, False),
             bookable.registration_open_at(now), _S.c.starts_at < _moment("mark_ahead"))
    sessions = (select(_as_text(*_state(postgres, _S, _S.c.booked, _S.c.capacity,
                                        _S.c.starts_at, _S.c.ends_at, _S.c.service_id,
                                        _S.c.centre_id, _S.c.counsellor_id),
                                *_state(postgres, _E, _E.c.registration_opens_at,
                                        _E.c.registration_closes_at), *flags).label("row"))
                .select_from(_S.outerjoin(_E, _E.c.session_id == _S.c.id))
                .where(_S.c.status == _SCHEDULED, _S.c.starts_at > now,
                       or_(_S.c.starts_at <= _moment("mark_reach"), _E.c.id.is_not(None)))
                .order_by(_S.c.starts_at, _S.c.id))
    closures = (select(_as_text(*_state(postgres, _C, _C.c.centre_id, _C.c.starts_at,
                                        _C.c.ends_at)).label("row"))
                .where(_C.c.ends_at > now).order_by(_C.c.id))
    leave = (select(_as_text(*_state(postgres, _L, _L.c.counsellor_id, _L.c.starts_at,
                                     _L.c.ends_at)).label("row"))
             .where(_L.c.kind == literal_column("'leave'"), _L.c.ends_at > now)
             .order_by(_L.c.id))
    # The newest catalogue change: a centre or service switched off shows at once (the
    # catalogue's own copy, whose version the caller keys on, follows within its recheck).
    newest = select(func.max(CatalogueChange.id)).scalar_subquery()
    return select(_joined(sessions), _joined(closures), _joined(leave), newest)



def mark(now: datetime, ahead: timedelta) -> tuple[Hashable, ...]:
    """A value that differs whenever the bookable rule could answer differently at ``now``
    than at the moment another reading of the same value was taken (see the module), or a
    scheduled session crossed the caller's own look-ahead (``now + ahead``)."""
    windows = bookable.window_rows(None)
    params: dict[str, object] = {
        "mark_now": now, "mark_ahead": now + ahead,
        "mark_reach": now + timedelta(days=max((h for _, _, h in windows), default=0))}
    for _, notice, horizon in windows:
        params[f"mark_n{notice}"], params[f"mark_h{horizon}"] = bookable.window_bounds(
            now, notice, horizon)
    sessions, closures, leave, newest = db.session.execute(
        _statement(windows, db.session.get_bind().dialect.name == "postgresql"), params).one()
    rows = "\n".join((sessions, closures, leave)).encode()
    return hashlib.blake2b(rows, digest_size=16).digest(), newest
