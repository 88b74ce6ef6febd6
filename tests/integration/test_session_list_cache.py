"""The session list's body is kept per process (app/fragments.py): it must never go stale.

Each test renders the list once (so the body is kept), changes one thing the list prints,
and asks again: the kept body's key must have changed with it. (With ``LIST_REUSE_SECONDS``
set, as in production, an anonymous visitor may get a kept page up to that many seconds
old: test_session_list_reuse.py.)
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from app.booking.models import AvailabilityException, Centre, CentreClosure, Event
from app.extensions import db
from app.types import utcnow
from tests.booking_helpers import (  # noqa: F401
    group_session_tomorrow,
    make_centre,
    make_service,
    make_session,
    seat_invariant,
)
from tests.helpers import submit, text

pytestmark = pytest.mark.usefixtures("seat_invariant")
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def group(counsellor):
    return group_session_tomorrow(counsellor)


def test_a_booking_shows_in_the_seats_free_at_once(signed_in, worker, client, group):
    session, url = group
    assert "3 seats free" in text(client.get(url + "&lang=en"))
    booker = signed_in(worker)
    page = f"/booking/sessions/{session.id}"
    assert submit(booker, page + "/book", {}, form_url=page).status_code == 303
    after = text(client.get(url))
    assert "2 seats free" in after
    assert "3 seats free" not in after
    assert "2 seats free" in text(booker.get(url + "&lang=en"))  # the booker too


def test_a_language_switch_changes_the_rows(client, group):
    _, url = group
    assert "3 seats free" in text(client.get(url + "&lang=en"))
    chinese = text(client.get(url + "&lang=zh_CN"))
    assert "3 seats free" not in chinese
    assert "服务 group-stress" in chinese


def test_a_renamed_centre_shows_its_new_name(client, group):
    _, url = group
    assert "Centre qz-hub" in text(client.get(url + "&lang=en"))
    centre = db.session.query(Centre).filter_by(code="qz-hub").one()
    centre.name_en = "Quanzhou hub"
    db.session.commit()
    page = text(client.get(url))
    assert "Quanzhou hub" in page
    assert "Centre qz-hub" not in page


def test_a_session_that_closes_leaves_the_list(client, group):
    session, url = group
    assert f"/booking/sessions/{session.id}" in text(client.get(url + "&lang=en"))
    session.status = "cancelled"
    db.session.commit()
    assert f"/booking/sessions/{session.id}" not in text(client.get(url))


# What the list shows besides seats and names, each a part of the list's mark
# (app/booking/list_mark.py): every test asks twice, so the second answer is the kept one
# unless the change is seen.

def test_a_closure_hides_the_session(client, group):
    session, url = group
    link = f"/booking/sessions/{session.id}"
    assert link in text(client.get(url))
    local = session.starts_at.astimezone(SHANGHAI)
    midnight = datetime.combine(local.date(), time(0), SHANGHAI)
    db.session.add(CentreClosure(centre_id=session.centre_id, first_day=local.date(),
                                 last_day=local.date(), starts_at=midnight,
                                 ends_at=midnight + timedelta(days=1), reason_zh="台风"))
    db.session.commit()
    assert link not in text(client.get(url))


def test_leave_hides_the_session(client, group, counsellor):
    session, url = group
    link = f"/booking/sessions/{session.id}"
    assert link in text(client.get(url))
    db.session.add(AvailabilityException(counsellor_id=counsellor.id, kind="leave",
                                         starts_at=session.starts_at - timedelta(hours=1),
                                         ends_at=session.ends_at + timedelta(hours=1)))
    db.session.commit()
    assert link not in text(client.get(url))


def test_an_edited_session_shows_its_new_seats_and_leaves_a_day_it_left(client, group):
    session, url = group
    assert "3 seats free" in text(client.get(url + "&lang=en"))
    session.capacity = 5
    db.session.commit()
    assert "5 seats free" in text(client.get(url))
    session.starts_at += timedelta(days=2)
    session.ends_at += timedelta(days=2)
    db.session.commit()
    assert "5 seats free" not in text(client.get(url))  # (still the earliest: linked above)


@pytest.fixture
def frozen(monkeypatch):
    """The list's clock, set by the test: ``frozen(moment)``."""

    def set_to(moment: datetime) -> None:
        monkeypatch.setattr("app.booking.views.utcnow", lambda: moment)

    return set_to


