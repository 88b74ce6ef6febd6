"""Who may open what: every view declares its rule, and the rest is closed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.accounts.models import Role, User
from app.audit.models import AuditEvent
from app.extensions import db
from app.security.access import ACCESS_ATTR, public
from tests.helpers import submit, text


def test_every_endpoint_declares_who_may_use_it(app):
    undeclared = [
        rule.endpoint for rule in app.url_map.iter_rules()
        if rule.endpoint != "static" and not hasattr(app.view_functions[rule.endpoint],
                                                     ACCESS_ATTR)
    ]
    assert undeclared == []


def test_a_view_without_a_rule_is_closed(make_app, databases):
    app = make_app(SQLALCHEMY_DATABASE_URI=databases.new())
    app.add_url_rule("/forgotten", "forgotten", lambda: "secret")
    app.add_url_rule("/open", "open", public(lambda: "hello"))
    client = app.test_client()
    assert client.get("/forgotten").status_code == 403
    assert "secret" not in text(client.get("/forgotten"))
    assert client.get("/open").status_code == 200
    with app.app_context():
        db.engine.dispose()  # the refusal was audited: close that connection now


def test_anonymous_visitor_is_sent_to_sign_in_and_back(client):
    response = client.get("/admin/staff")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/account/login?next=")
    assert client.get("/account/").status_code == 302


@pytest.mark.parametrize("role", [Role.WORKER, Role.COUNSELLOR, Role.SOCIAL_WORKER])
def test_only_admins_reach_staff_accounts_and_refusals_are_audited(
    make_user, signed_in, role
):
    user = make_user(role)
    client = signed_in(user)
    assert client.get("/admin/staff").status_code == 403
    assert client.get("/admin/staff/new").status_code == 403
    denied = db.session.scalars(
        select(AuditEvent).where(AuditEvent.action == "access.denied")).all()
    assert [(e.actor, e.target) for e in denied] == [
        (user.uid, "admin.staff"), (user.uid, "admin.new_staff")]


def test_staff_holding_several_roles_get_each_roles_access(make_user, signed_in):
    both = make_user(Role.COUNSELLOR, roles=(Role.COUNSELLOR, Role.ADMIN))
    assert both.roles == {Role.COUNSELLOR, Role.ADMIN}
    assert signed_in(both).get("/admin/staff").status_code == 200


def test_admin_sees_staff_and_the_listing_is_audited(admin, counsellor, signed_in):
    page = text(signed_in(admin).get("/admin/staff"))
    assert counsellor.email in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "staff.listed")) == 1


def test_admin_creates_a_staff_account_on_the_page(admin, signed_in):
    client = signed_in(admin)
    response = submit(client, "/admin/staff/new", {
        "name": "周老师", "email": "Zhou@Example.com", "phone": "", "roles": ["counsellor"],
        "password": "steady hands on the wheel",
    })
    assert response.status_code == 303
    created = db.session.scalar(select(User).where(User.id != admin.id))
    assert created.roles == {Role.COUNSELLOR}
    assert created.email == "zhou@example.com"
    assert "周老师" in text(client.get("/admin/staff"))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"email": "not-an-email"}, "Enter a valid email address"),
        ({"roles": []}, "Choose at least one role."),
        ({"phone": "123"}, "Enter an 11-digit mainland mobile number"),
        ({"password": "qwerty123"}, "too common"),
        ({"roles": ["root"]}, "not a valid choice"),
    ],
)
def test_bad_staff_form_explains_and_writes_nothing(admin, signed_in, data, message):
    client = signed_in(admin)
    form = {"name": "周老师", "email": "zhou@example.com", "phone": "",
            "roles": ["counsellor"], "password": "steady hands on the wheel", **data}
    client.get("/?lang=en")
    response = submit(client, "/admin/staff/new", form)
    assert response.status_code == 200
    assert message in text(response)
    assert 'value="周老师"' in text(response)
    assert db.session.scalar(select(func.count()).select_from(User)) == 1
