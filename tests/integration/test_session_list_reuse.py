"""An anonymous visitor's session list within ``LIST_REUSE_SECONDS`` of the last reading.

With the setting on (production: 1 s), a kept list page is served to anonymous visitors
from the list's mark this process read within that many seconds, without a statement; a
page not kept under that mark, and every signed-in person's list, read the mark afresh.
So an anonymous visitor may see a seat count up to that many seconds old, never older,
and never a page drawn at another moment than its mark.
"""

from __future__ import annotations

import pytest
from sqlalchemy import event

from app.booking import views as booking_views
from app.booking.models import Session
from app.extensions import db
from tests.booking_helpers import group_session_tomorrow, seat_invariant  # noqa: F401
from tests.helpers import submit, text

pytestmark = pytest.mark.usefixtures("seat_invariant")


@pytest.fixture
def group(counsellor):
    session, url = group_session_tomorrow(counsellor)
    return session, url + "&lang=en"


@pytest.fixture
def clock(app, monkeypatch):
    """The reuse window on (1 s, as in production), on a clock the test moves."""
    app.config["LIST_REUSE_SECONDS"] = 1.0
    now = [1000.0]
    monkeypatch.setattr(booking_views, "_clock", lambda: now[0])
    return now


def _statements(do) -> list[str]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args) -> None:
        seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        do()
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    return seen


def _add_a_seat(session: Session) -> None:
    session.capacity += 1
    db.session.commit()


def test_a_repeat_view_within_the_window_reads_nothing(client, group, clock):
    _, url = group
    assert "3 seats free" in text(client.get(url))
    seen = _statements(lambda: client.get(url))
    assert [s for s in seen if "server_sessions" not in s] == []


def test_a_seat_taken_shows_to_anonymous_visitors_once_the_window_passed(
        app, signed_in, worker, group, clock):
    session, url = group
    client = app.test_client()  # signed_in signs the ``client`` fixture in
    assert "3 seats free" in text(client.get(url))
    booker = signed_in(worker)
    page = f"/booking/sessions/{session.id}"
    assert submit(booker, page + "/book", {}, form_url=page).status_code == 303
    clock[0] += 0.5
    assert "3 seats free" in text(client.get(url))  # within the window: the kept page
    clock[0] += 0.6
    after = text(client.get(url))
    assert "2 seats free" in after
    assert "3 seats free" not in after


def test_a_signed_in_person_reads_afresh_within_the_window(app, signed_in, worker, group,
                                                           clock):
    session, url = group
    client = app.test_client()
    assert "3 seats free" in text(client.get(url))
    booker = signed_in(worker)
    page = f"/booking/sessions/{session.id}"
    assert submit(booker, page + "/book", {}, form_url=page).status_code == 303
    assert "2 seats free" in text(booker.get(url))
    # That reading is the process's latest: anonymous visitors get it from now on.
    assert "2 seats free" in text(client.get(url))


def test_a_page_not_kept_yet_is_drawn_from_a_fresh_mark(client, group, clock):
    session, url = group
    assert "3 seats free" in text(client.get(url))
    _add_a_seat(session)
    # Another address (one centre's list) is not kept: its mark is read now, so it shows
    # the seat taken, and the page kept before is not served under the new mark.
    assert "4 seats free" in text(client.get(url + "&centre=qz-hub"))
    assert "4 seats free" in text(client.get(url))


def test_off_reads_the_mark_on_every_view(client, group, clock, app):
    app.config["LIST_REUSE_SECONDS"] = 0
    session, url = group
    assert "3 seats free" in text(client.get(url))
    _add_a_seat(session)
    assert "4 seats free" in text(client.get(url))
