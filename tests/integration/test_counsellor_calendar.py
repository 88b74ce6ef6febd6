"""The counsellor's calendar: a week grid with what needs action, and only possible buttons.

Written first from the issue: Check-in / Attended / No-show showed days ahead and then
refused with an error; nothing marked sessions with people or requests to confirm.
"""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.booking.models import Booking, Session
from app.counselling import services as counselling
from app.extensions import db
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import text as page_text

SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def world(counsellor, make_user):
    one = make_service("counselling", kind="individual", capacity=1, confirm=True)
    group = make_service("group-stress", capacity=6)
    centre = make_centre(services=[one, group], staff=[counsellor])
    return {"one": one, "group": group, "centre": centre, "counsellor": counsellor,
            "person": make_user(name="赵小红")}


def _booked(session: Session, person, status: str) -> Booking:
    """A booking as an earlier request left it (sessions in the past cannot be booked now)."""
    booking = Booking(session_id=session.id, user_id=person.id, status=status)
    session.booked += 1
    db.session.add(booking)
    db.session.commit()
    return booking


def _buttons(page: str, uid: str) -> set[str]:
    return set(re.findall(rf'/counselling/bookings/{uid}/(\w+)"', page)) - {"notes", "cancel"}


def _card(page: str, session: Session) -> str:
    """The session's card in the calendar grid (not its line in the to-do list)."""
    at = page.index(f'href="/counselling/sessions/{session.id}"', page.index('class="cal-grid'))
    return page[page.rindex("<a ", 0, at):page.index("</a>", at)]


def _day(session: Session) -> str:
    return session.starts_at.astimezone(SHANGHAI).date().isoformat()


def test_no_check_in_attended_or_no_show_days_ahead(signed_in, world):
    w = world
    ahead = make_session(w["centre"], w["one"], w["counsellor"], starts_in=timedelta(days=3))
    booking = _booked(ahead, w["person"], "confirmed")
    page = page_text(signed_in(w["counsellor"]).get(
        f"/counselling/sessions/{ahead.id}?lang=en"))
    assert "赵小红" in page
    assert _buttons(page, booking.uid) == set()
    assert ">Attended<" not in page
    assert "can be recorded from" in page  # says when instead


def test_a_request_days_ahead_offers_only_confirm(signed_in, world):
    w = world
    ahead = make_session(w["centre"], w["one"], w["counsellor"], starts_in=timedelta(days=3))
    booking = _booked(ahead, w["person"], "requested")
    page = page_text(signed_in(w["counsellor"]).get(f"/counselling/sessions/{ahead.id}"))
    assert _buttons(page, booking.uid) == {"confirm"}


def test_during_the_session_check_in_attended_and_no_show_are_offered(signed_in, world):
    w = world
    now = make_session(w["centre"], w["one"], w["counsellor"],
                       starts_in=-timedelta(minutes=10))
    booking = _booked(now, w["person"], "confirmed")
    client = signed_in(w["counsellor"])
    page = page_text(client.get(f"/counselling/sessions/{now.id}?lang=en"))
    assert _buttons(page, booking.uid) == {"check_in", "attended", "no_show"}
    assert ">Attended<" in page
    assert "can be recorded from" not in page
    # and a button shown is a move that works
    from tests.helpers import submit

    url = f"/counselling/sessions/{now.id}"
    submit(client, f"/counselling/bookings/{booking.uid}/attended", {}, form_url=url)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == "attended"
    assert _buttons(page_text(client.get(url)), booking.uid) == set()


def test_week_grid_highlights_people_requests_and_check_ins(signed_in, world):
    w = world
    start = utcnow().astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = start - timedelta(days=start.weekday())
    # three sessions on Wednesday of next week (nobody, a request, a confirmed group place)
    wednesday = monday + timedelta(days=9)
    empty = make_session(w["centre"], w["group"], w["counsellor"],
                         starts_at=wednesday + timedelta(hours=9))
    asked = make_session(w["centre"], w["one"], w["counsellor"],
                         starts_at=wednesday + timedelta(hours=11))
    group = make_session(w["centre"], w["group"], w["counsellor"],
                         starts_at=wednesday + timedelta(hours=14))
    _booked(asked, w["person"], "requested")
    _booked(group, w["person"], "confirmed")
    client = signed_in(w["counsellor"])
    page = page_text(client.get(f"/counselling/calendar?date={_day(group)}&lang=en"))

    def card(session: Session) -> str:
        return _card(page, session)

    assert "cal-empty" in card(empty)
    assert "cal-pending" in card(asked)
    assert "1 to confirm" in card(asked)
    assert "cal-booked" in card(group)
    assert "Check-in open" not in card(group)
    assert '<span class="cal-badge">1 to do</span>' in page
    # seven day columns, the chosen day marked for the phone's day view
    assert len(re.findall(r'<section class="cal-day[ "]', page)) == 7
    assert re.search(r'class="cal-day is-selected[^"]*" aria-labelledby="day-'
                     + _day(group), page)
    zh = page_text(client.get(f"/counselling/calendar?date={_day(group)}&lang=zh_CN"))
    assert "1 项待处理" in zh


def test_a_session_under_way_shows_check_in_open_and_counts_as_to_do(signed_in, world):
    w = world
    now = make_session(w["centre"], w["group"], w["counsellor"],
                       starts_in=-timedelta(minutes=10))
    _booked(now, w["person"], "confirmed")
    page = page_text(signed_in(w["counsellor"]).get(
        f"/counselling/calendar?view=day&date={_day(now)}&lang=en"))
    card = _card(page, now)
    assert "cal-due" in card
    assert "Check-in open" in card
    assert "1 to check in or record" in page


def test_to_do_counts_only_my_live_sessions_within_a_week(world, make_user):
    w = world
    other = make_user("counsellor")
    old = make_session(w["centre"], w["one"], w["counsellor"], starts_in=-timedelta(days=9))
    _booked(old, w["person"], "confirmed")  # its outcome is no longer chased here
    called_off = make_session(w["centre"], w["one"], w["counsellor"],
                              starts_in=timedelta(days=2))
    called_off.status = "cancelled"
    _booked(called_off, w["person"], "cancelled")
    theirs = make_session(w["centre"], w["one"], other, starts_in=timedelta(days=2))
    _booked(theirs, make_user(), "requested")
    mine = make_session(w["centre"], w["one"], w["counsellor"], starts_in=timedelta(days=5))
    _booked(mine, make_user(), "requested")
    recent = make_session(w["centre"], w["group"], w["counsellor"],
                          starts_in=-timedelta(days=1))
    _booked(recent, make_user(), "checked_in")
    _booked(recent, make_user(), "attended")  # nothing left to do for this one
    todo = counselling.needs_action(w["counsellor"], utcnow())
    assert [e.session.id for e in todo.entries] == [recent.id, mine.id]
    assert (todo.pending, todo.due, todo.total) == (1, 1, 2)
