"""The safety loop in the reports: opened, first contact within target, median time."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from app.accounts.models import Role
from app.counselling import risk_queue
from app.extensions import db
from app.reports.models import ActivityStat
from app.screening.models import RiskItem
from tests.helpers import text
from tests.integration.screening_helpers import make_centre

MONTH_START = datetime(2026, 9, 1, 1, 0, tzinfo=UTC)  # Tuesday 09:00 in Shanghai


def one_service() -> None:
    """The dashboard's service tables need one service to exist (they fail on none)."""
    from tests.booking_helpers import make_service

    make_service()


def opened(centre, counsellor, *, after: timedelta | None, day: int) -> RiskItem:
    """An item opened on ``day`` of the month, reached ``after`` later (or never)."""
    when = MONTH_START + timedelta(days=day)
    item = RiskItem(centre_id=centre.id, triage="high", opened_at=when)
    item.contact = {"phone": "13900000000"}
    db.session.add(item)
    db.session.flush()
    risk_queue.risk_opened(item)
    db.session.commit()
    if after is not None:
        risk_queue.record_step(counsellor, item, risk_queue.StepInput(kind="reached"),
                               now=when + after)
    return item


def row(page: str, section: str, label: str) -> list[str]:
    block = page[page.index(f'data-section="{section}"'):]
    block = block[:block.index("</section>")]
    match = re.search(rf"<th scope=\"row\">{re.escape(label)}</th>(.*?)</tr>", block, re.S)
    assert match, (label, block[:2000])
    cells = re.findall(r'<td class="num(?: derived)?">(.*?)</td>', match.group(1), re.S)
    return ["—" if "suppressed" in c else c.strip() for c in cells]


def test_followup_is_reported_by_month_and_centre_and_suppressed_under_k(
        app, client, signed_in, make_user, social_worker):
    counsellor = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", counsellor)
    small = make_centre("anxi", counsellor)
    # Dehua: 6 opened; 4 reached within a working day (1, 2, 3, 4 h), 2 after it (30 h).
    for day, hours in ((0, 1), (0, 2), (1, 3), (1, 4), (2, 30), (2, 30)):
        opened(centre, counsellor, after=timedelta(hours=hours), day=day)
    # Anxi: 2 opened (under k): never published on its own.
    for day in (3, 4):
        opened(small, counsellor, after=None, day=day)
    stored = db.session.scalars(select(ActivityStat)).all()
    assert {s.event for s in stored} >= {"risk_opened", "risk_reached_in_time",
                                         "risk_reached_late"}
    assert all(not hasattr(s, "user_id") for s in stored)

    one_service()
    signed_in(social_worker)
    page = text(client.get("/reports/?period=2026-09&place=dehua",
                           headers={"Accept-Language": "en"}))
    assert "Safety follow-up by month" in page
    # opened, within, after, share %, median hours (4 within, 2 after: both under k=5 ->
    # suppressed, and so is everything derived from them).
    assert row(page, "risk-followup-month", "2026-09")[0] == "6"
    network = text(client.get("/reports/?period=2026-09", headers={"Accept-Language": "en"}))
    cells = row(network, "risk-followup-centre", "anxi centre")
    assert cells[0] in ("—", "0")  # two items: pooled away or suppressed, never "2"


def test_share_and_median_appear_once_groups_reach_k(app, client, signed_in, make_user,
                                                     social_worker):
    counsellor = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", counsellor)
    for n in range(10):
        hours = (1, 2, 3, 4, 5)[n] if n < 5 else 40
        opened(centre, counsellor, after=timedelta(hours=hours), day=n % 3)
    one_service()
    signed_in(social_worker)
    page = text(client.get("/reports/?period=2026-09&place=dehua",
                           headers={"Accept-Language": "en"}))
    cells = row(page, "risk-followup-month", "2026-09")
    assert cells[:3] == ["10", "5", "5"]
    assert cells[3] == "50" or cells[3] == "50.0"
    # Median of 1,2,3,4,5,40×5 hours: between 5 and 40 -> 22.5 h.
    assert cells[4] == "22.5"


def test_csv_export_carries_the_followup_tables_as_the_page_shows_them(
        app, client, signed_in, make_user, social_worker):
    import csv
    import io

    counsellor = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", counsellor)
    small = make_centre("anxi", counsellor)
    for n in range(10):
        hours = (1, 2, 3, 4, 5)[n] if n < 5 else 40
        opened(centre, counsellor, after=timedelta(hours=hours), day=n % 3)
    for day in (3, 4):
        opened(small, counsellor, after=None, day=day)
    one_service()
    signed_in(social_worker)
    page = text(client.get("/reports/?period=2026-09&place=dehua",
                           headers={"Accept-Language": "en"}))
    response = client.get("/reports/export.csv?period=2026-09&place=dehua",
                          headers={"Accept-Language": "en"})
    lines = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    month = {col: value for sec, row_, col, value, _note in lines[1:]
             if sec == "Safety follow-up by month" and row_ == "2026-09"}
    assert [month["Items opened"], month["First contact within target"],
            month["First contact after target"]] == row(page, "risk-followup-month",
                                                         "2026-09")[:3]
    assert month["Share within target (%)"] in ("50", "50.0")
    assert month["Median hours to first contact"] == "22.5"
    assert any(sec == "Safety follow-up by centre" for sec, *_rest in lines[1:])
    # The network export never publishes the small centre's two items.
    network = client.get("/reports/export.csv?period=2026-09",
                         headers={"Accept-Language": "en"}).get_data(as_text=True)
    anxi = [line for line in csv.reader(io.StringIO(network.lstrip("\ufeff")))
            if line[:2] == ["Safety follow-up by centre", "anxi centre"]]
    assert anxi
    assert anxi[0][3] in ("—", "0")
