"""The day strip's counts and "earliest free": the bookable rule, counted per local day.

Written before the strip: a day's number must match what a worker could book that day,
so closed centres and services, full and past sessions count for nothing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from app.booking import bookable
from app.booking.models import Session
from app.extensions import db
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session

SHANGHAI = ZoneInfo("Asia/Shanghai")


def _today() -> date:
    return utcnow().astimezone(SHANGHAI).date()


def _at(day: date, hour: int) -> datetime:
    return datetime.combine(day, time(hour), SHANGHAI)


def _week() -> list[date]:
    return [_today() + timedelta(days=n) for n in range(7)]


@pytest.fixture
def network(counsellor):
    group = make_service("group-stress", capacity=3)
    one = make_service("counselling", kind="individual", capacity=1)
    hub = make_centre("hub", services=[group, one], staff=[counsellor])
    county = make_centre("county", services=[group], staff=[counsellor])
    return {"group": group, "one": one, "hub": hub, "county": county,
            "counsellor": counsellor}


def _free_by_day(now: datetime, days: list[date], zone: ZoneInfo, **filters) -> dict:
    """``free_by_day``'s counts, checked against the session list's (``open_by_day``: the
    day's rows and the strip from one query): the two must never disagree."""
    counts = bookable.free_by_day(now, days, zone, **filters)
    listed, strip = bookable.open_by_day(now, days, zone, **filters)
    assert strip == counts
    assert {d: sum(1 for s in rows if s.free > 0) for d, rows in listed.items()} == counts
    for rows in listed.values():
        assert [s.starts_at for s in rows] == sorted(s.starts_at for s in rows)
    return counts


def test_counts_bookable_sessions_per_local_day(network):
    n, day2, day3 = network, _today() + timedelta(days=2), _today() + timedelta(days=3)
    make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day2, 9))
    make_session(n["county"], n["group"], n["counsellor"], starts_at=_at(day2, 23))
    make_session(n["hub"], n["one"], n["counsellor"], starts_at=_at(day3, 0))
    counts = _free_by_day(utcnow(), _week(), SHANGHAI)
    assert counts == {d: {day2: 2, day3: 1}.get(d, 0) for d in _week()}


def test_closed_centre_closed_service_full_and_past_sessions_count_nothing(network):
    n, day2 = network, _today() + timedelta(days=2)
    make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day2, 10))
    full = make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day2, 11))
    full.booked = full.capacity
    closed_centre = make_centre("closed", services=[n["group"]], staff=[n["counsellor"]])
    closed_centre.active = False
    make_session(closed_centre, n["group"], n["counsellor"], starts_at=_at(day2, 12))
    closed_service = make_service("closed-service")
    closed_service.active = False
    make_session(n["hub"], closed_service, n["counsellor"], starts_at=_at(day2, 13))
    cancelled = make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day2, 14))
    cancelled.status = "cancelled"
    past = make_session(n["hub"], n["group"], n["counsellor"],
                        starts_in=-timedelta(minutes=30))
    db.session.commit()
    days = [past.starts_at.astimezone(SHANGHAI).date() + timedelta(days=k) for k in range(7)]
    counts = _free_by_day(utcnow(), days, SHANGHAI)
    assert counts[day2] == 1
    # The list shows the full session (its waiting list), the strip does not count it.
    listed, _ = bookable.open_by_day(utcnow(), days, SHANGHAI)
    assert [(s.id == full.id, s.free) for s in listed[day2]] == [(False, 3), (True, 0)]
    assert counts[days[0]] == (1 if days[0] == day2 else 0)
    assert sum(counts.values()) == 1


def test_counts_follow_the_chosen_service_and_centre(network):
    n, day2 = network, _today() + timedelta(days=2)
    make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day2, 9))
    make_session(n["county"], n["group"], n["counsellor"], starts_at=_at(day2, 10))
    make_session(n["hub"], n["one"], n["counsellor"], starts_at=_at(day2, 11))
    now, week = utcnow(), _week()
    assert _free_by_day(now, week, SHANGHAI, service=n["group"])[day2] == 2
    assert _free_by_day(now, week, SHANGHAI, service=n["group"],
                         centre_id=n["county"].id)[day2] == 1
    assert _free_by_day(now, week, SHANGHAI, centre_id=n["hub"].id)[day2] == 2


