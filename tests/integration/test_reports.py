"""The social worker's dashboard, CSV download and ``flask reports export``."""

from __future__ import annotations

import csv
import io
import json
import random
import re
from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

import assessments
from app.audit.models import AuditEvent
from app.booking.models import Centre, Service
from app.extensions import db
from app.reports import disclosure, history, services, stats
from app.reports.models import ScreeningRollup
from app.types import utcnow
from tests.helpers import text
from tests.unit.test_report_disclosure import solvable_cells

K = 5
COUNT_CELL = re.compile(r'<td class="num">(\d+)</td>')
SECTIONS = ("severity-phq9", "severity-gad7", "severity-who5", "severity-pss10",
            "severity-k10", "severity-cbi", "severity-phq4", "severity-auditc", "severity-phq15",
            "severity-interests", "volume", "services", "centres", "risk")


def _centre(code: str, kind: str, parent: Centre | None = None, name: str | None = None):
    centre = Centre(code=code, kind=kind, parent=parent, name_zh=f"{code} 中心",
                    name_en=name or f"{code} centre", region_zh="区", region_en="Region",
                    address_zh="地址", address_en="Address", phone="0595-1",
                    hours_zh="9-17", hours_en="9-17")
    db.session.add(centre)
    return centre


@pytest.fixture
def network(app):
    """A hub, two county centres, five services and a month of synthetic history."""
    hub = _centre("qz-hub", "hub")
    dehua = _centre("dehua", "county", hub)
    _centre("anxi", "county", hub, name="=HYPERLINK(\"http://x\")")  # a hostile name
    for code in ("counselling", "group-stress", "relaxation", "assessment", "lecture"):
        db.session.add(Service(code=code, kind="group", name_zh=code, name_en=code,
                               duration_minutes=60, capacity=10))
    db.session.commit()
    history.generate(6000, months=1)
    return {"hub": hub, "dehua": dehua, "month": history.months_back(1)[0]}


def counts_on(page: str) -> list[int]:
    """Every published count in the page's tables (not medians)."""
    return [int(v) for v in COUNT_CELL.findall(page)]


def test_social_worker_sees_every_section_with_numbers_and_charts(network, social_worker,
                                                                  signed_in):
    client = signed_in(social_worker)
    home = text(client.get("/?lang=en"))
    assert 'href="/reports/"' in home  # in the navigation
    page = text(client.get(f"/reports/?period={network['month']}"))
    for key in SECTIONS:
        block = page.split(f'data-section="{key}"')[1].split("</section>")[0]
        assert "<table" in block, key
        assert 'data-notice="below-k"' not in block, key
    assert page.count("<svg") >= 8  # severity per questionnaire, volume, service use
    numbers = counts_on(page)
    assert sum(numbers) > 6000
    assert max(numbers) > 100
    assert not [n for n in numbers if 0 < n < K]
    assert "Median days from request to session" in text(
        client.get(f"/reports/?period={network['month']}&lang=en"))


def test_filters_change_the_numbers_and_never_show_a_small_count(network, social_worker,
                                                                 signed_in):
    client = signed_in(social_worker)
    month = network["month"]
    everything = counts_on(text(client.get(f"/reports/?period={month}")))
    for query in ("place=dehua", "place=hub&sector=manufacturing", "instrument=phq9&age_band=25_34",
                  "place=anxi&sector=agriculture&age_band=55_plus"):
        response = client.get(f"/reports/?period={month}&{query}")
        assert response.status_code == 200
        numbers = counts_on(text(response))
        assert not [n for n in numbers if 0 < n < K], query
        assert numbers != everything


def test_a_view_below_k_shows_a_notice_instead(network, social_worker, signed_in):
    """Three results in an otherwise empty month: not the number 3, not a table, a notice."""
    month = f"{utcnow().year - 1}-06"
    for _ in range(3):
        stats.record_screening(instrument="phq9", band="severe", month=month,
                               centre_id=network["dehua"].id, age_band="25_34",
                               sector="transport", repeat=False)
    db.session.commit()
    client = signed_in(social_worker)
    page = text(client.get(f"/reports/?period={month}&instrument=phq9&lang=en"))
    block = page.split('data-section="severity-phq9"')[1].split("</section>")[0]
    assert 'data-notice="below-k"' in block
    assert "<table" not in block
    assert "too little data" in block
    assert counts_on(page) == [] or not [n for n in counts_on(page) if 0 < n < K]
    rows = services.export_cells("phq9", ["centre", "band"], services.parse_period(month))
    assert all(row["n"] in (0, None) for row in rows)


