"""Closures corrected and removed, and a year's holidays loaded from the closures page:
a changed closure calls off what it newly covers (each person told once); removing one
opens the days again but restores no session; a county admin reaches only their own."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role
from app.admin import services as admin_services
from app.booking import bookings, closures
from app.booking.models import CentreClosure, Session
from app.booking.scheduling import local_zone
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.types import utcnow
from tests.booking_helpers import make_centre, make_service, make_session
from tests.helpers import csrf_token, text


@pytest.fixture
def network(counsellor, make_user):
    group = make_service("group-stress", capacity=5, duration=60)
    hub = make_centre("hub", services=[group], staff=[counsellor])
    county = make_centre("dehua", services=[group], staff=[counsellor])
    county.kind, county.parent_id = "county", hub.id
    county_admin = make_user(Role.ADMIN)
    county_admin.role_links[0].centre_id = county.id
    db.session.commit()
    return hub, county, group, county_admin


def _day(days: int):
    return (utcnow() + timedelta(days=days)).astimezone(local_zone()).date()


def _closure(admin, centre, first: int, last: int) -> CentreClosure:
    done = admin_services.close_centre(admin, centre_id=centre.id, first_day=_day(first),
                                       last_day=_day(last), reason_zh="台风")
    db.session.commit()
    return done.closure


def test_widening_a_closure_calls_off_the_newly_covered_sessions_once(
        network, counsellor, admin, make_user):
    hub, _county, group, _ = network
    closure = _closure(admin, hub, 3, 3)
    later = make_session(hub, group, counsellor, starts_in=timedelta(days=5, hours=2))
    person = make_user()
    bookings.book(person, later.id)
    done = admin_services.change_closure(admin, closure, first_day=_day(3),
                                         last_day=_day(6), reason_zh="台风（延长）")
    db.session.commit()
    assert done.sessions == 1
    assert db.session.get(Session, later.id).status == "cancelled"
    told = db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.user_id == person.id, OutboxMessage.kind == "booking.closure"))
    assert told >= 1
    # Saving again without a change calls off nothing more and tells nobody again.
    again = admin_services.change_closure(admin, closure, first_day=_day(3),
                                          last_day=_day(6), reason_zh="台风（延长）")
    assert (again.sessions, again.notified) == (0, 0)


def test_removing_a_closure_restores_no_session(network, counsellor, admin, make_user,
                                                signed_in):
    hub, _county, group, _ = network
    inside = make_session(hub, group, counsellor, starts_in=timedelta(days=4, hours=2))
    bookings.book(make_user(), inside.id)
    closure = _closure(admin, hub, 4, 4)
    assert db.session.get(Session, inside.id).status == "cancelled"
    client = signed_in(admin)
    page = text(client.get(f"/admin/closures/{closure.id}"))
    assert "不会恢复" in page
    gone = client.post(f"/admin/closures/{closure.id}/remove",
                       data={"csrf_token": csrf_token(page)})
    assert gone.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(CentreClosure)) == 0
    assert db.session.get(Session, inside.id).status == "cancelled"


def test_a_bad_change_is_refused_with_a_message_and_changes_nothing(network, admin,
                                                                    signed_in):
    hub, _county, _group, _ = network
    closure = _closure(admin, hub, 3, 4)
    client = signed_in(admin)
    page = text(client.get(f"/admin/closures/{closure.id}"))
    refused = client.post(f"/admin/closures/{closure.id}", data={
        "csrf_token": csrf_token(page), "first_day": _day(6).isoformat(),
        "last_day": _day(5).isoformat(), "reason_zh": "台风", "reason_en": ""})
    assert refused.status_code == 200
    assert "最后一天不能早于第一天" in text(refused) or "last day" in text(refused)
    db.session.expire_all()
    assert db.session.get(CentreClosure, closure.id).last_day == _day(4)


def test_a_county_admin_changes_only_their_own_centres_closures(network, admin):
    hub, county, _group, county_admin = network
    theirs = _closure(admin, county, 3, 3)
    not_theirs = _closure(admin, hub, 3, 3)
    assert admin_services.closure_for(county_admin, theirs.id) is theirs
    with pytest.raises(admin_services.OutOfScopeError):
        admin_services.closure_for(county_admin, not_theirs.id)
    with pytest.raises(admin_services.OutOfScopeError):
        admin_services.remove_closure(county_admin, not_theirs)


def test_the_page_loads_a_holiday_calendar_for_the_admins_centres(network, admin,
                                                                  monkeypatch, tmp_path,
                                                                  signed_in):
    _hub, county, _group, county_admin = network
    first = _day(20)
    (tmp_path / "cn-2099.yaml").write_text(
        "source: test calendar\nholidays:\n"
        f"  - {{first_day: {first.isoformat()}, last_day: {first.isoformat()}, "
        "reason_zh: 测试假日, reason_en: Test holiday}\n", encoding="utf-8")
    (tmp_path / "notes.txt").write_text("not a calendar")
    monkeypatch.setattr(closures, "HOLIDAY_DIR", tmp_path)
    client = signed_in(county_admin)
    page = text(client.get("/admin/closures"))
    assert "cn-2099.yaml" in page
    refused = client.post("/admin/closures/calendar", data={
        "csrf_token": csrf_token(page), "calendar": "../secrets.yaml", "centre": "0"})
    assert refused.status_code == 200
    assert db.session.scalar(select(func.count()).select_from(CentreClosure)) == 0
    done = client.post("/admin/closures/calendar", data={
        "csrf_token": csrf_token(page), "calendar": "cn-2099.yaml", "centre": "0"})
    assert done.status_code == 303
    rows = db.session.scalars(select(CentreClosure)).all()
    assert [(r.centre_id, r.first_day) for r in rows] == [(county.id, first)]


def test_the_shipped_calendars_name_their_source():
    files = dict(closures.calendar_files())
    assert "cn-2026.yaml" in files
    assert "国务院办公厅" in files["cn-2026.yaml"]
