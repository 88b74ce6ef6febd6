"""Reports at scale: the dashboard's queries on 10k, 100k and 1M statistics rows (PostgreSQL).

Creates a scratch database, loads a synthetic de-identified history (1 hub + 13 county
centres, 24 months) in steps, rebuilds the roll-ups, and times each dashboard view (median
of several runs after a warm-up). For contrast it also times the same severity counts as a
plain GROUP BY over the statistics rows, which is what the roll-ups avoid. Results go to
``bench/results/reports-<date>.json``.

    .venv/bin/python bench/reports_scale.py [--url postgresql://postgres@127.0.0.1:5432/test]
                                            [--sizes 10000,100000,1000000] [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

VIEWS = {  # what a social worker opens, as query parameters
    "year_network_all_questionnaires": {"period": "{year}"},
    "quarter_hub_phq9": {"period": "{quarter}", "place": "hub", "instrument": "phq9"},
    "month_county_sector_filter": {"period": "{month}", "place": "county-01",
                                   "sector": "manufacturing"},
}


def _admin_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


def _timed(fn, runs: int) -> float:
    fn()  # warm-up (plans, caches)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return round(statistics.median(times), 2)


def _network(db):
    """1 hub + 13 county centres (the union has 13 county-level unions) and 5 services."""
    from app.booking.models import Centre, Service

    hub = Centre(code="hub", kind="hub", name_zh="市中心", name_en="City hub",
                 region_zh="市区", region_en="City", address_zh="-", address_en="-", phone="-",
                 hours_zh="-", hours_en="-")
    db.session.add(hub)
    for i in range(1, 14):
        db.session.add(Centre(code=f"county-{i:02d}", kind="county", parent=hub,
                              name_zh=f"县中心 {i}", name_en=f"County centre {i}",
                              region_zh="县", region_en=f"County {i}", address_zh="-",
                              address_en="-", phone="-", hours_zh="-", hours_en="-"))
    for code in ("counselling", "group-stress", "relaxation", "assessment", "lecture"):
        db.session.add(Service(code=code, kind="group", name_zh=code, name_en=code,
                               duration_minutes=60, capacity=10))
    db.session.commit()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.reports import history, services
    from app.reports.models import ActivityRollup, ActivityStat, ScreeningRollup
    from app.screening.models import ScreeningStat
    from app.security.keyring import KeyRing
    from config import TestingConfig

    name = f"xq_bench_reports_{uuid.uuid4().hex[:8]}"
    admin = create_engine(_admin_url(args.url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(_admin_url(args.url)).set(database=name).render_as_string(
        hide_password=False)
    results: dict = {"date": datetime.now(UTC).isoformat(timespec="seconds"),
                     "database": "PostgreSQL", "runs_per_timing": args.runs,
                     "centres": 14, "months_of_history": 24, "sizes": []}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            keys = KeyRing.generate().save(Path(tmp) / "keys.json")
            app = create_app(TestingConfig, SQLALCHEMY_DATABASE_URI=url, KEY_FILE=str(keys))
            with app.app_context():
                upgrade(directory=str(ROOT / "migrations"))
                _network(db)
                last = history.months_back(1)[0]  # the last finished month
                year, month = int(last[:4]), int(last[5:])
                quarter = f"{year}-Q{(month - 1) // 3 + 1}"
                for size in sizes:
                    start = time.perf_counter()
                    history.generate(size, months=24)
                    load_s = round(time.perf_counter() - start, 1)
                    db.session.execute(text("ANALYZE"))
                    db.session.commit()
                    count = lambda model: db.session.scalar(  # noqa: E731
                        select(func.count()).select_from(model))
                    entry = {"load_average_1min": round(os.getloadavg()[0], 1),
                             "screening_rows": count(ScreeningStat),
                             "activity_rows": count(ActivityStat),
                             "screening_cells": count(ScreeningRollup),
                             "activity_cells": count(ActivityRollup),
                             "load_seconds": load_s, "views_ms": {}}
                    for view, params in VIEWS.items():
                        query = {k: v.format(year=year, quarter=quarter, month=last)
                                 for k, v in params.items()}
                        with app.test_request_context("/?lang=en"):
                            filters = services.parse_filters(query)
                            start = time.perf_counter()
                            services._build(filters, "en")  # first view pools and keeps
                            entry.setdefault("first_view_ms", {})[view] = round(
                                (time.perf_counter() - start) * 1000, 2)
                            entry["views_ms"][view] = _timed(
                                lambda f=filters: services._build(f, "en"), args.runs)
                    months = list(services.parse_period(str(year)).months)
                    s = ScreeningStat
                    raw = (select(s.instrument, s.month, s.band, func.count())
                           .where(s.month.in_(months))
                           .group_by(s.instrument, s.month, s.band))
                    entry["row_group_by_ms"] = _timed(
                        lambda q=raw: db.session.execute(q).all(), args.runs)
                    results["sizes"].append(entry)
                    print(json.dumps(entry), flush=True)
                db.session.remove()
                db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    first = results["sizes"][0]
    for entry in results["sizes"]:
        rows = entry["screening_rows"] / first["screening_rows"]
        entry["ratio_rows_to_smallest"] = round(rows, 1)
        entry["ratio_views_to_smallest"] = {
            view: round(ms / first["views_ms"][view], 2)
            for view, ms in entry["views_ms"].items()}
        entry["ratio_row_group_by_to_smallest"] = round(
            entry["row_group_by_ms"] / first["row_group_by_ms"], 2)
    out = ROOT / "bench" / "results" / f"reports-{datetime.now(UTC):%Y-%m-%d}.json"
    out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    print(f"written {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