def test_csv_download_has_the_page_numbers_is_safe_and_audited(network, social_worker,
                                                                signed_in):
    client = signed_in(social_worker)
    month = network["month"]
    page = text(client.get(f"/reports/?period={month}&lang=en"))
    response = client.get(f"/reports/export.csv?period={month}&lang=en")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data(as_text=True)
    assert body.startswith("\ufeff")
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert lines[0] == ["Section", "Row", "Column", "Value", "Note"]
    values = [line[3] for line in lines[1:] if not line[2].startswith(("Median", "Share"))]
    assert values
    assert all(v == "—" or v == "0" or int(v) >= K for v in values)
    title = assessments.get("phq9").name.en
    phq9_total = next(line[3] for line in lines
                      if line[0] == title and line[1] == "Total" and line[2] == "Total")
    assert f'<td class="num">{phq9_total}</td>' in page
    labels = {line[1] for line in lines}
    assert '\'=HYPERLINK("http://x")' in labels  # the formula is neutralised
    assert not any(v.startswith("=") for line in lines for v in line)
    actions = [(e.action, e.actor, e.detail) for e in db.session.scalars(
        select(AuditEvent).where(AuditEvent.action.like("reports.%")).order_by(AuditEvent.id))]
    assert [a[0] for a in actions] == ["reports.viewed", "reports.exported"]
    assert all(a[1] == social_worker.uid for a in actions)
    assert month in str(actions[1][2])
    assert "csv" in str(actions[1][2])


@pytest.mark.parametrize(("query", "message_en", "message_zh"), [
    ("period=2026-13", "Choose a month, quarter or year from the list.",
     "请从列表中选择月份、季度或年份。"),
    ("period=2020..2026", "Choose a month, quarter or year from the list.",
     "请从列表中选择月份、季度或年份。"),
    ("place=nowhere", "Choose a place from the list.", "请从列表中选择地点。"),
    ("instrument=xyz", "Choose a questionnaire from the list.", "请从列表中选择问卷。"),
    ("sector=%3Cscript%3E", "Choose a sector from the list.", "请从列表中选择行业。"),
    ("age_band=7", "Choose an age band from the list.", "请从列表中选择年龄段。"),
    (f"period={utcnow():%Y-%m}", "Reports cover finished months only",
     "报表只包括已结束的月份"),
    ("period=2099", "Reports cover finished months only", "报表只包括已结束的月份"),
])
def test_bad_filters_explain_in_both_languages_and_never_fail(network, social_worker,
                                                              signed_in, query, message_en,
                                                              message_zh):
    client = signed_in(social_worker)
    zh = client.get(f"/reports/?{query}")
    assert zh.status_code == 400
    assert message_zh in text(zh)
    en = client.get(f"/reports/?{query}&lang=en")
    assert en.status_code == 400
    assert message_en in text(en)
    assert "<script>" not in text(en)
    assert client.get(f"/reports/export.csv?{query}").status_code == 400
    assert not db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "reports.exported")).all()


@pytest.mark.parametrize("role", ["worker", "counsellor"])
def test_only_social_workers_and_admins_open_reports(network, make_user, signed_in, role):
    client = signed_in(make_user(role))
    assert client.get("/reports/").status_code == 403
    assert client.get("/reports/export.csv").status_code == 403


def test_admins_see_reports_too(network, admin, signed_in):
    assert signed_in(admin).get(f"/reports/?period={network['month']}").status_code == 200


def test_command_line_export_uses_the_same_suppression(app, network):
    month = network["month"]
    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "export", "--instrument", "phq9", "--by",
                                 "centre,band", "--period", f"{month}..{month}",
                                 "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.output)
    assert {row["column"] for row in rows} >= {"minimal", "mild", "severe"}
    assert all(row["n"] is None or row["n"] == 0 or row["n"] >= K for row in rows)
    total = sum(row["n"] or 0 for row in rows if row["centre"] == "total")
    with app.test_request_context("/?lang=en"):
        report = services._build(services.parse_filters({"period": month,
                                                          "instrument": "phq9"}), "en")
    assert total == report.severity[0].table.total

    csv_out = runner.invoke(args=["reports", "export", "--by", "service,centre,month",
                                  "--period", month, "--format", "csv"])
    assert csv_out.exit_code == 0, csv_out.output
    lines = list(csv.reader(io.StringIO(csv_out.output)))
    assert lines[0] == ["service", "centre", "month", "column", "n", "note"]
    assert all(line[4] == "—" or int(line[4]) == 0 or int(line[4]) >= K for line in lines[1:])
    assert not any(cell.startswith("=") for line in lines for cell in line)

    bad = runner.invoke(args=["reports", "export", "--instrument", "phq9", "--by", "person",
                              "--period", month])
    assert bad.exit_code == 2
    # Commands speak English outside a request; a language cached by an earlier context wins.
    assert any(m in bad.output for m in ("维度须为以逗号分隔的列表", "Dimensions are a comma list"))
    assert db.session.scalars(select(AuditEvent).where(
        AuditEvent.action == "reports.exported")).all()


