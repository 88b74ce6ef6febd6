"""The dashboard reuses a built report until the statistics it shows change."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask

from app.extensions import db
from app.reports import dashboard, services, stats
from app.reports.filters import first_open_month, parse_filters


def _last_month() -> str:
    """The latest month reports cover (on the 1st, the month before still has a day's grace)."""
    year, month = (int(part) for part in first_open_month().split("-"))
    year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return f"{year}-{month:02d}"


def test_a_new_statistic_of_the_period_rebuilds_the_report(app: Flask, monkeypatch) -> None:
    built = []
    real = dashboard._build
    monkeypatch.setattr(dashboard, "_build", lambda f, lang: built.append(1) or real(f, lang))
    dashboard._reports.clear()
    filters = parse_filters({"period": _last_month()})
    first = dashboard.cached_build(filters, "en")
    assert dashboard.cached_build(filters, "en") is first
    assert len(built) == 1
    assert dashboard.cached_build(filters, "zh") is not first  # titles are per language
    month = filters.period.months[0]
    year, mon = map(int, month.split("-"))
    stats.record_activity(stats.FLAG, datetime(year, mon, 15, tzinfo=UTC), None)
    db.session.commit()
    assert dashboard.cached_build(filters, "en") is not first
    assert len(built) == 3
    assert services.build_report is dashboard.build_report
