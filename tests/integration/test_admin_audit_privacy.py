"""The admin audit viewer names nobody behind a health event (issue 20, item 2)."""

from __future__ import annotations

from sqlalchemy import select

from app import audit
from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.extensions import db
from tests.helpers import sign_in, submit, text


def _worker(make_user):
    worker = make_user(login="13800138000", name="小张")
    worker.email = "xiaozhang@example.com"
    db.session.commit()
    return worker


def test_health_events_show_a_pseudonym_not_the_person(admin, make_user, signed_in):
    worker = _worker(make_user)
    audit.record(worker, "risk.requested", "risk_items:abc", {"centre": "dehua"})
    audit.record(worker, "screening.consent_given", worker, {"version": 1})
    audit.record(worker, "screening.shared", "screening_results:xyz")
    db.session.commit()
    client = signed_in(admin)
    for action in ("risk", "screening", ""):
        page = text(client.get(f"/admin/audit?action={action}&lang=en"))
        assert "小张" not in page, action
        assert "xiaozhang@example.com" not in page, action
        assert "13800138000" not in page, action
        assert worker.uid not in page, action  # the target users:<uid> is pseudonymised too
    page = text(client.get("/admin/audit?action=risk&lang=en"))
    assert 'data-pseudonym="R-' in page  # risk events: a pseudonym of their own


def test_the_page_decrypts_no_workers_contact_details_by_default(admin, make_user,
                                                                 signed_in, monkeypatch):
    worker = _worker(make_user)
    audit.record(worker, "booking.created", "bookings:1", {"session": 1})
    db.session.commit()
    uid = worker.uid
    client = signed_in(admin)
    opened: list[str] = []
    from app.security import crypto

    real = crypto.Encrypted.__get__

    def counting(self, instance, owner):
        if instance is not None and instance.__dict__.get("uid") == uid:
            opened.append(self.name)
        return real(self, instance, owner)

    monkeypatch.setattr(crypto.Encrypted, "__get__", counting)
    page = text(client.get("/admin/audit?lang=en"))
    assert "booking.created" in page or "Booking" in page
    assert opened == []


def test_revealing_needs_a_reason_is_audited_and_shows_on_the_persons_history(
        app, admin, make_user, signed_in):
    worker = _worker(make_user)
    event = audit.record(worker, "screening.shared", "screening_results:xyz")
    db.session.commit()
    seq = event.seq
    for n in range(60):  # the event is no longer on the first page of the log
        audit.record(None, "retention.run", None, {"n": n})
    db.session.commit()
    client = signed_in(admin)
    url = f"/admin/audit/{seq}/reveal"
    refused = submit(client, url + "?lang=en", {"reason": ""},
                     form_url="/admin/audit?action=screening&lang=en")
    assert refused.status_code == 400
    assert "Say why you need to know who this is" in text(refused)
    assert f'action="/admin/audit/{seq}/reveal"' in text(refused)
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.revealed"))
    # Without a stated reason the person page shows nothing.
    assert client.get(f"/admin/audit/{seq}/person").status_code == 302

    done = submit(client, url, {"reason": "Worker called the hotline asking for follow-up"},
                  form_url="/admin/audit?action=screening")
    assert done.status_code == 303
    assert done.headers["Location"].endswith(f"/admin/audit/{seq}/person")
    shown = text(client.get(f"/admin/audit/{seq}/person?lang=en"))
    assert "小张" in shown
    assert "13800138000" in shown
    revealed = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.revealed"))
    assert revealed.target == f"users:{worker.uid}"
    assert revealed.detail["reason"] == "Worker called the hotline asking for follow-up"
    assert revealed.detail["event"] == seq

    mine = app.test_client()
    sign_in(mine, "13800138000")
    history = text(mine.get("/account/data?lang=en")).split('id="history-title"')[1]
    assert "An administrator saw your name in the audit log" in history
    assert "Administrator" in history


def test_only_events_about_a_worker_can_be_revealed(admin, counsellor, signed_in):
    audit.record(counsellor, "availability.added", "availability:1")
    db.session.commit()
    seq = db.session.scalar(select(AuditEvent.seq).where(
        AuditEvent.action == "availability.added"))
    client = signed_in(admin)
    response = submit(client, f"/admin/audit/{seq}/reveal", {"reason": "curious about it"},
                      form_url="/admin/audit")
    assert response.status_code == 404
    assert client.get("/admin/audit/999999/person").status_code == 302
    assert Role.ADMIN in admin.roles


def test_nobody_in_the_risk_queue_can_be_named_or_linked_from_the_audit_log(
        admin, make_user, signed_in):
    """Issue 13: admins never see who is in the risk queue, not even through the audit log:
    a risk event cannot be revealed, and its pseudonym does not match the person's other
    events (whose reveal would otherwise name them)."""
    from app.admin import audit_viewer

    worker = _worker(make_user)
    risky = audit.record(worker, "risk.opened", "risk_items:abc", {"centre": "dehua"})
    audit.record(worker, "login.succeeded", None)
    db.session.commit()
    seq = risky.seq
    client = signed_in(admin)
    page = text(client.get("/admin/audit?lang=en"))
    everyday = audit_viewer.pseudonym(worker.uid)
    [risk_row] = [row for row in page.split("<tr") if "risk.opened" in row]
    assert everyday in page  # the login is under the person's usual pseudonym
    assert everyday not in risk_row
    assert worker.uid not in page
    assert f'action="/admin/audit/{seq}/reveal"' not in page
    # Searching by the person's id does not find out either.
    found = text(client.get(f"/admin/audit?actor={worker.uid}&lang=en"))
    assert "login.succeeded" in found
    assert "risk.opened" not in found
    refused = submit(client, f"/admin/audit/{seq}/reveal",
                     {"reason": "Worker called the hotline asking for follow-up"},
                     form_url="/admin/audit")
    assert refused.status_code == 404
    assert not db.session.scalar(select(AuditEvent).where(AuditEvent.action == "audit.revealed"))
    assert client.get(f"/admin/audit/{seq}/person").status_code == 302
