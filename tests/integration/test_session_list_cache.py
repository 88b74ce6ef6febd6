"""The session list's body is kept per process (app/fragments.py): it must never go stale.

Each test renders the list once (so the body is kept), changes one thing the list prints,
and asks again: the kept body's key must have changed with it.
"""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from app.booking.models import Centre
from app.extensions import db
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401
from tests.helpers import submit, text

pytestmark = pytest.mark.usefixtures("seat_invariant")


@pytest.fixture
def group(counsellor):
    service = make_service("group-stress", capacity=3)
    hub = make_centre("qz-hub", services=[service], staff=[counsellor])
    session = make_session(hub, service, counsellor, starts_in=timedelta(days=1, hours=3))
    day = session.starts_at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    return session, f"/booking?day={day}"


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