def test_database_pooling_equals_the_reference_pooling(app):
    """The SQL used by the pages pools exactly as disclosure.pool_small_cells (many seeds)."""
    for seed in range(6):
        rng = random.Random(seed)
        db.session.execute(ScreeningRollup.__table__.delete())
        cube: dict[tuple, int] = defaultdict(int)
        for _ in range(rng.randint(20, 120)):
            key = ("phq9", rng.choice(["2026-01", "2026-02"]), rng.choice(["mild", "severe"]),
                   rng.choice([0, 1, 2, 3]), rng.choice(["", "25_34", "35_44"]),
                   rng.choice(["", "office", "public"]))
            cube[key] += rng.choice([1, 1, 2, 3, 6])
        stats.upsert_counts(ScreeningRollup.__table__, stats.SCREENING_KEYS, [
            dict(instrument=i, month=m, band=b, centre_id=c, age_band=a, sector=s, repeat=0,
                 n=n) for (i, m, b, c, a, s), n in cube.items()])
        db.session.commit()
        expected = disclosure.pool_small_cells(cube, ({4: ""}, {5: ""}, {3: 0}), K)
        pooled = services.pooled_screening(["phq9"], ["2026-01", "2026-02"], K)
        got = {tuple(row[:-1]): int(row[-1]) for row in db.session.execute(select(pooled))}
        assert got == expected, seed


def test_finished_months_are_pooled_once_and_kept_identical(network):
    """A finished month's pooled cube is kept; reading it again gives the same numbers."""
    from app.reports.models import PublishedMonth

    month = f"{utcnow().year - 1}-03"
    rng = random.Random(7)
    for _ in range(400):
        stats.record_screening(instrument="gad7", band=rng.choice(["mild", "severe"]),
                               month=month, centre_id=rng.choice([network["hub"].id,
                                                                  network["dehua"].id]),
                               age_band=rng.choice(["", "25_34"]),
                               sector=rng.choice(["", "office", "public", "transport"]),
                               repeat=rng.random() < 0.2)
    db.session.commit()
    p = services.pooled_screening(["gad7"], [month], K)
    fresh = db.session.execute(select(p.c.instrument, p.c.month, p.c.cls, p.c.n)).all()
    first = services.screening_counts(["gad7"], [month], K, "band", None,
                                      group=("instrument", "month", "cls"))
    assert db.session.scalar(select(PublishedMonth.month)) == month
    again = services.screening_counts(["gad7"], [month], K, "band", None,
                                      group=("instrument", "month", "cls"))
    assert first == again
    totals: dict[tuple, int] = defaultdict(int)
    for instrument, m, band, n in fresh:
        totals[(instrument, m, band)] += n
    assert first == dict(totals)
    history.rebuild_rollups()  # a rebuild forgets kept cubes
    assert db.session.scalar(select(PublishedMonth.month)) is None


def test_publish_command_pools_finished_months_ahead(app, network):
    from app.reports.models import PublishedMonth

    result = app.test_cli_runner().invoke(args=["reports", "publish", "--months", "3"])
    assert result.exit_code == 0, result.output
    kept = set(db.session.execute(select(PublishedMonth.kind, PublishedMonth.month)).all())
    assert kept == {(kind, m) for kind in ("band", "repeat") for m in history.months_back(3)}
    assert network["month"] in {m for _kind, m in kept}


# -- no false zero (issue 20, item 1) --------------------------------------------------------------
def _true_activity(month: str) -> dict[tuple, int]:
    """(service, event, centre) -> true count, straight from the roll-up (never published)."""
    from app.reports.models import ActivityRollup as A

    return {(s, e, c): int(n) for s, e, c, n in db.session.execute(
        select(A.service, A.event, A.centre_id, func.sum(A.n)).where(A.month == month)
        .group_by(A.service, A.event, A.centre_id))}


def _published(table) -> list[tuple[tuple[int, int], int | None]]:
    n_rows, n_cols = len(table.cells), len(table.col_totals)
    out = [((i, j), table.cells[i][j]) for i in range(n_rows) for j in range(n_cols)]
    out += [((n_rows, j), table.col_totals[j]) for j in range(n_cols)]
    return out


