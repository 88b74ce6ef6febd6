"""Roles held per centre: a county admin runs their own centre, a county social worker reads
their own centre's reports, and the hub's staff reach the whole network."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask_migrate import upgrade
from sqlalchemy import select, text

from app.accounts import services as accounts
from app.accounts.models import Role, User
from app.admin import services as admin_services
from app.audit.models import AuditEvent
from app.booking.models import Centre, Service
from app.extensions import db
from app.reports import services as reports
from app.security.scope import centres_in_scope
from tests.booking_helpers import make_centre, make_service
from tests.helpers import PASSWORD, submit
from tests.helpers import text as page_text

MIGRATIONS = str(Path(__file__).resolve().parents[2] / "migrations")


@pytest.fixture
def network(app):
    """The hub and two county centres under it."""
    hub = make_centre("qz-hub")
    counties = {}
    for code in ("anxi", "dehua"):
        counties[code] = make_centre(code)
        counties[code].kind, counties[code].parent_id = "county", hub.id
    db.session.commit()
    return {"hub": hub, **counties}


def held_at(user: User, centre: Centre, *, works_there: bool = True) -> User:
    """Move every staff role of ``user`` to ``centre`` (and list them among its staff)."""
    for link in user.role_links:
        link.centre_id = centre.id
    if works_there:
        centre.staff.append(user)
    db.session.commit()
    return user


@pytest.fixture
def county_admin(make_user, network):
    return held_at(make_user(Role.ADMIN, name="安溪管理员"), network["anxi"], works_there=False)


@pytest.fixture
def hub_admin(make_user, network):
    return held_at(make_user(Role.ADMIN), network["hub"], works_there=False)


@pytest.fixture
def anxi_counsellor(make_user, network):
    return held_at(make_user(Role.COUNSELLOR, name="安溪老师"), network["anxi"])


@pytest.fixture
def dehua_counsellor(make_user, network):
    return held_at(make_user(Role.COUNSELLOR, name="德化老师"), network["dehua"])


# -- the rule ---------------------------------------------------------------------------------
def test_a_role_at_the_hub_or_nowhere_covers_the_network_and_a_county_role_its_centre(
        app, network, county_admin, hub_admin, admin):
    assert centres_in_scope(hub_admin, Role.ADMIN).everywhere
    assert centres_in_scope(admin, Role.ADMIN).everywhere  # made before any hub: global
    county = centres_in_scope(county_admin, Role.ADMIN)
    assert not county.everywhere
    assert county.centre_ids == {network["anxi"].id}
    assert county.covers(network["anxi"].id)
    assert not county.covers(network["dehua"].id)
    assert county_admin.has_role("admin")  # any scope: the menus keep working
    assert not centres_in_scope(county_admin, Role.SOCIAL_WORKER)


def test_one_person_may_hold_different_roles_at_different_centres(app, network, county_admin):
    county_admin.grant(Role.SOCIAL_WORKER, network["dehua"].id)
    db.session.commit()
    assert centres_in_scope(county_admin, Role.ADMIN).centre_ids == {network["anxi"].id}
    assert centres_in_scope(county_admin, Role.SOCIAL_WORKER).centre_ids == {
        network["dehua"].id}


# -- staff ---------------------------------------------------------------------------------------
def test_a_county_admin_sees_and_edits_only_their_own_centres_staff(
        signed_in, county_admin, anxi_counsellor, dehua_counsellor):
    client = signed_in(county_admin)
    listing = page_text(client.get("/admin/staff"))
    assert "安溪老师" in listing
    assert "德化老师" not in listing
    assert client.get(f"/admin/staff/{anxi_counsellor.uid}/edit").status_code == 200
    for url in (f"/admin/staff/{dehua_counsellor.uid}/edit",):
        assert client.get(url).status_code == 404
    for action in ("lock", "sessions/end", "authenticator/reset"):
        response = submit(client, f"/admin/staff/{dehua_counsellor.uid}/{action}", {},
                          form_url="/admin/staff")
        assert response.status_code == 404
    db.session.expire_all()
    assert dehua_counsellor.is_active


def test_the_hub_admin_edits_anyones_roles_per_centre_and_it_is_audited(
        signed_in, hub_admin, dehua_counsellor, network):
    client = signed_in(hub_admin)
    response = submit(client, f"/admin/staff/{dehua_counsellor.uid}/edit", {
        "name": "德化老师", "email": dehua_counsellor.email, "phone": "",
        "assignments": [f"counsellor:{network['dehua'].id}",
                        f"social_worker:{network['anxi'].id}"]})
    assert response.status_code == 303
    db.session.expire_all()
    assert dehua_counsellor.role_centres(Role.COUNSELLOR) == {network["dehua"].id}
    assert dehua_counsellor.role_centres(Role.SOCIAL_WORKER) == {network["anxi"].id}
    assert {c.code for c in admin_services.centres_of(dehua_counsellor)} == {"anxi", "dehua"}
    event = db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "account.staff_updated"))
    assert event.detail["centres"] == sorted([network["anxi"].id, network["dehua"].id])


def test_a_county_admin_cannot_give_a_role_at_another_centre(
        signed_in, county_admin, anxi_counsellor, network):
    client = signed_in(county_admin)
    page = page_text(client.get(f"/admin/staff/{anxi_counsellor.uid}/edit"))
    assert re.search(rf'value="counsellor:{network["anxi"].id}"[^>]*checked', page) or \
        re.search(rf'checked[^>]*value="counsellor:{network["anxi"].id}"', page)
    assert f"counsellor:{network['dehua'].id}" not in page  # only their centres are offered
    response = submit(client, f"/admin/staff/{anxi_counsellor.uid}/edit?lang=en", {
        "name": "安溪老师", "email": anxi_counsellor.email, "phone": "",
        "assignments": [f"admin:{network['hub'].id}"]})
    assert response.status_code == 200
    assert "not a valid choice" in page_text(response)
    with pytest.raises(admin_services.AdminError):  # the rule, not only the form
        admin_services.update_staff(county_admin, anxi_counsellor, name="x",
                                    email=anxi_counsellor.email, phone=None,
                                    assignments=[(Role.ADMIN, network["hub"].id)])
    db.session.rollback()
    db.session.expire_all()
    assert anxi_counsellor.roles == {Role.COUNSELLOR}


def test_a_county_admin_creates_staff_for_their_centre(signed_in, county_admin, network):
    client = signed_in(county_admin)
    response = submit(client, "/admin/staff/new", {
        "name": "新社工", "email": "new.sw@example.com", "phone": "",
        "assignments": [f"social_worker:{network['anxi'].id}"],
        "password": "steady hands on the wheel"})
    assert response.status_code == 303
    created = accounts.find_by_login("new.sw@example.com")
    assert created.role_centres(Role.SOCIAL_WORKER) == {network["anxi"].id}
    assert "新社工" in page_text(client.get("/admin/staff"))


# -- centres, services, sessions, network pages -------------------------------------------------
def test_a_county_admin_runs_their_own_centre_only(signed_in, county_admin, network):
    client = signed_in(county_admin)
    listing = page_text(client.get("/admin/centres"))
    assert "Centre anxi" in listing or "中心 anxi" in listing
    assert "中心 dehua" not in listing
    assert "中心 qz-hub" not in listing
    assert client.get(f"/admin/centres/{network['anxi'].id}").status_code == 200
    assert client.get(f"/admin/centres/{network['dehua'].id}").status_code == 404
    assert client.get(f"/admin/centres/{network['hub'].id}").status_code == 404
    for page in ("/admin/centres/new", "/admin/audit", "/admin/keys"):
        assert client.get(page).status_code == 403, page
    assert "/admin/audit" not in page_text(client.get("/admin/"))


def test_a_county_admins_new_service_is_their_centres_and_shared_ones_are_not_theirs(
        signed_in, county_admin, network):
    shared = make_service("counselling")
    network["anxi"].services.append(shared)
    network["dehua"].services.append(shared)
    db.session.commit()
    client = signed_in(county_admin)
    assert client.get(f"/admin/services/{shared.id}").status_code == 404
    response = submit(client, "/admin/services/new", {
        "code": "anxi-tea", "kind": "group", "name_zh": "茶艺减压", "name_en": "Tea",
        "duration_minutes": "60", "capacity": "8", "cancellation_window_hours": "24",
        "min_notice_hours": "2", "horizon_days": "30", "buffer_minutes": "10", "active": "y"})
    assert response.status_code == 303
    created = db.session.scalar(select(Service).where(Service.code == "anxi-tea"))
    assert [c.code for c in created.centres] == ["anxi"]
    assert client.get(f"/admin/services/{created.id}").status_code == 200


def test_a_county_admin_schedules_only_at_their_centre(app, county_admin, dehua_counsellor,
                                                       network):
    from datetime import UTC, datetime, timedelta

    service = make_service()
    with pytest.raises(admin_services.AdminError) as refused:
        admin_services.schedule(county_admin, centre_id=network["dehua"].id,
                                service_id=service.id, counsellor_id=dehua_counsellor.id,
                                starts_at=datetime.now(UTC) + timedelta(days=3), room="1",
                                capacity=None)
    assert refused.value.field == "centre"


# -- reports -------------------------------------------------------------------------------------
def test_a_county_social_workers_reports_are_forced_to_their_centre(
        signed_in, make_user, network):
    reader = held_at(make_user(Role.SOCIAL_WORKER), network["anxi"])
    scope = reports.report_scope(reader)
    assert reports.parse_filters({"period": "2026"}, scope=scope).place == "anxi"
    assert reports.parse_filters({"place": "network"}, scope=scope).place == "anxi"
    with pytest.raises(reports.ReportError):
        reports.parse_filters({"place": "dehua"}, scope=scope)
    with pytest.raises(reports.ReportError):
        reports.parse_filters({"place": "hub"}, scope=scope)
    places = [code for code, _label in reports.choices("en", scope=scope)["places"]]
    assert places == ["anxi"]
    client = signed_in(reader)
    assert client.get("/reports/").status_code == 200
    assert client.get("/reports/?place=dehua").status_code == 400
    assert client.get("/reports/export.csv?place=dehua").status_code == 400
    export = client.get("/reports/export.csv")
    assert export.status_code == 200
    assert "anxi" in export.headers["Content-Disposition"]


def test_the_hubs_social_worker_reads_the_whole_network(signed_in, make_user, network):
    reader = held_at(make_user(Role.SOCIAL_WORKER), network["hub"])
    scope = reports.report_scope(reader)
    assert reports.parse_filters({}, scope=scope).place == "network"
    assert reports.parse_filters({"place": "dehua"}, scope=scope).place == "dehua"
    assert signed_in(reader).get("/reports/?place=dehua").status_code == 200


# -- the command line and the migration ----------------------------------------------------------
def test_users_create_with_a_centre_makes_a_county_admin(app, network):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "--role", "admin", "--centre", "anxi",
                                 "--email", "anxi.admin@example.com", "--password", PASSWORD])
    assert result.exit_code == 0, result.output
    assert "at anxi" in result.output
    user = accounts.find_by_login("anxi.admin@example.com")
    assert centres_in_scope(user, Role.ADMIN).centre_ids == {network["anxi"].id}
    refused = runner.invoke(args=["users", "create", "--role", "admin", "--centre", "nowhere",
                                  "--email", "x@example.com", "--password", PASSWORD])
    assert refused.exit_code != 0
    assert "nowhere" in refused.output
    assert accounts.find_by_login("x@example.com") is None


def test_the_migration_makes_existing_staff_roles_the_hubs(make_app, databases):
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new())
    with app.app_context():
        upgrade(directory=MIGRATIONS, revision="0020_phone2_mfa_reset")
        db.session.execute(Centre.__table__.insert().values(
            id=7, code="qz-hub", kind="hub", name_zh="h", name_en="h", region_zh="r",
            region_en="r", address_zh="a", address_en="a", phone="1", hours_zh="h",
            hours_en="h", directions_zh="", directions_en="", active=True))
        for uid, role in ((1, "admin"), (2, "worker")):
            db.session.execute(User.__table__.insert().values(
                id=uid, password_hash="x", active=True))
            db.session.execute(text("INSERT INTO user_roles (user_id, role) VALUES (:u, :r)"),
                               {"u": uid, "r": role})
        db.session.commit()
        upgrade(directory=MIGRATIONS)
        rows = db.session.execute(text(
            "SELECT user_id, role, centre_id FROM user_roles ORDER BY user_id")).all()
        assert [tuple(r) for r in rows] == [(1, "admin", 7), (2, "worker", None)]
        db.session.remove()
        db.engine.dispose()


# -- the network's calendar: closures, rooms and events stay within the county ---------------
def test_a_county_admin_closes_adds_rooms_and_sees_closures_only_at_their_own_centre(
        app, network, county_admin, hub_admin):
    from datetime import date, timedelta

    day = date.today() + timedelta(days=30)
    with pytest.raises(admin_services.AdminError):
        admin_services.close_centre(county_admin, centre_id=network["dehua"].id,
                                    first_day=day, last_day=day, reason_zh="台风")
    db.session.rollback()
    with pytest.raises(admin_services.AdminError):
        admin_services.save_room(county_admin, None, centre_id=network["hub"].id,
                                 name_zh="一号室", name_en="", capacity=8, accessible=True)
    db.session.rollback()
    hub_room = admin_services.save_room(hub_admin, None, centre_id=network["hub"].id,
                                        name_zh="一号室", name_en="", capacity=8,
                                        accessible=True)
    own_room = admin_services.save_room(county_admin, None, centre_id=network["anxi"].id,
                                        name_zh="安溪活动室", name_en="", capacity=8,
                                        accessible=True)
    admin_services.close_centre(hub_admin, centre_id=network["dehua"].id,
                                first_day=day, last_day=day, reason_zh="台风")
    db.session.commit()
    assert admin_services.rooms(county_admin) == [own_room]
    assert {r.id for r in admin_services.rooms(hub_admin)} == {hub_room.id, own_room.id}
    assert admin_services.upcoming_closures(county_admin) == []
    assert len(admin_services.upcoming_closures(hub_admin)) == 1
    with pytest.raises(admin_services.AdminError):  # another centre's room, renamed by id
        admin_services.save_room(county_admin, hub_room, centre_id=network["anxi"].id,
                                 name_zh="改名", name_en="", capacity=8, accessible=True)
