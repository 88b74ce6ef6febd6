"""The pooled cubes every report number is summed from (pooling runs in the database).

Screening counts come from the kept pooled cells of finished months, activity counts are
pooled per month on the fly; ``*_present`` tell which view cells hold anyone at all, so
disclosure can mark a cell whose people were pooled away instead of printing 0.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import String, and_, case, cast, func, literal, select

import assessments
from app.extensions import db
from app.reports import disclosure, stats
from app.reports.disclosure import UNKNOWN
from app.reports.filters import ReportError, first_open_month
from app.reports.models import (
    NO_CENTRE,
    ActivityRollup,
    PublishedCell,
    PublishedMonth,
    ScreeningRollup,
)

SERVICE_COLUMNS = (stats.BOOKED, stats.ATTENDED, stats.CANCELLED, stats.LATE_CANCELLED,
                   stats.NO_SHOW, stats.WAITLIST)
RISK_COLUMNS = (stats.FLAG, stats.CONTACT, stats.RESOLVED)


SCREENING_KEYS = ("instrument", "month", "cls", "centre_id", "age_band", "sector")
# One attribute at a time, coarsest first: a small cell loses its age band, then its
# sector, and only then its centre (see disclosure, rule 1).
SCREENING_STAGES = ({"age_band": UNKNOWN}, {"sector": UNKNOWN}, {"centre_id": NO_CENTRE})


def current_band() -> Any:
    """The stored band as the questionnaire names it today: a retired code (e.g. CBI's
    "severe", merged into "high") counts under its successor, so old rows and new ones
    share one column and are pooled together."""
    r = ScreeningRollup
    renames = [(and_(r.instrument == i.code, r.band == old), literal(new))
               for i in assessments.instruments() for old, new in i.retired_bands]
    return case(*renames, else_=r.band) if renames else r.band


def pooled_screening(instruments: Iterable[str], months: Iterable[str], k: int,
                     by: str = "band") -> Any:
    """The pooled screening cube (a subquery) by band or by first/repeat (``cls``)."""
    r = ScreeningRollup
    cls = current_band() if by == "band" else cast(r.repeat, String(30))
    fine = (select(r.instrument, r.month, cls.label("cls"), r.centre_id, r.age_band,
                   r.sector, func.sum(r.n).label("n"))
            .where(r.instrument.in_(list(instruments)), r.month.in_(list(months)))
            .group_by(r.instrument, r.month, cls, r.centre_id, r.age_band, r.sector))
    return disclosure.pooled_cells_sql(fine, SCREENING_KEYS, SCREENING_STAGES, k)



def ensure_published(months: list[str], k: int, by: str) -> None:
    """Pool each finished month once and keep its cube (concurrent callers are safe)."""
    if not months:
        return
    have = set(db.session.scalars(select(PublishedMonth.month).where(
        PublishedMonth.k == k, PublishedMonth.kind == by, PublishedMonth.month.in_(months))))
    missing = [m for m in months if m not in have]
    if not missing:
        return
    insert: Any  # the dialect's own INSERT, which has ON CONFLICT
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    claimed = list(db.session.scalars(
        insert(PublishedMonth).values([dict(k=k, kind=by, month=m) for m in missing])
        .on_conflict_do_nothing().returning(PublishedMonth.month)))
    if claimed:
        pooled = pooled_screening([i.code for i in assessments.instruments()], claimed, k, by)
        db.session.execute(insert(PublishedCell).from_select(
            ["k", "kind", *SCREENING_KEYS, "n"],
            select(literal(k), literal(by), *[pooled.c[c] for c in SCREENING_KEYS],
                   pooled.c.n)))
    db.session.commit()


def published_screening(instruments: Iterable[str], months: Iterable[str], k: int,
                        by: str) -> Any:
    """Kept pooled cells of these finished months (pooled on first use)."""
    instruments, months = list(instruments), list(months)
    opened = first_open_month()
    if any(m >= opened for m in months):  # parse_period never lets this through
        raise ReportError(_l("Reports cover finished months only: choose an earlier period."))
    ensure_published(months, k, by)
    p = PublishedCell
    return select(*[p.__table__.c[c] for c in SCREENING_KEYS], p.n).where(
        p.k == k, p.kind == by, p.instrument.in_(instruments), p.month.in_(months)).subquery()


def screening_counts(instruments: Iterable[str], months: Iterable[str], k: int, by: str,
                     ids: set[int] | None, sector: str = "", age_band: str = "",
                     group: Iterable[str] = ("instrument", "month", "cls")) -> dict[tuple, int]:
    """Published counts from the pooled cube, filtered by place, sector and age band."""
    pooled = published_screening(instruments, months, k, by)
    columns = [pooled.c[name] for name in group]
    query = select(*columns, func.sum(pooled.c.n)).group_by(*columns)
    if ids is not None:
        query = query.where(pooled.c.centre_id.in_(sorted(ids)))
    if sector:
        query = query.where(pooled.c.sector == sector)
    if age_band:
        query = query.where(pooled.c.age_band == age_band)
    return {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(query)}


ACTIVITY_KEYS = ("month", "service", "event", "centre_id")
# A small cell loses its service before its centre, so a centre's no-shows stay its own.
ACTIVITY_STAGES = ({"service": disclosure.ANY_SERVICE}, {"centre_id": NO_CENTRE})


def activity_cube(months: Iterable[str], events: Iterable[str], k: int,
                  group: tuple[str, ...] = ("service", "event", "centre_id"),
                  ) -> tuple[dict[tuple, int], dict[tuple, dict[int, int]]]:
    """Pooled activity counts summed over the period by ``group`` (pooling is per month,
    in the database), and the value histograms (service, event, centre) -> {value: n}
    behind the medians."""
    a = ActivityRollup
    months, events = list(months), list(events)
    fine = (select(a.month, a.service, a.event, a.centre_id, func.sum(a.n).label("n"))
            .where(a.month.in_(months), a.event.in_(events))
            .group_by(a.month, a.service, a.event, a.centre_id))
    pooled = disclosure.pooled_cells_sql(fine, ACTIVITY_KEYS, ACTIVITY_STAGES, k)
    columns = [pooled.c[name] for name in group]
    counts = {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(
        select(*columns, func.sum(pooled.c.n)).group_by(*columns))}
    histograms: dict[tuple, dict[int, int]] = defaultdict(dict)
    for service, event, centre, value, n in db.session.execute(
            select(a.service, a.event, a.centre_id, a.value, func.sum(a.n))
            .where(a.month.in_(months), a.event.in_([stats.BOOKED, stats.RESOLVED]))
            .group_by(a.service, a.event, a.centre_id, a.value)):
        histograms[(service, event, centre)][value] = int(n)
    return counts, histograms


def screening_present(instruments: Iterable[str], months: Iterable[str], by: str,
                      ids: set[int] | None, sector: str = "", age_band: str = "",
                      group: Iterable[str] = ("instrument", "month", "cls")
                      ) -> dict[tuple, int]:
    """True counts before pooling, for the same view as ``screening_counts``.

    Only disclosure reads these, to tell "nobody" from "pooled away"; never publish them.
    """
    r = ScreeningRollup
    column_of = {"instrument": r.instrument, "month": r.month, "centre_id": r.centre_id,
                 "age_band": r.age_band, "sector": r.sector,
                 "cls": current_band() if by == "band" else cast(r.repeat, String(30))}
    columns = [column_of[name] for name in group]
    query = (select(*columns, func.sum(r.n))
             .where(r.instrument.in_(list(instruments)), r.month.in_(list(months)))
             .group_by(*columns))
    if ids is not None:
        query = query.where(r.centre_id.in_(sorted(ids)))
    if sector:
        query = query.where(r.sector == sector)
    if age_band:
        query = query.where(r.age_band == age_band)
    rows: Any = db.session.execute(query)  # (dims..., sum) rows of mixed types
    return {tuple(row[:-1]): int(row[-1]) for row in rows}


def activity_present(months: Iterable[str], events: Iterable[str],
                     group: tuple[str, ...] = ("service", "event", "centre_id"),
                     ) -> dict[tuple, int]:
    """True activity counts before pooling (for disclosure's "no false zero" only)."""
    a = ActivityRollup
    columns = [getattr(a, name) for name in group]
    return {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(
        select(*columns, func.sum(a.n))
        .where(a.month.in_(list(months)), a.event.in_(list(events))).group_by(*columns))}


def _in_place(centre_id: int, ids: set[int] | None) -> bool:
    return ids is None or centre_id in ids
