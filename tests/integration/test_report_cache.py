"""The dashboard reuses a built report until the statistics it shows change."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

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



def test_a_statistic_written_while_the_report_is_built_is_not_hidden(
        app: Flask, monkeypatch) -> None:
    """A report built from the older numbers is not kept under the newer fingerprint."""
    dashboard._reports.clear()
    filters = parse_filters({"period": _last_month()})
    year, mon = map(int, filters.period.months[0].split("-"))
    real = dashboard._build

    def racing(f, lang):
        report = real(f, lang)
        stats.record_activity(stats.FLAG, datetime(year, mon, 15, tzinfo=UTC), None)
        db.session.commit()  # another request's statistic, committed meanwhile
        return report

    monkeypatch.setattr(dashboard, "_build", racing)
    first = dashboard.cached_build(filters, "en")
    monkeypatch.setattr(dashboard, "_build", real)
    assert dashboard.cached_build(filters, "en") is not first

# -- the page: the risk follow-up tables and the rendered report part are kept with the report --
def _part(page: str) -> str:
    """The report's part of a dashboard page (the menu's form tokens differ per request)."""
    return page[page.index('class="report-actions"'):page.index("</main>")]


def _followup_world(make_user):
    """Dehua and Anxi, each with risk items opened in September 2026 (at least k)."""
    from app.accounts.models import Role
    from tests.integration.screening_helpers import make_centre
    from tests.integration.test_reports_risk import one_service, opened

    counsellor = make_user(Role.COUNSELLOR)
    centres = {code: make_centre(code, counsellor) for code in ("dehua", "anxi")}
    for day in range(6):
        opened(centres["dehua"], counsellor, after=None, day=day)
    for day in range(5):
        opened(centres["anxi"], counsellor, after=None, day=day)
    one_service()
    return counsellor, centres


def test_a_new_risk_item_of_the_period_shows_on_the_next_view(
        app: Flask, client, signed_in, make_user, social_worker) -> None:
    from tests.helpers import text
    from tests.integration.test_reports_risk import opened, row

    counsellor, centres = _followup_world(make_user)
    signed_in(social_worker)
    url, en = "/reports/?period=2026-09&place=dehua", {"Accept-Language": "en"}
    page = text(client.get(url, headers=en))
    assert row(page, "risk-followup-month", "2026-09")[0] == "6"
    assert _part(text(client.get(url, headers=en))) == _part(page)  # nothing new: the same
    opened(centres["dehua"], counsellor, after=None, day=10)
    page = text(client.get(url, headers=en))
    assert row(page, "risk-followup-month", "2026-09")[0] == "7"


def test_the_report_part_follows_the_language(app: Flask, client, signed_in, make_user,
                                              social_worker) -> None:
    from tests.helpers import text

    _followup_world(make_user)
    signed_in(social_worker)
    url = "/reports/?period=2026-09"
    english = text(client.get(url, headers={"Accept-Language": "en"}))
    chinese = text(client.get(url, headers={"Accept-Language": "zh-CN"}))
    assert "Safety follow-up by month" in english
    assert 'data-section="risk-followup-month"' in chinese
    assert "Safety follow-up by month" not in chinese
    assert "dehua 中心" in chinese
    assert "dehua centre" not in chinese


def test_a_county_reader_never_sees_the_network_readers_report(
        app: Flask, client, signed_in, make_user, social_worker) -> None:
    from app.accounts.models import Role
    from tests.helpers import sign_in, text
    from tests.integration.test_reports_risk import row
    from tests.integration.test_scoped_roles import held_at

    _, centres = _followup_world(make_user)
    county = held_at(make_user(Role.SOCIAL_WORKER), centres["anxi"])
    en = {"Accept-Language": "en"}
    signed_in(social_worker)
    network = text(client.get("/reports/?period=2026-09", headers=en))
    assert row(network, "risk-followup-month", "2026-09")[0] == "11"
    assert "dehua centre" in network
    other = app.test_client()
    assert sign_in(other, county.email).status_code == 303
    own = text(other.get("/reports/?period=2026-09", headers=en))
    assert row(own, "risk-followup-month", "2026-09")[0] == "5"
    assert "dehua centre" not in own
    assert _part(text(client.get("/reports/?period=2026-09", headers=en))) == _part(network)


def test_the_filter_form_follows_the_network_and_the_language(
        app: Flask, client, signed_in, make_user, social_worker) -> None:
    from tests.helpers import text
    from tests.integration.screening_helpers import make_centre

    _followup_world(make_user)
    signed_in(social_worker)
    url, en = "/reports/?period=2026-09", {"Accept-Language": "en"}
    form = text(client.get(url, headers=en))
    assert '<option value="dehua" >dehua centre</option>' in form
    assert "yongchun" not in form
    make_centre("yongchun")  # a new county centre: the place list offers it at once
    assert '<option value="yongchun" >yongchun centre</option>' in text(client.get(url, headers=en))
    chinese = text(client.get(url, headers={"Accept-Language": "zh-CN"}))
    assert '<option value="yongchun" >yongchun 中心</option>' in chinese


def test_views_within_the_fresh_window_skip_the_fingerprint_then_see_a_late_record(
        app: Flask, monkeypatch) -> None:
    """``REPORT_FRESH_SECONDS``: a repeat view reads nothing of the statistics; a late record
    shows once the window has passed, never later."""
    from tests.integration.test_query_budget import counted

    monkeypatch.setitem(app.config, "REPORT_FRESH_SECONDS", 5)
    dashboard._reports.clear()
    app.extensions.pop("xinqing.report_inputs", None)
    clock = [1000.0]
    monkeypatch.setattr(dashboard, "time", SimpleNamespace(monotonic=lambda: clock[0]),
                        raising=False)
    filters = parse_filters({"period": _last_month()})
    first = dashboard.cached_build(filters, "en")
    with counted() as statements:
        assert dashboard.cached_build(filters, "en") is first
    assert statements == []
    year, mon = map(int, filters.period.months[0].split("-"))
    stats.record_activity(stats.FLAG, datetime(year, mon, 15, tzinfo=UTC), None)
    db.session.commit()
    clock[0] += 4.9
    assert dashboard.cached_build(filters, "en") is first  # within the window: the kept one
    clock[0] += 0.2
    assert dashboard.cached_build(filters, "en") is not first  # the late record counts now
