"""Centre-wide closures: sessions in them are called off, each booked person is told once,
nothing new is scheduled or bookable inside them, and a holiday file can close the network."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.admin import services as admin_services
from app.booking import bookable, bookings
from app.booking.closures import ClosureError, close_centre, load_calendar
from app.booking.models import Availability, Booking, CentreClosure, Session, WaitlistEntry
from app.booking.scheduling import (
    SchedulingError,
    generate_sessions,
    local_zone,
    schedule_session,
)
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.reports.models import ActivityStat
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session, seat_invariant  # noqa: F401

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def network(counsellor):
    group = make_service("group-stress", capacity=2, duration=60)
    centre = make_centre("hub", services=[group], staff=[counsellor])
    other = make_centre("dehua", services=[group], staff=[counsellor])
    return centre, other, group


def _local_day(days: int):
    return (utcnow() + timedelta(days=days)).astimezone(local_zone()).date()


def _notices(user) -> list[OutboxMessage]:
    return list(db.session.scalars(select(OutboxMessage).where(
        OutboxMessage.user_id == user.id, OutboxMessage.kind == "booking.closure")))


def test_a_closure_cancels_its_sessions_and_tells_each_booked_person_once(
        network, counsellor, admin, make_user, seat_invariant):  # noqa: F811
    centre, other, group = network
    first = make_session(centre, group, counsellor, starts_in=timedelta(days=3))
    second = make_session(centre, group, counsellor,
                          starts_in=timedelta(days=3, hours=3))
    outside = make_session(centre, group, counsellor, starts_in=timedelta(days=9))
    elsewhere = make_session(other, group, counsellor, starts_in=timedelta(days=3, hours=6))
    anna, ben, cai = (make_user() for _ in range(3))
    anna_first = bookings.book(anna, first.id)
    bookings.book(anna, second.id)  # Anna has two bookings in the closure: one notice
    bookings.book(ben, first.id)
    waiting = bookings.join_waitlist(cai, first.id)  # full: Cai waits
    bookings.book(cai, outside.id)
    bookings.book(ben, elsewhere.id)

    day = first.starts_at.astimezone(local_zone()).date()
    done = admin_services.close_centre(admin, centre_id=centre.id, first_day=day,
                                       last_day=day + timedelta(days=1),
                                       reason_zh="台风停课", reason_en="Typhoon")
    db.session.commit()

    assert (done.sessions, done.notified) == (2, 2)
    for session in (first, second):
        db.session.refresh(session)
        assert session.status == "cancelled"
        assert session.booked == 0
    db.session.refresh(outside)
    db.session.refresh(elsewhere)
    assert outside.status == elsewhere.status == "scheduled"
    db.session.refresh(anna_first)
    assert anna_first.status == "cancelled"
    # One notice per person per channel, however many bookings it cancelled.
    anna_notes = _notices(anna)
    assert len({m.channel for m in anna_notes}) == len(anna_notes) >= 1
    assert len(_notices(ben)) >= 1
    assert _notices(cai) == []
    # No per-booking "cancelled" message besides it, and the reminders are gone.
    assert db.session.scalar(select(func.count(OutboxMessage.id)).where(
        OutboxMessage.user_id == anna.id, OutboxMessage.kind.in_(
            ("booking.cancelled", "booking.centre_cancelled", "booking.reminder")))) == 0
    assert db.session.get(WaitlistEntry, waiting.id).status == "expired"
    # Still active: the bookings outside the closure.
    assert db.session.scalar(select(func.count(Booking.id)).where(
        Booking.status == "confirmed")) == 2
    # Counted as cancelled by the centre in the de-identified statistics.
    assert db.session.scalar(select(func.count(ActivityStat.id)).where(
        ActivityStat.event == "centre_cancelled")) == 3


def test_closing_twice_or_with_bad_days_is_refused_and_changes_nothing(network, admin):
    centre, _other, _group = network
    day = _local_day(5)
    admin_services.close_centre(admin, centre_id=centre.id, first_day=day, last_day=day,
                                reason_zh="春节")
    db.session.commit()
    for first, last, reason in ((day, day, "春节"), (day, day - timedelta(days=1), "x"),
                                (day, day + timedelta(days=40), "x"), (day, day, " ")):
        with pytest.raises(admin_services.AdminError):
            admin_services.close_centre(admin, centre_id=centre.id, first_day=first,
                                        last_day=last, reason_zh=reason)
        db.session.rollback()
    assert db.session.scalar(select(func.count(CentreClosure.id))) == 1


def test_nothing_new_is_scheduled_or_bookable_inside_a_closure(network, counsellor, admin,
                                                              make_user):
    centre, _other, group = network
    session = make_session(centre, group, counsellor, starts_in=timedelta(days=4))
    day = session.starts_at.astimezone(local_zone()).date()
    # A closure made directly (e.g. loaded before the session existed) still hides it.
    close_centre(None, centre, day, day, "劳动节")
    session.status = "scheduled"
    db.session.commit()
    now = utcnow()
    assert not bookable.is_open(session, now)
    assert db.session.scalar(select(Session.id).where(bookable.bookable_clause(now))) is None
    with pytest.raises(SchedulingError, match="closed"):
        schedule_session(admin, centre=centre, service=group, counsellor=counsellor,
                         starts_at=session.starts_at + timedelta(hours=2), room="201")
    # Weekly hours give no slots that day either.
    db.session.add(Availability(counsellor_id=counsellor.id, centre_id=centre.id,
                                service_id=group.id, weekday=day.weekday(),
                                start_time=time(9),
                                end_time=time(11), valid_from=day))
    db.session.commit()
    assert generate_sessions(day, 1) == 0


def test_holiday_file_closes_every_centre_once_and_skips_days_over(network, counsellor):
    import yaml

    centre, other, _group = network
    data = yaml.safe_load((ROOT / "data/holidays/cn-2026.yaml").read_text(encoding="utf-8"))
    assert len(data["holidays"]) == 7
    assert "国务院办公厅" in data["source"]
    future = _local_day(20)
    data["holidays"].append({"first_day": future, "last_day": future + timedelta(days=2),
                             "reason_zh": "演习", "reason_en": "Drill"})
    report = load_calendar(data, [centre, other], now=utcnow())
    db.session.commit()
    # 2026's holidays are all over by the test's "now" or not, depending on the date: every
    # entry is either made or skipped as over, per centre.
    assert report.created + report.over == 16
    assert report.created >= 2
    again = load_calendar(data, [centre, other])
    assert again.created == 0
    assert again.existing == report.created


def test_a_malformed_holiday_file_writes_nothing(network):
    centre, _other, _group = network
    with pytest.raises(ClosureError):
        load_calendar({"holidays": [{"first_day": _local_day(9), "reason_zh": "好"},
                                    {"reason_zh": "no day"}]}, [centre])
    db.session.rollback()
    assert db.session.scalar(select(func.count(CentreClosure.id))) == 0


def test_the_command_loads_a_file(app, network, tmp_path):
    path = tmp_path / "h.yaml"
    day = _local_day(12)
    path.write_text(f"holidays:\n  - {{first_day: {day.isoformat()}, reason_zh: 台风}}\n",
                    encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["closures", "load", str(path),
                                                "--centre", "all"])
    assert result.exit_code == 0, result.output
    assert "closures created 2" in result.output
    result = app.test_cli_runner().invoke(args=["closures", "load", str(path),
                                                "--centre", "nowhere"])
    assert result.exit_code != 0


def test_the_closures_page_closes_a_centre_and_shows_why_it_refuses(network, counsellor,
                                                                    admin, signed_in):
    from tests.helpers import csrf_token

    centre, _other, group = network
    session = make_session(centre, group, counsellor, starts_in=timedelta(days=6))
    day = session.starts_at.astimezone(local_zone()).date()
    client = signed_in(admin)
    page = client.get("/admin/closures")
    token = csrf_token(page.get_data(as_text=True))
    backwards = {"csrf_token": token, "centre": str(centre.id), "first_day": day.isoformat(),
                 "last_day": (day - timedelta(days=1)).isoformat(), "reason_zh": "台风"}
    refused = client.post("/admin/closures", data=backwards)
    assert refused.status_code == 200
    assert "最后一天不能早于第一天" in refused.get_data(as_text=True)
    assert db.session.scalar(select(func.count(CentreClosure.id))) == 0
    done = client.post("/admin/closures", data={**backwards, "last_day": day.isoformat()})
    assert done.status_code == 303
    listing = client.get("/admin/closures").get_data(as_text=True)
    assert "台风" in listing
    db.session.refresh(session)
    assert session.status == "cancelled"
