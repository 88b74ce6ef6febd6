"""The rights of the person: a copy, consents, access history and deletion."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.accounts.models import Consent, User
from app.audit.models import AuditEvent
from app.extensions import db
from app.notifications.models import OutboxMessage
from app.notifications.services import enqueue
from app.security.models import DataKey
from tests.booking_helpers import seat_invariant  # noqa: F401
from tests.helpers import PASSWORD, sign_in, submit, text

pytestmark = pytest.mark.usefixtures("seat_invariant")


def test_download_holds_everything_decrypted(app, client, make_user):
    make_user(login="mei@example.com", name="梅")
    sign_in(client, "mei@example.com")
    response = submit(client, "/account/data/download", {}, form_url="/account/data")
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["Cache-Control"] == "no-store"
    data = json.loads(response.get_data(as_text=True))
    assert data["account"]["email"] == "mei@example.com"
    assert data["account"]["name"] == "梅"
    assert data["consents"][0]["purpose"] == "privacy_notice"
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "my_data.exported"))


def test_download_is_post_only(client, worker, signed_in):
    assert signed_in(worker).get("/account/data/download").status_code == 405


def test_account_consent_cannot_be_withdrawn_alone_but_others_can(app, client, worker):
    db.session.add(Consent(user_id=worker.id, purpose="health_data", text_version="2026-11"))
    db.session.commit()
    sign_in(client, "13800138000")
    page = text(client.get("/account/data?lang=en"))
    assert "to withdraw it, delete your account" in page
    consents = {c.purpose: c.id for c in db.session.scalars(select(Consent))}
    refused = submit(client, f"/account/data/consents/{consents['privacy_notice']}/withdraw",
                     {}, form_url="/account/data")
    assert refused.status_code == 303
    ok = submit(client, f"/account/data/consents/{consents['health_data']}/withdraw", {},
                form_url="/account/data")
    assert ok.status_code == 303
    withdrawn = {c.purpose: c.withdrawn_at for c in db.session.scalars(select(Consent))}
    assert withdrawn["privacy_notice"] is None
    assert withdrawn["health_data"] is not None


def test_someone_elses_consent_cannot_be_withdrawn(app, client, worker, make_user):
    other = make_user(login="other@example.com")
    sign_in(client, "13800138000")
    their = db.session.scalar(select(Consent).where(Consent.user_id == other.id))
    submit(client, f"/account/data/consents/{their.id}/withdraw", {}, form_url="/account/data")
    db.session.refresh(their)
    assert their.withdrawn_at is None


def test_access_history_shows_what_staff_did_to_my_account(app, client, admin, make_user,
                                                           signed_in):
    from app.accounts import services

    person = make_user(login="mei@example.com")
    services.end_sessions(admin, person)
    sign_in(client, "mei@example.com")
    page = text(client.get("/account/data?lang=en"))
    assert "An administrator signed you out everywhere" in page
    assert "Nobody else has opened your records." not in page


def test_deleting_the_account_shreds_it(app, client, make_user):
    user = make_user(login="mei@example.com", name="梅")
    enqueue(user, "test", subject="s", text="t")
    db.session.commit()
    key_id = user.data_key_id
    sign_in(client, "mei@example.com")
    wrong = submit(client, "/account/data/delete?lang=en",
                   {"password": "not it", "confirm": "y"}, form_url="/account/data")
    assert wrong.status_code == 400
    assert "That is not your current password." in text(wrong)
    unticked = submit(client, "/account/data/delete", {"password": PASSWORD},
                      form_url="/account/data")
    assert unticked.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(User)) == 1

    done = submit(client, "/account/data/delete", {"password": PASSWORD, "confirm": "y"},
                  form_url="/account/data")
    assert done.status_code == 303
    assert client.get("/account/").status_code == 302
    assert db.session.get(DataKey, key_id) is None
    for model in (User, Consent, OutboxMessage):
        assert db.session.scalar(select(func.count()).select_from(model)) == 0
    assert sign_in(app.test_client(), "mei@example.com").status_code == 200
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "account.deleted"))


def test_access_history_names_each_staff_member_with_role_and_centre(app, client, make_user):
    """Every read of my data says who (display name), in what role and at which centre."""
    from app import audit
    from app.accounts import services
    from app.accounts.models import Role
    from app.booking.models import Centre

    person = make_user(login="mei@example.com")
    counsellor = make_user(Role.COUNSELLOR, name="林咨询")
    admin = make_user(Role.ADMIN, name="王管理")
    centre = Centre(code="dehua", kind="county", name_zh="德化中心", name_en="Dehua centre",
                    region_zh="区", region_en="Region", address_zh="地址", address_en="Address",
                    phone="0595-1", hours_zh="9-17", hours_en="9-17")
    centre.staff.append(counsellor)
    db.session.add(centre)
    audit.record(counsellor, "note.read", f"users:{person.uid}", {"count": 1})
    db.session.commit()
    services.end_sessions(admin, person)
    sign_in(client, "mei@example.com")
    page = text(client.get("/account/data?lang=en"))
    history = page.split('id="history-title"')[1].split("</section>")[0]
    assert "林咨询" in history
    assert "Counsellor" in history
    assert "Dehua centre" in history
    assert "王管理" in history
    assert "Administrator" in history