def _tomorrow_at_nine() -> datetime:
    return datetime.combine(utcnow().astimezone(SHANGHAI).date() + timedelta(days=1),
                            time(9), SHANGHAI).astimezone(UTC)


def test_a_session_leaves_the_list_when_its_notice_passes(client, counsellor, frozen):
    service = make_service("group-stress", capacity=3)  # two hours' notice
    hub = make_centre("qz-hub", services=[service], staff=[counsellor])
    start = _tomorrow_at_nine() + timedelta(hours=5)
    session = make_session(hub, service, counsellor, starts_at=start)
    url = f"/booking?day={start.astimezone(SHANGHAI).date().isoformat()}"
    link = f"/booking/sessions/{session.id}"
    frozen(start - timedelta(hours=3))
    assert link in text(client.get(url))
    frozen(start - timedelta(hours=2, seconds=1))  # time moved, nothing crossed
    assert link in text(client.get(url))
    frozen(start - timedelta(hours=2))  # now inside the notice
    assert link not in text(client.get(url))


def test_a_session_joins_the_list_when_it_comes_within_the_horizon(client, counsellor,
                                                                    frozen):
    service = make_service("group-stress", capacity=3, horizon_days=2)
    wider = make_service("one-to-one", kind="individual", capacity=1)  # 30 days ahead
    hub = make_centre("qz-hub", services=[service, wider], staff=[counsellor])
    now = _tomorrow_at_nine()
    start = now + timedelta(days=2, hours=3)
    session = make_session(hub, service, counsellor, starts_at=start)
    url = f"/booking?day={start.astimezone(SHANGHAI).date().isoformat()}"
    link = f"/booking/sessions/{session.id}"
    frozen(now)
    assert link not in text(client.get(url))
    frozen(now + timedelta(hours=2))
    assert link not in text(client.get(url))
    frozen(now + timedelta(hours=3))  # starts exactly at the horizon's end: bookable
    assert link in text(client.get(url))


def test_an_event_joins_the_list_when_its_registration_opens(client, counsellor, frozen):
    service = make_service("lecture", kind="lecture", capacity=30)
    hub = make_centre("qz-hub", services=[service], staff=[counsellor])
    now = _tomorrow_at_nine()
    start = now + timedelta(days=1)
    session = make_session(hub, service, counsellor, starts_at=start)
    db.session.add(Event(session_id=session.id, kind="lecture", title_zh="讲座",
                         registration_opens_at=now + timedelta(hours=1),
                         registration_closes_at=start - timedelta(hours=1)))
    db.session.commit()
    url = f"/booking?day={start.astimezone(SHANGHAI).date().isoformat()}"
    link = f"/booking/sessions/{session.id}"
    frozen(now)
    assert link not in text(client.get(url))
    frozen(now + timedelta(hours=1, seconds=1))
    assert link in text(client.get(url))


def test_an_unchanged_list_is_served_without_the_rule(client, group):
    _, url = group
    client.get(url)
    statements: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        assert client.get(url).status_code == 200
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    # The mark alone: no earliest, no day's rows (the session store may read its row).
    assert len([s for s in statements if "sessions" in s and "server_sessions" not in s]) == 1


def test_the_list_opens_on_a_day_that_comes_within_its_look_ahead(client, counsellor,
                                                                  frozen):
    service = make_service("group-stress", capacity=3)
    hub = make_centre("qz-hub", services=[service], staff=[counsellor])
    now = _tomorrow_at_nine()
    start = now + timedelta(days=13, hours=1)  # the list looks 13 days ahead for a first day
    make_session(hub, service, counsellor, starts_at=start)
    opens_on = f'name="day" value="{start.astimezone(SHANGHAI).date().isoformat()}"'
    frozen(now)
    assert opens_on not in client.get("/booking").get_data(as_text=True)
    frozen(now + timedelta(hours=1, seconds=1))
    assert opens_on in client.get("/booking").get_data(as_text=True)


def test_a_centre_switched_off_leaves_the_list_at_once(client, group):
    session, url = group
    link = f"/booking/sessions/{session.id}"
    assert link in text(client.get(url))
    db.session.get(Centre, session.centre_id).active = False
    db.session.commit()
    assert link not in text(client.get(url))
