"""Access per mode in the outcome report (issue 17): no-show and cancellation rates for
in-person, phone and video sessions, from de-identified statistics rows, with the disclosure
rules unchanged (no count in 1..k-1; hidden cells show "—" with the reason, never 0)."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.models import Role
from app.booking import bookings
from app.extensions import db
from app.reports import outcomes
from app.reports.models import ActivityStat, CourseOutcomeStat
from app.security.scope import Scope
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import text

EVERYWHERE = Scope(True, frozenset())
QUARTER = "2026-Q2"


def _events(mode: str, event: str, n: int, centre: int = 1, month: str = "2026-05") -> None:
    for _ in range(n):
        db.session.add(ActivityStat(event=event, month=month, centre_id=centre,
                                    service="counselling", value=0, mode=mode))
    db.session.commit()


def _a_course_ended() -> None:
    """The quarter is listed once a course closed in it."""
    for _ in range(5):
        db.session.add(CourseOutcomeStat(quarter=QUARTER, centre_id=1, days_to_first=10))
    db.session.commit()


def test_a_no_show_is_counted_with_the_sessions_mode(app, counsellor, make_user):
    service = make_service("counselling", kind="individual", capacity=1)
    centre = make_centre("hub", services=[service], staff=[counsellor])
    session = make_session(centre, service, counsellor, starts_in=timedelta(minutes=20))
    session.mode = "video"
    db.session.commit()
    booking = bookings.book(make_user(Role.WORKER), session.id,
                            now=utcnow() - timedelta(days=1))
    bookings.record(counsellor, booking, "no_show")
    rows = db.session.scalars(select(ActivityStat)).all()
    assert {(r.event, r.mode) for r in rows} == {("booked", "video"), ("no_show", "video")}
    assert {r.service for r in rows} == {"counselling"}  # the service is still its own


def test_rates_per_mode(app):
    _a_course_ended()
    _events("in_person", "attended", 10)
    _events("in_person", "no_show", 5)
    _events("in_person", "cancelled", 5)
    _events("video", "attended", 10)
    _events("video", "no_show", 6)
    _events("video", "late_cancelled", 6)
    _events("video", "booked", 9)  # a booking made is not yet an ending
    _events("phone", "attended", 6, month="2026-09")  # another quarter: not counted
    view = outcomes.build(None, EVERYWHERE, QUARTER, 5)
    by_mode = {row.mode: row for row in view.mode_rows}
    assert set(by_mode) == {"in_person", "video", "network"}
    assert by_mode["in_person"].no_show.count == 5
    assert by_mode["in_person"].no_show.base == 15
    assert by_mode["in_person"].no_show.percent == 33.3
    assert by_mode["in_person"].cancelled.count == 5
    assert by_mode["in_person"].cancelled.percent == 25.0
    assert by_mode["video"].cancelled.count == 6
    assert by_mode["video"].cancelled.base == 22
    assert by_mode["network"].no_show.count == 11
    assert by_mode["network"].no_show.base == 31


def test_small_cells_are_hidden_with_the_reason_never_zero(app, client, signed_in,
                                                           social_worker):
    _a_course_ended()
    _events("in_person", "attended", 10)
    _events("in_person", "no_show", 5)
    _events("phone", "attended", 9)
    _events("phone", "no_show", 6)
    _events("video", "attended", 8)
    _events("video", "no_show", 2)  # under k: hidden, and whatever would reveal it
    view = outcomes.build(None, EVERYWHERE, QUARTER, 5)
    by_mode = {row.mode: row for row in view.mode_rows}
    assert by_mode["video"].no_show.count is None
    assert by_mode["network"].no_show.count is None or \
        [by_mode[m].no_show.count for m in ("in_person", "phone")].count(None) >= 1
    assert not [n for n in view.published() if 0 < n < 5]
    signed_in(social_worker)
    page = text(client.get(f"/reports/outcomes?quarter={QUARTER}&lang=en"))
    table = page.split('id="mode-table"', 1)[1].split("</table>", 1)[0]
    video = table.split("By video", 1)[1].split("</tr>", 1)[0]
    no_show_cell = video.split("<td>", 2)[1]
    assert "—" in no_show_cell  # hidden, never a 0
    assert "Hidden: fewer than 5 people" in no_show_cell
    assert "0" not in no_show_cell.replace("fewer than 5", "")


def test_the_page_is_translated(app, client, signed_in, social_worker):
    _a_course_ended()
    _events("in_person", "attended", 10)
    _events("in_person", "no_show", 5)
    signed_in(social_worker)
    page = text(client.get(f"/reports/outcomes?quarter={QUARTER}"))
    table = page.split('id="mode-table"', 1)[1].split("</table>", 1)[0]
    assert "面谈" in table
    assert "爽约率" in page


def test_a_county_reader_counts_only_their_centres(app):
    _a_course_ended()
    _events("in_person", "attended", 10, centre=2)
    _events("in_person", "no_show", 5, centre=2)
    _events("in_person", "no_show", 20, centre=3)  # another county's
    view = outcomes.build(None, Scope(False, frozenset({2})), QUARTER, 5)
    network = view.mode_rows[-1]
    assert network.no_show.count == 5
    assert network.no_show.base == 15


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.sampled_from(["in_person", "phone", "video"]),
                          st.sampled_from(["attended", "no_show", "cancelled",
                                           "late_cancelled", "booked"]),
                          st.integers(1, 3)), max_size=40),
       st.integers(2, 6))
def test_no_published_count_by_mode_lies_between_1_and_k_minus_1(app, rows, k):
    db.session.query(ActivityStat).delete()
    db.session.commit()
    for mode, event, centre in rows:
        _events(mode, event, 1, centre=centre)
    view = outcomes.build(None, EVERYWHERE, QUARTER, k)
    assert not [n for n in view.published() if 0 < n < k]
