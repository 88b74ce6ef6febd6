"""A synthetic de-identified history for demos and benchmarks, loaded in bulk.

Only statistics rows are made (no people, results or bookings): screening statistics with
plausible band, sector and age distributions, and booking and risk events, spread over
centres and months with a gentle growth trend. The roll-ups are then rebuilt from the rows
with one GROUP BY per table, exactly as ``flask reports rebuild`` does.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator, Sequence
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, literal, select

import assessments
from app import read_only
from app.booking.models import Centre, Service
from app.extensions import db
from app.reports import stats
from app.reports.models import (
    NO_CENTRE,
    ActivityRollup,
    ActivityStat,
    PublishedCell,
    PublishedMonth,
    ScreeningRollup,
)
from app.screening.models import ScreeningStat
from app.types import new_uid

INSTRUMENT_WEIGHTS = {"phq9": 30, "gad7": 25, "who5": 15, "pss10": 12, "k10": 10, "cbi": 8,
                      "phq4": 8, "auditc": 4, "phq15": 4, "interests": 4}
BEST_FIRST = (46, 30, 14, 7, 3)  # share of results per band, from the best band down
AGE_WEIGHTS = {None: 25, "under_25": 12, "25_34": 24, "35_44": 20, "45_54": 13, "55_plus": 6}
SECTOR_WEIGHTS = {None: 25, "manufacturing": 24, "construction": 8, "transport": 10,
                  "services": 12, "public": 8, "office": 7, "agriculture": 4, "other": 2}
SERVICE_WEIGHTS = {"counselling": 40, "group-stress": 20, "relaxation": 15, "assessment": 10,
                   "lecture": 15}
# What becomes of a booking, per hundred.
OUTCOMES = ((stats.ATTENDED, 74), (stats.CANCELLED, 11), (stats.LATE_CANCELLED, 5),
            (stats.NO_SHOW, 8), (None, 2))


def months_back(count: int, today: date | None = None) -> list[str]:
    """The last ``count`` finished (reportable) months, oldest first."""
    from app.reports.services import first_open_month

    if today is None:
        y, m = map(int, first_open_month().split("-"))
    else:
        y, m = today.year, today.month
    y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    out = []
    for _ in range(count):
        out.append(f"{y:04d}-{m:02d}")
        y, m = (y - 1, 12) if m == 1 else (y, m - 1)
    return out[::-1]


def _bands(instrument: assessments.Instrument) -> tuple[list[str], list[int]]:
    codes = [b.code for b in instrument.bands]
    weights = list(BEST_FIRST[:len(codes)])
    if instrument.direction == "higher_is_better":
        weights.reverse()
    return codes, weights


def screening_rows(n: int, centres: Sequence[Centre], months: Sequence[str],
                   rng: random.Random) -> Iterator[tuple]:
    """``n`` rows for ``screening_stats`` (id, instrument, band, month, centre, region, age,
    sector, repeat), later months a little busier than earlier ones."""
    instruments = [assessments.get(code) for code in INSTRUMENT_WEIGHTS]
    bands = {i.code: _bands(i) for i in instruments}
    place = [(c.id, c.region_en) for c in centres] + [(None, None)]
    place_w = [40 if c.kind == "hub" else 20 for c in centres] + [5]
    month_w = [100 + 4 * i for i in range(len(months))]
    inst_codes, inst_w = list(INSTRUMENT_WEIGHTS), list(INSTRUMENT_WEIGHTS.values())
    ages, age_w = list(AGE_WEIGHTS), list(AGE_WEIGHTS.values())
    sectors, sector_w = list(SECTOR_WEIGHTS), list(SECTOR_WEIGHTS.values())
    for _ in range(n):
        code = rng.choices(inst_codes, inst_w)[0]
        codes, weights = bands[code]
        centre, region = rng.choices(place, place_w)[0]
        consented = rng.random() < 0.7  # profile attributes only with consent
        yield (new_uid(), code, rng.choices(codes, weights)[0],
               rng.choices(months, month_w)[0], centre, region,
               rng.choices(ages, age_w)[0] if consented else None,
               rng.choices(sectors, sector_w)[0] if consented else None,
               consented and rng.random() < 0.3)


def activity_rows(n_results: int, centres: Sequence[Centre], services: Sequence[str],
                  months: Sequence[str], rng: random.Random) -> Iterator[tuple]:
    """Booking and risk events in proportion to ``n_results`` screenings."""
    ids = [c.id for c in centres]
    centre_w = [40 if c.kind == "hub" else 20 for c in centres]
    svc_w = [SERVICE_WEIGHTS.get(s, 10) for s in services]
    month_w = [100 + 4 * i for i in range(len(months))]

    def row(event: str, month: str, centre: int, service: str = "", value: int = 0) -> tuple:
        return (new_uid(), event, month, centre, service, value)

    # The safety follow-up (app/reports/risk.py) draws from its own generator, so the
    # events above come out the same as before it existed.
    follow = random.Random(n_results * 7919 + len(ids))  # noqa: S311  (synthetic demo data)

    for _ in range(int(n_results * 0.35)):  # bookings
        month = rng.choices(months, month_w)[0]
        centre = rng.choices(ids, centre_w)[0]
        service = rng.choices(services, svc_w)[0]
        yield row(stats.BOOKED, month, centre, service,
                  min(int(rng.expovariate(1 / 5)) + 1, 30))
        outcome = rng.choices([o for o, _ in OUTCOMES], [w for _, w in OUTCOMES])[0]
        if outcome:
            yield row(outcome, month, centre, service)
        if rng.random() < 0.06:
            yield row(stats.WAITLIST, month, centre, service)
    for _ in range(int(n_results * 0.3 * 0.08)):  # self-harm answers (PHQ-9 item 9)
        month = rng.choices(months, month_w)[0]
        centre = rng.choices([*ids, NO_CENTRE], [*centre_w, 10])[0]
        yield row(stats.FLAG, month, centre)
        if centre != NO_CENTRE and rng.random() < 0.5:
            yield row(stats.CONTACT, month, centre)
            yield from _followup_rows(row, month, centre, follow)
            if rng.random() < 0.92:
                yield row(stats.RESOLVED, month, centre,
                          value=min(int(rng.lognormvariate(2.9, 0.8)), stats.MAX_VALUE))


def _followup_rows(row: Callable[..., tuple], month: str, centre: int,
                   rng: random.Random) -> Iterator[tuple]:
    """An opened risk item and, mostly, its first contact (in quarter hours, by triage)."""
    from app.reports import risk

    triage = rng.choices(("urgent", "high", "standard"), (1, 3, 6))[0]
    yield row(risk.OPENED, month, centre, triage)
    if rng.random() < 0.9:
        target = {"urgent": 4, "high": 36, "standard": 108}[triage]  # opening-time quarters
        value = min(int(rng.lognormvariate(0, 0.8) * target * 0.6), stats.MAX_VALUE)
        yield row(risk.IN_TIME if value <= target else risk.LATE, month, centre, triage, value)


SCREENING_COLUMNS = ("id", "instrument", "band", "month", "centre_id", "region", "age_band",
                     "sector", "repeat")
ACTIVITY_COLUMNS = ("id", "event", "month", "centre_id", "service", "value")


def bulk_insert(table_name: str, columns: Sequence[str], rows: Iterator[tuple]) -> int:
    """Insert many rows fast: COPY on PostgreSQL, batched executemany elsewhere."""
    connection = db.session.connection()
    count = 0
    if connection.dialect.name == "postgresql":
        read_only.mark_written(connection)  # COPY runs on the driver, unseen by SQLAlchemy
        raw: Any = connection.connection.driver_connection
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)
                count += 1
        return count
    table = db.metadata.tables[table_name]
    batch: list[dict] = []
    for row in rows:
        batch.append(dict(zip(columns, row, strict=True)))
        if len(batch) >= 5000:
            connection.execute(insert(table), batch)
            count += len(batch)
            batch.clear()
    if batch:
        connection.execute(insert(table), batch)
        count += len(batch)
    return count


def rebuild_rollups() -> dict[str, int]:
    """Recompute both roll-ups from the statistics rows (one GROUP BY each)."""
    s = ScreeningStat
    db.session.execute(delete(ScreeningRollup))
    centre = func.coalesce(s.centre_id, literal(NO_CENTRE))
    age = func.coalesce(s.age_band, literal(""))
    sector = func.coalesce(s.sector, literal(""))
    from sqlalchemy import case

    repeat = case((s.repeat.is_(True), 1), else_=0)
    db.session.execute(insert(ScreeningRollup).from_select(
        ["instrument", "month", "band", "centre_id", "age_band", "sector", "repeat", "n"],
        select(s.instrument, s.month, s.band, centre, age, sector, repeat, func.count())
        .group_by(s.instrument, s.month, s.band, centre, age, sector, repeat)))
    a = ActivityStat
    db.session.execute(delete(ActivityRollup))
    db.session.execute(delete(PublishedCell))  # kept pooled cubes were built from the old
    db.session.execute(delete(PublishedMonth))
    db.session.execute(insert(ActivityRollup).from_select(
        ["month", "centre_id", "service", "event", "value", "n"],
        select(a.month, a.centre_id, a.service, a.event, a.value, func.count())
        .group_by(a.month, a.centre_id, a.service, a.event, a.value)))
    db.session.commit()
    return {"screening cells": db.session.scalar(select(func.count()).select_from(
        ScreeningRollup)) or 0, "activity cells": db.session.scalar(
        select(func.count()).select_from(ActivityRollup)) or 0}


def generate(target: int, months: int = 24, seed: int = 2026) -> int:
    """Top the statistics up to ``target`` screening rows (idempotent); returns rows added."""
    have = db.session.scalar(select(func.count()).select_from(ScreeningStat)) or 0
    missing = target - have
    if missing <= 0:
        return 0
    rng = random.Random(seed + have)  # noqa: S311  (synthetic demo data, not a secret)
    centres = list(db.session.scalars(select(Centre).order_by(Centre.id)))
    services = list(db.session.scalars(select(Service.code).order_by(Service.id)))
    if not centres or not services:
        return 0
    span = months_back(months)
    bulk_insert("screening_stats", SCREENING_COLUMNS, screening_rows(missing, centres, span,
                                                                     rng))
    bulk_insert("activity_stats", ACTIVITY_COLUMNS, activity_rows(missing, centres, services,
                                                                  span, rng))
    db.session.commit()
    rebuild_rollups()
    return missing