def test_one_statement_whatever_the_number_of_days_and_sessions(network):
    n = network
    for k in range(12):
        make_session(n["hub"], n["group"], n["counsellor"],
                     starts_at=_at(_today() + timedelta(days=1 + k % 6), 8 + k))
    db.session.refresh(n["group"])
    statements: list[str] = []

    def count(*args) -> None:
        if args[2].lstrip().upper().startswith("SELECT"):
            statements.append(args[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        counts = bookable.free_by_day(utcnow(), _week(), SHANGHAI, service=n["group"])
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert sum(counts.values()) == 12
    assert len(statements) == 1
    assert "FROM sessions" in statements[0]


def test_earliest_free_looks_across_centres_and_skips_full_sessions(network):
    n, day2 = network, _today() + timedelta(days=2)
    full = make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day2, 8))
    full.booked = full.capacity
    db.session.commit()
    county = make_session(n["county"], n["group"], n["counsellor"], starts_at=_at(day2, 9))
    make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day2, 10))
    make_session(n["hub"], n["one"], n["counsellor"], starts_at=_at(day2, 7))
    found = bookable.earliest(utcnow(), service=n["group"])
    assert isinstance(found, Session)
    assert found.id == county.id
    assert bookable.earliest(utcnow(), service=n["group"], centre_id=n["hub"].id).starts_at \
        == _at(day2, 10)
    assert bookable.earliest(utcnow(), service=n["group"],
                             before=_at(day2, 9)) is None


# -- the booking page's week strip ------------------------------------------------------------

def _strip(page: str) -> str:
    return page[page.index('class="week-strip"'):page.index("</nav>", page.index("week-strip"))]


def test_week_strip_shows_free_sessions_per_day_and_marks_empty_days(client, network):
    n, day2 = network, _today() + timedelta(days=2)
    make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day2, 9))
    make_session(n["county"], n["group"], n["counsellor"], starts_at=_at(day2, 15))
    page = client.get(f"/booking?day={day2}&lang=en").get_data(as_text=True)
    strip = _strip(page)
    assert "2 free" in strip
    assert "None free" in strip
    # an empty day is marked, and still a link one can follow
    monday = day2 - timedelta(days=day2.weekday())
    empty = next(d for d in (monday + timedelta(days=k) for k in range(7))
                 if d != day2 and d >= _today())
    assert f'href="/booking?day={empty}"' in strip.replace("&amp;", "&")
    assert "week-day-none" in strip
    page = client.get(f"/booking?day={day2}&lang=zh_CN").get_data(as_text=True)
    assert "2 个空位" in _strip(page)


def test_week_strip_pages_by_week_with_plain_links(client, network):
    n = network
    next_monday = _today() + timedelta(days=7 - _today().weekday())
    make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(next_monday, 10))
    page = client.get(f"/booking?day={_today()}&service=group-stress&lang=en").get_data(
        as_text=True)
    assert 'rel="prev"' not in page  # nothing to book before today
    assert f"/booking?day={next_monday}&amp;service=group-stress" in page
    later = client.get(f"/booking?day={next_monday}&service=group-stress&lang=en").get_data(
        as_text=True)
    assert 'rel="prev"' in later
    assert "1 free" in _strip(later)


def test_earliest_free_session_is_offered_across_centres(client, network):
    n, day3 = network, _today() + timedelta(days=3)
    county = make_session(n["county"], n["group"], n["counsellor"], starts_at=_at(day3, 9))
    make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day3, 11))
    page = client.get("/booking?service=group-stress&centre=hub&lang=en").get_data(
        as_text=True)
    section = page[page.index('class="earliest-free'):]
    assert f'href="/booking/sessions/{county.id}"' in section[:section.index("</section>")]
    assert "Centre county" in section[:section.index("</section>")]
    assert "Earliest free session at any centre" in section


def test_earliest_free_is_not_repeated_when_the_day_shown_lists_it(client, network):
    n, day3 = network, _today() + timedelta(days=3)
    make_session(n["hub"], n["group"], n["counsellor"], starts_at=_at(day3, 9))
    page = client.get("/booking?service=group-stress&lang=en").get_data(as_text=True)
    assert "earliest-free" not in page  # the page opens on that day, the session first
    page = client.get(f"/booking?service=group-stress&day={_today()}&lang=en").get_data(
        as_text=True)
    assert "earliest-free" in page