def test_a_centres_pooled_no_shows_never_read_zero_on_page_csv_or_cli(app, network,
                                                                     social_worker, signed_in):
    """Dehua's few no-shows per service were pooled away: "—" with a reason, never 0."""
    month, dehua = network["month"], network["dehua"]
    truth = _true_activity(month)
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        report = services._build(services.parse_filters({"period": month, "place": "dehua"}),
                                 "en")
    centre_row = report.centres.table.cells[0]
    for j, event in enumerate(services.SERVICE_COLUMNS):
        true = sum(n for (_s, e, c), n in truth.items() if e == event and c == dehua.id)
        assert true == 0 or centre_row[j] != 0, event
    for section in (report.services, report.risk):
        for (i, j), value in _published(section.table):
            if value == 0 and section.table.is_pooled(i, j):
                raise AssertionError((section.key, i, j))
    pooled = [cell for s in report.sections for cell, v in _published(s.table)
              if s.table.is_pooled(*cell)]
    assert pooled, "the demo month has cells pooled away at Dehua"

    client = signed_in(social_worker)
    page = text(client.get(f"/reports/?period={month}&place=dehua&lang=en"))
    assert 'data-mark="pooled"' in page
    assert "pooled, not zero" in page
    body = client.get(f"/reports/export.csv?period={month}&place=dehua&lang=en").get_data(
        as_text=True)
    lines = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    marked = [line for line in lines[1:] if line[4].startswith("Pooled")]
    assert marked
    assert all(line[3] == "—" for line in marked)

    result = app.test_cli_runner().invoke(args=["reports", "export", "--by", "service,centre",
                                                "--period", month, "--format", "json"])
    rows = json.loads(result.output)
    for row in rows:
        if row["centre"] == "dehua":
            true = truth.get((row["service"], row["column"], dehua.id), 0)
            assert true == 0 or row["n"] != 0, row
            if row["n"] is None:
                assert row["note"]


def test_pooling_one_attribute_at_a_time_keeps_a_centres_no_shows(app, network):
    """A centre's no-shows, a few per service, are pooled across services, not dropped."""
    from app.reports.models import ActivityRollup

    month = f"{utcnow().year - 1}-05"
    dehua = network["dehua"].id
    rows = [dict(month=month, centre_id=dehua, service=code, event=stats.NO_SHOW, value=0, n=n)
            for code, n in (("counselling", 3), ("group-stress", 4), ("relaxation", 3))]
    rows.append(dict(month=month, centre_id=dehua, service="counselling", event=stats.BOOKED,
                     value=1, n=40))
    stats.upsert_counts(ActivityRollup.__table__, stats.ACTIVITY_KEYS, rows)
    db.session.commit()
    with app.test_request_context("/", headers={"Accept-Language": "en"}):
        report = services._build(services.parse_filters({"period": month, "place": "dehua"}),
                                 "en")
    no_show = services.SERVICE_COLUMNS.index(stats.NO_SHOW)
    assert report.centres.table.cells[0][no_show] == 10
    assert report.services.rows[-1] == "Several services (pooled)"


cells = st.dictionaries(
    st.tuples(st.sampled_from(["counselling", "lecture"]),
              st.sampled_from([stats.BOOKED, stats.NO_SHOW, stats.CANCELLED]),
              st.sampled_from(["hub", "dehua", "anxi", None])),
    st.integers(1, 9), max_size=14)
screening_cells = st.dictionaries(
    st.tuples(st.sampled_from(["minimal", "mild", "severe"]),
              st.sampled_from(["hub", "dehua", "anxi", None]),
              st.sampled_from(["", "25_34"]), st.sampled_from(["", "office", "public"])),
    st.integers(1, 7), max_size=16)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(activity=cells, screening=screening_cells, place=st.sampled_from(["network", "hub",
                                                                         "dehua"]))
