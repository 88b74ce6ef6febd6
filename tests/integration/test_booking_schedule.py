"""Sessions from availability, leave and extra hours; a counsellor is never in two places."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError

from app.booking.models import Availability, AvailabilityException, Session
from app.booking.scheduling import SchedulingError, generate_sessions, schedule_session
from app.extensions import db
from tests.booking_helpers import make_centre, make_service, make_session
from tests.conftest import IS_POSTGRES

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONDAY = date(2030, 1, 7)


@pytest.fixture
def setup(counsellor):
    individual = make_service("counselling", kind="individual", capacity=1, duration=50,
                              buffer_minutes=10)
    group = make_service("group-stress", capacity=12, duration=90)
    centre = make_centre(services=[individual, group], staff=[counsellor])
    db.session.add(Availability(counsellor_id=counsellor.id, centre_id=centre.id,
                                service_id=individual.id, weekday=0, start_time=time(9),
                                end_time=time(12), valid_from=MONDAY))
    db.session.commit()
    return centre, individual, group


def _starts(counsellor) -> list[str]:
    return [s.starts_at.astimezone(SHANGHAI).strftime("%m-%d %H:%M") for s in db.session.scalars(
        select(Session).where(Session.counsellor_id == counsellor.id)
        .order_by(Session.starts_at))]


def test_weekly_rule_gives_slots_and_is_idempotent(setup, counsellor):
    assert generate_sessions(MONDAY, 8) == 6  # two Mondays, three slots each
    db.session.commit()
    assert generate_sessions(MONDAY, 8) == 0
    assert _starts(counsellor)[:3] == ["01-07 09:00", "01-07 10:00", "01-07 11:00"]


def test_leave_removes_and_extra_hours_add_slots(setup, counsellor):
    centre, individual, _group = setup
    leave_start = datetime.combine(MONDAY, time(9, 30), SHANGHAI).astimezone(UTC)
    db.session.add(AvailabilityException(counsellor_id=counsellor.id, kind="leave",
                                         starts_at=leave_start,
                                         ends_at=leave_start + timedelta(hours=1)))
    extra_start = datetime.combine(MONDAY + timedelta(days=2), time(19), SHANGHAI)
    extra_end = extra_start + timedelta(hours=1)
    db.session.add(AvailabilityException(counsellor_id=counsellor.id, kind="extra",
                                         centre_id=centre.id, service_id=individual.id,
                                         starts_at=extra_start.astimezone(UTC),
                                         ends_at=extra_end.astimezone(UTC)))
    db.session.commit()
    generate_sessions(MONDAY, 7)
    db.session.commit()
    assert _starts(counsellor) == ["01-07 11:00", "01-09 19:00"]


def test_group_session_overlapping_a_slot_is_refused(setup, counsellor, admin):
    centre, _individual, group = setup
    generate_sessions(MONDAY, 1)
    db.session.commit()
    with pytest.raises(SchedulingError, match="already has a session"):
        schedule_session(admin, centre=centre, service=group, counsellor=counsellor,
                         starts_at=datetime.combine(MONDAY, time(10, 30), SHANGHAI), room="A")
    session = schedule_session(admin, centre=centre, service=group, counsellor=counsellor,
                               starts_at=datetime.combine(MONDAY, time(14), SHANGHAI), room="A",
                               capacity=8)
    db.session.commit()
    assert session.capacity == 8


def test_availability_skips_slots_the_counsellor_is_busy_in(setup, counsellor, admin):
    centre, _individual, group = setup
    schedule_session(admin, centre=centre, service=group, counsellor=counsellor,
                     starts_at=datetime.combine(MONDAY, time(10), SHANGHAI), room="A")
    db.session.commit()
    generate_sessions(MONDAY, 1)
    assert _starts(counsellor) == ["01-07 09:00", "01-07 10:00"]


@pytest.mark.postgres
@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL pass only")
def test_exclusion_constraint_refuses_overlap_directly(counsellor):
    service = make_service()
    centre = make_centre(services=[service])
    first = make_session(centre, service, counsellor)
    with pytest.raises(IntegrityError, match="ex_sessions_counsellor_overlap"):
        db.session.execute(text(
            "INSERT INTO sessions (centre_id, service_id, counsellor_id, room, starts_at, "
            "ends_at, capacity, booked, status, generated, created_at) VALUES (:c, :s, :u, '', "
            ":a, :b, 1, 0, 'scheduled', false, now())"),
            {"c": centre.id, "s": service.id, "u": counsellor.id,
             "a": first.starts_at + timedelta(minutes=10),
             "b": first.ends_at + timedelta(minutes=10)})
    db.session.rollback()


def test_admin_scheduling_keeps_the_buffer_and_leave(setup, counsellor, admin):
    """Issue 15/20: 5 minutes after the counsellor's session is inside the 10-minute buffer;
    a day of leave refuses it too."""
    centre, individual, group = setup
    first = schedule_session(admin, centre=centre, service=individual, counsellor=counsellor,
                             starts_at=datetime.combine(MONDAY, time(14), SHANGHAI), room="A")
    db.session.commit()
    with pytest.raises(SchedulingError, match="10 minutes"):
        schedule_session(admin, centre=centre, service=individual, counsellor=counsellor,
                         starts_at=first.ends_at + timedelta(minutes=5), room="A")
    db.session.rollback()
    later = schedule_session(admin, centre=centre, service=individual, counsellor=counsellor,
                             starts_at=first.ends_at + timedelta(minutes=10), room="A")
    assert later.id
    db.session.commit()
    leave_day = datetime.combine(MONDAY + timedelta(days=1), time(0), SHANGHAI)
    db.session.add(AvailabilityException(counsellor_id=counsellor.id, kind="leave",
                                         starts_at=leave_day.astimezone(UTC),
                                         ends_at=(leave_day + timedelta(days=1)).astimezone(UTC)))
    db.session.commit()
    with pytest.raises(SchedulingError, match="on leave"):
        schedule_session(admin, centre=centre, service=group, counsellor=counsellor,
                         starts_at=leave_day + timedelta(hours=15), room="A")


def test_only_admins_schedule_for_others(setup, counsellor):
    centre, _individual, group = setup
    with pytest.raises(SchedulingError):
        schedule_session(counsellor, centre=centre, service=group, counsellor=counsellor,
                         starts_at=datetime.combine(MONDAY, time(15), SHANGHAI), room="A")
