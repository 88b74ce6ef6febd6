"""The report roll-ups stay in step with the events they count, in the same transaction."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import inspect, select

import assessments
from app.booking import bookings
from app.counselling import services as counselling
from app.extensions import db
from app.reports.history import rebuild_rollups
from app.reports.models import ActivityRollup, ActivityStat, ScreeningRollup
from app.screening import services as screening
from app.screening.models import ScreeningStat
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session
from tests.integration.screening_helpers import PHQ9_CRISIS, PHQ9_MODERATE


def snapshot() -> tuple[set, set]:
    """Both roll-ups as sets of rows."""
    return (set(db.session.execute(select(ScreeningRollup.__table__)).all()),
            set(db.session.execute(select(ActivityRollup.__table__)).all()))


def activity(event: str) -> dict[tuple, int]:
    """Roll-up cells of one event: (centre, service, value) -> n."""
    return {(r.centre_id, r.service, r.value): r.n for r in db.session.scalars(
        select(ActivityRollup).where(ActivityRollup.event == event))}


@pytest.fixture
def place(counsellor):
    group = make_service("group-stress", capacity=1)
    centre = make_centre("hub", services=[group], staff=[counsellor])
    return centre, group


def test_booking_events_are_counted_once_each_and_match_a_rebuild(place, counsellor,
                                                                  make_user):
    centre, group = place
    later = make_session(centre, group, counsellor, starts_in=timedelta(days=6, hours=2))
    soon = make_session(centre, group, counsellor, starts_in=timedelta(hours=30))
    first, second, third = make_user(), make_user(), make_user()

    booking = bookings.book(first, later.id)
    assert activity("booked") == {(centre.id, "group-stress", 6): 1}  # six whole days ahead
    bookings.join_waitlist(second, later.id)
    assert activity("waitlist") == {(centre.id, "group-stress", 0): 1}
    bookings.cancel(first, booking.uid)  # outside the 24 h window
    assert activity("cancelled") == {(centre.id, "group-stress", 0): 1}

    late = bookings.book(third, soon.id)
    bookings.cancel(third, late.uid, now=soon.starts_at - timedelta(hours=3))
    assert activity("late_cancelled") == {(centre.id, "group-stress", 0): 1}

    offer = bookings.my_waitlist(second)[0]
    taken = bookings.accept_offer(second, offer.uid)
    assert sum(activity("booked").values()) == 3  # two direct bookings and one accepted offer
    counselling.set_status(counsellor, taken.uid, "attended",
                           now=later.starts_at + timedelta(minutes=5))
    assert activity("attended") == {(centre.id, "group-stress", 0): 1}

    other = make_user()
    again = bookings.book(other, soon.id)
    counselling.set_status(counsellor, again.uid, "no_show",
                           now=soon.starts_at + timedelta(minutes=20))
    assert activity("no_show") == {(centre.id, "group-stress", 0): 1}

    # The de-identified rows: no person, no time, random keys; the roll-up equals a rebuild.
    columns = {c["name"] for c in inspect(db.engine).get_columns("activity_stats")}
    assert columns == {"id", "event", "month", "centre_id", "service", "value", "mode"}
    assert db.session.scalar(select(ActivityStat.id)) not in {b.uid for b in (booking, late)}
    before = snapshot()
    rebuild_rollups()
    assert snapshot() == before


def test_a_failed_booking_counts_nothing(place, counsellor, make_user):
    centre, group = place
    session = make_session(centre, group, counsellor)
    bookings.book(make_user(), session.id)
    with pytest.raises(bookings.BookingError):
        bookings.book(make_user(), session.id)  # full: rolled back, nothing counted
    assert sum(activity("booked").values()) == 1
    assert len(db.session.scalars(select(ActivityStat)).all()) == 1


def test_results_repeats_flags_and_risk_resolution_are_counted(app, counsellor, make_user):
    from tests.integration.screening_helpers import make_centre as screening_centre

    centre = screening_centre("dehua", counsellor)
    phq9 = assessments.get("phq9")
    person = make_user()
    screening.give_health_consent(person)
    screening.update_profile(person, "25_34", "transport", centre.id)
    screening.save_result(person, phq9, PHQ9_MODERATE, {"difficulty": 1}, keep=True)
    screening.save_result(person, phq9, PHQ9_MODERATE, {"difficulty": 1}, keep=True)
    saved = screening.save_result(None, phq9, PHQ9_CRISIS, {"difficulty": 1}, keep=False)

    stats = db.session.scalars(select(ScreeningStat)).all()
    assert sorted(s.repeat for s in stats) == [False, False, True]  # anonymous: never known
    cells = {(r.band, r.centre_id, r.age_band, r.sector, r.repeat): r.n
             for r in db.session.scalars(select(ScreeningRollup))}
    assert cells == {("moderate", centre.id, "25_34", "transport", 0): 1,
                     ("moderate", centre.id, "25_34", "transport", 1): 1,
                     ("minimal", 0, "", "", 0): 1}
    assert sum(activity("flag").values()) == 1

    with app.test_request_context():  # the counsellors' alert email links to the queue
        item = screening.request_contact(None, centre.id, "0595 1234 5678", False, "any",
                                         saved.result)
    assert activity("contact") == {(centre.id, "", 0): 1}
    item.opened_at = utcnow() - timedelta(hours=5, minutes=10)
    db.session.commit()
    from app.counselling import risk_queue

    risk_queue.record_step(counsellor, item, risk_queue.StepInput(
        kind="closed", outcome="session_booked", note="Called back, booked a session."))
    assert activity("resolved") == {(centre.id, "", 5): 1}  # five whole hours, no timestamp

    before = snapshot()
    rebuild_rollups()
    assert snapshot() == before


def test_one_batch_may_count_the_same_cell_many_times(app):
    """A closure calls off many bookings of one session at once: each is counted (PostgreSQL
    refused a batch that touched one cell twice, and the closure failed)."""
    from app.reports import stats

    cell = dict(month="2026-11", centre_id=1, service="counselling", event="cancelled",
                value=0, n=1)
    stats.upsert_counts(ActivityRollup.__table__, stats.ACTIVITY_KEYS, [cell, cell, cell])
    db.session.commit()
    assert db.session.scalar(select(ActivityRollup.n)) == 3
