"""What an administrator oversees: the audit log, the keys, and staff accounts' access."""

from __future__ import annotations

import re

from sqlalchemy import select, update

from app import audit
from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.extensions import db
from tests.helpers import sign_in, submit, text


def test_admin_home_leads_to_each_task(admin, signed_in):
    page = text(signed_in(admin).get("/admin/?lang=en"))
    for href in ('href="/admin/staff"', 'href="/admin/audit"', 'href="/admin/keys"'):
        assert href in page


def test_admin_home_counts_what_the_admin_looks_after(admin, counsellor, signed_in):
    """An overview first: active staff (the admin and the counsellor here), centres, services."""
    page = text(signed_in(admin).get("/admin/?lang=en"))
    assert re.search(r'<span class="stat-num">2</span> active staff accounts', page)
    assert "open centres" in page
    assert "services offered" in page


def test_audit_log_filters_and_names_the_actor(admin, worker, signed_in):
    client = signed_in(admin)
    for n in range(3):
        audit.record(worker, "screening.viewed", f"results:{n}")
    db.session.commit()
    page = text(client.get("/admin/audit?action=screening.&lang=en"))
    assert "3 events" in page
    assert "results:2" in page
    assert worker.phone not in page  # a worker is a pseudonym here (issue 20, item 2)
    assert 'data-pseudonym="P-' in page
    everything = text(client.get("/admin/audit?lang=en"))
    assert "login.succeeded" in everything
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.viewed"))


def test_audit_log_rejects_a_bad_date_without_failing(admin, signed_in):
    response = signed_in(admin).get("/admin/audit?since=yesterday&lang=en")
    assert response.status_code == 200
    assert "Not a valid date value" in text(response)


def test_chain_check_on_the_page_reports_tampering(admin, signed_in):
    client = signed_in(admin)
    ok = text(client.get(submit(client, "/admin/audit/verify", {},
                                form_url="/admin/audit?lang=en").headers["Location"]))
    assert "The chain is intact" in ok
    db.session.execute(update(AuditEvent).where(AuditEvent.seq == 1).values(action="x"))
    db.session.commit()
    broken = text(client.get(submit(client, "/admin/audit/verify", {},
                                    form_url="/admin/audit").headers["Location"]))
    assert "The chain is broken: event 1 has been altered." in broken
    assert 'role="alert"' in broken


def test_key_page_shows_versions_and_counts(admin, worker, signed_in):
    page = text(signed_in(admin).get("/admin/keys?lang=en"))
    assert "Current key version: 1" in page
    assert "<td>2</td>" in page  # the worker's and the admin's data keys


def test_locking_a_counsellor_signs_them_out_and_keeps_them_out(app, admin, counsellor,
                                                                signed_in):
    theirs = app.test_client()
    sign_in(theirs, counsellor.email)
    assert theirs.get("/account/").status_code == 200
    admin_client = signed_in(admin)
    submit(admin_client, f"/admin/staff/{counsellor.uid}/lock", {}, form_url="/admin/staff")
    assert theirs.get("/account/").status_code == 302
    assert sign_in(app.test_client(), counsellor.email).status_code == 200  # refused
    submit(admin_client, f"/admin/staff/{counsellor.uid}/lock", {}, form_url="/admin/staff")
    assert sign_in(app.test_client(), counsellor.email).status_code == 303
    actions = db.session.scalars(select(AuditEvent.action).where(
        AuditEvent.action.startswith("account.")).order_by(AuditEvent.seq)).all()
    assert actions[-2:] == ["account.locked", "account.unlocked"]


def test_signing_out_everywhere(app, admin, counsellor, signed_in):
    theirs = app.test_client()
    sign_in(theirs, counsellor.email)
    submit(signed_in(admin), f"/admin/staff/{counsellor.uid}/sessions/end", {},
           form_url="/admin/staff")
    assert theirs.get("/account/").status_code == 302


def test_workers_and_unknown_ids_are_not_staff_actions(admin, worker, signed_in):
    client = signed_in(admin)
    for uid in (worker.uid, "0" * 32):
        response = submit(client, f"/admin/staff/{uid}/lock", {}, form_url="/admin/staff")
        assert response.status_code == 404
    db.session.refresh(worker)
    assert worker.active


def test_oversight_pages_are_for_admins_only(make_user, signed_in):
    client = signed_in(make_user(Role.SOCIAL_WORKER))
    for url in ("/admin/", "/admin/audit", "/admin/keys"):
        assert client.get(url).status_code == 403


def test_audit_log_pages_through_many_events(admin, worker, signed_in):
    for n in range(120):
        audit.record(worker, "screening.viewed", f"results:{n}")
    db.session.commit()
    client = signed_in(admin)
    first = text(client.get("/admin/audit?action=screening.&lang=en"))
    assert "Page 1 of 3" in first
    assert "results:119" in first
    assert "results:69" not in first
    assert 'page=2' in first
    third = text(client.get("/admin/audit?action=screening.&page=3"))
    assert "results:0<" in third


def test_audit_actions_and_reasons_read_in_the_pages_language(admin, counsellor, signed_in):
    """Chinese pages say 访问被拒绝 and 此角色无权访问, not access.denied / reason: role."""
    audit.record(counsellor, "access.denied", "admin.index",
                 {"reason": "role", "method": "GET", "status": 403})
    db.session.commit()
    client = signed_in(admin)
    zh = text(client.get("/admin/audit?action=access&lang=zh_CN"))
    row = zh.split("<tbody>")[1]
    assert "访问被拒绝" in row
    assert "原因: 此角色无权访问" in row
    assert "reason: role" not in row
    en = text(client.get("/admin/audit?action=access&lang=en")).split("<tbody>")[1]
    assert "Access refused" in en
    assert "reason: not allowed for this role" in en
