"""The outcome section of the reports (issue 17): NHS Talking Therapies indicators per centre
and network by finished quarter, through the unchanged disclosure rules."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.extensions import db
from app.reports import outcomes
from app.reports.models import CourseOutcomeStat
from app.security.scope import Scope
from tests.helpers import text

EVERYWHERE = Scope(True, frozenset())
QUARTER = "2026-Q2"


def _add(centre: int, n: int, *, caseness=1, recovered=1, improved=1, deteriorated=0,
         first=20, second=7, measured=1) -> None:
    for _ in range(n):
        db.session.add(CourseOutcomeStat(
            quarter=QUARTER, centre_id=centre, measured=measured, caseness=caseness,
            recovered=recovered, improved=improved,
            reliably_recovered=int(recovered and improved), deteriorated=deteriorated,
            days_to_first=first, days_to_second=second))
    db.session.commit()


def test_the_page_shows_recovery_and_reliable_improvement(app, client, signed_in,
                                                          social_worker):
    _add(1, 6)
    _add(1, 5, recovered=0, improved=0, first=60)
    signed_in(social_worker)
    page = text(client.get("/reports/outcomes"))
    assert "2026-Q2" in page
    assert "54.5 %" in page  # 6 of 11 recovered, and improved
    assert "Talking Therapies" in page
    view = outcomes.build(None, EVERYWHERE, QUARTER, 5)
    network = view.outcome_rows[-1]
    assert network.measured == 11
    assert network.figures["recovered"].count == 6
    assert network.figures["deteriorated"].count is None or \
        network.figures["deteriorated"].count == 0
    access = view.access_rows[-1]
    assert access.median_first == 20
    assert access.within.count == 6


def test_a_small_centre_is_pooled_or_left_out(app):
    _add(1, 7)
    _add(2, 3)
    view = outcomes.build(None, EVERYWHERE, QUARTER, 5)
    places = [row.centre_id for row in view.outcome_rows]
    assert 2 not in places  # 3 courses: never shown on their own
    assert all(n == 0 or n >= 5 for n in view.published())


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.tuples(st.integers(1, 4), st.integers(0, 1), st.integers(0, 1),
                          st.integers(0, 1), st.integers(0, 1), st.integers(0, 70)),
                min_size=0, max_size=40),
       st.integers(2, 6))
def test_no_published_count_lies_between_1_and_k_minus_1(app, rows, k):
    db.session.query(CourseOutcomeStat).delete()
    for centre, measured, caseness, recovered, improved, first in rows:
        db.session.add(CourseOutcomeStat(
            quarter=QUARTER, centre_id=centre, measured=measured,
            caseness=caseness * measured, recovered=recovered * caseness * measured,
            improved=improved * measured,
            reliably_recovered=recovered * caseness * improved * measured,
            deteriorated=(1 - improved) * measured * (first % 2),
            days_to_first=first, days_to_second=first % 9))
    db.session.commit()
    view = outcomes.build(None, EVERYWHERE, QUARTER, k)
    assert not [n for n in view.published() if 0 < n < k]


def test_the_discharge_answers_are_shown_only_with_k_answers(app):
    from app.reports.models import ExperienceStat

    _add(1, 5)
    for helped in (5, 4, 4, 2, 1):
        db.session.add(ExperienceStat(quarter=QUARTER, centre_id=1, helped=helped,
                                      recommend="yes"))
    db.session.commit()
    view = outcomes.build(None, EVERYWHERE, QUARTER, 5)
    assert view.experience["recommend"].count == 5
    assert view.experience["helped"].count is None  # 3 of 5: the 2 others would show
    db.session.query(ExperienceStat).delete()
    db.session.add(ExperienceStat(quarter=QUARTER, centre_id=1, helped=5, recommend="yes"))
    db.session.commit()
    assert outcomes.build(None, EVERYWHERE, QUARTER, 5).experience == {}