def test_property_no_false_zero_no_small_count_no_solvable_cell(app, network, activity,
                                                                 screening, place):
    """On this database: any published 0 is a true 0; nothing in 1..k-1; nothing solvable."""
    from app.reports.models import ActivityRollup, PublishedCell, PublishedMonth
    month = f"{utcnow().year - 1}-04"
    for model in (ActivityRollup, ScreeningRollup, PublishedCell, PublishedMonth):
        db.session.execute(model.__table__.delete())
    ids = {"hub": network["hub"].id, "dehua": network["dehua"].id,
           "anxi": db.session.scalar(select(Centre.id).where(Centre.code == "anxi")), None: 0}
    stats.upsert_counts(ActivityRollup.__table__, stats.ACTIVITY_KEYS, [
        dict(month=month, centre_id=ids[c], service=s, event=e, value=1, n=n)
        for (s, e, c), n in activity.items()])
    stats.upsert_counts(ScreeningRollup.__table__, stats.SCREENING_KEYS, [
        dict(instrument="phq9", month=month, band=b, centre_id=ids[c], age_band=a, sector=sec,
             repeat=0, n=n) for (b, c, a, sec), n in screening.items()])
    db.session.commit()
    with app.test_request_context("/?lang=en"):
        report = services._build(services.parse_filters(
            {"period": month, "place": place, "instrument": "phq9"}), "en")
    in_place = {"network": set(ids.values()), "hub": {ids["hub"]}, "dehua": {ids["dehua"]}}[place]
    severe = report.severity[0]
    bands = ["minimal", "mild", "moderate", "moderately_severe", "severe"]
    for j, band in enumerate(bands[:len(severe.table.col_totals)]):
        true = sum(n for (b, c, _a, _s), n in screening.items() if b == band
                   and ids[c] in in_place)
        assert true == 0 or severe.table.col_totals[j] != 0, band
    for i, row in enumerate(_place_ids(report, ids, place)):
        for j, event in enumerate(services.SERVICE_COLUMNS):
            true = sum(n for (_s, e, c), n in activity.items() if e == event and ids[c] == row)
            if row != 0:
                assert true == 0 or report.centres.table.cells[i][j] != 0, (row, event)
    for section in report.sections:
        t = section.table
        assert all(v == 0 or v >= K for v in t.published())
        if t.cells and t.cells[0]:
            assert solvable_cells([[0] * len(t.col_totals)] * len(t.cells), t) == set()


def _place_ids(report, ids, place):
    if place == "network":
        known = list(db.session.scalars(select(Centre.id).order_by(
            Centre.parent_id.is_not(None), Centre.id)))
        return known + [0] * (len(report.centres.rows) - len(known))
    return [ids[place]]


def test_a_network_without_services_still_shows_the_dashboard(social_worker, signed_in):
    """A new network (centres, no services yet) must not answer a 500."""
    client = signed_in(social_worker)
    response = client.get("/reports/?lang=en")
    assert response.status_code == 200
    assert "Service use by service" in response.get_data(as_text=True)


def test_old_cbi_rows_with_the_retired_severe_band_count_as_high(app, network):
    """CBI's "severe" was merged into "high": rows stored before read as "high"."""
    from app.screening.models import ScreeningStat

    month = network["month"]

    def cbi_bands() -> tuple[list[str], list]:
        with app.test_request_context("/?lang=en"):
            report = services._build(services.parse_filters(
                {"period": month, "instrument": "cbi"}), "en")
        section = next(s for s in report.severity if s.key == "severity-cbi")
        return list(section.cols), section.table.col_totals

    before_cols, before_totals = cbi_bands()
    old = db.session.scalars(select(ScreeningStat).where(
        ScreeningStat.instrument == "cbi", ScreeningStat.band == "high")).all()
    assert len(old) > 20
    for stat in old[: len(old) // 2]:
        stat.band = "severe"
    db.session.commit()
    history.rebuild_rollups()
    after_cols, after_totals = cbi_bands()
    assert after_cols == before_cols  # one "High burnout" column, no second one
    assert after_cols.count("High burnout") == 1
    assert after_totals == before_totals

    runner = app.test_cli_runner()
    result = runner.invoke(args=["reports", "export", "--instrument", "cbi", "--by", "band",
                                 "--period", month, "--format", "json"])
    assert result.exit_code == 0, result.output
    assert "severe" not in {row["column"] for row in json.loads(result.output)}


def test_a_running_quarter_is_labelled_with_the_months_it_covers(app):
    """ "2026-Q4" must not silently mean October only."""
    from datetime import UTC, datetime

    from app.reports.filters import period_choice

    mid_november = datetime(2026, 11, 20, tzinfo=UTC)
    assert period_choice("2026-Q4", 3, mid_november) == ("2026-Q4", "2026-Q4: so far 2026-10 only")
    assert period_choice("2026", 12, mid_november) == (
        "2026", "2026: so far 2026-01 to 2026-10")
    assert period_choice("2026-Q3", 3, mid_november) == ("2026-Q3", "2026-Q3")
    assert period_choice("2027-Q1", 3, mid_november) is None  # nothing finished: not offered


def test_the_period_field_states_the_finished_months_rule(network, social_worker, signed_in):
    page = text(signed_in(social_worker).get("/reports/?lang=en"))
    assert 'aria-describedby="period-rule"' in page
    assert "Finished months only: a quarter or year still running" in page
    assert '<div class="table-scroll" tabindex="0" role="region"' in page
