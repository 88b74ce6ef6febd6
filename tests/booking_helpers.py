"""Building a small network for booking tests: a centre, its services, sessions."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.accounts.models import User
from app.booking.invariants import seat_mismatches
from app.booking.models import Centre, Service, Session
from app.extensions import db
from app.types import utcnow


def make_centre(code: str = "hub", *, services: list[Service] | None = None,
                staff: list[User] | None = None) -> Centre:
    """A centre with the given services and staff."""
    centre = Centre(code=code, kind="hub", name_zh=f"中心 {code}", name_en=f"Centre {code}",
                    region_zh="市区", region_en="City", address_zh="地址", address_en="Address 1",
                    phone="0595-1", hours_zh="9-17", hours_en="9-17")
    centre.services = services or []
    centre.staff = staff or []
    db.session.add(centre)
    db.session.commit()
    return centre


def make_service(code: str = "group-stress", *, kind: str = "group", capacity: int = 10,
                 duration: int = 60, confirm: bool = False, **rules: int) -> Service:
    """A service with booking rules (defaults as in the demo network)."""
    service = Service(code=code, kind=kind, name_zh=f"服务 {code}", name_en=f"Service {code}",
                      duration_minutes=duration, capacity=capacity, requires_confirmation=confirm,
                      **rules)
    db.session.add(service)
    db.session.commit()
    return service


def make_session(centre: Centre, service: Service, counsellor: User, *,
                 starts_in: timedelta = timedelta(days=3), capacity: int | None = None,
                 starts_at: datetime | None = None) -> Session:
    """A scheduled session starting ``starts_in`` from now."""
    start = starts_at or (utcnow() + starts_in).replace(microsecond=0)
    session = Session(centre=centre, service=service, counsellor=counsellor, room="201",
                      starts_at=start, ends_at=start + timedelta(minutes=service.duration_minutes),
                      capacity=capacity or service.capacity, booked=0)
    db.session.add(session)
    db.session.commit()
    return session


@pytest.fixture
def seat_invariant(app):
    """After the test: every session's ``booked`` equals its active bookings plus open
    waiting-list offers (app/booking/invariants.py). Use it in booking and race tests."""
    yield
    db.session.rollback()
    db.session.expire_all()
    assert seat_mismatches() == [], "seat counters disagree with bookings and offers"


def group_session_tomorrow(counsellor: User) -> tuple[Session, str]:
    """A 3-seat group session at a hub, starting tomorrow, and its day's session list."""
    service = make_service("group-stress", capacity=3)
    hub = make_centre("qz-hub", services=[service], staff=[counsellor])
    session = make_session(hub, service, counsellor, starts_in=timedelta(days=1, hours=3))
    day = session.starts_at.astimezone(ZoneInfo("Asia/Shanghai")).date().isoformat()
    return session, f"/booking?day={day}"
