"""Channel preferences through the API: the page's choice and rule, for the union's apps."""

from __future__ import annotations

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.extensions import db
from tests.api.helpers import bearer, get_token

URL = "/api/v1/me/notifications"


def test_worker_reads_and_changes_their_choice(client, worker):
    headers = bearer(get_token(client, "13800138000"))
    assert client.get(URL, headers=headers).get_json() == {
        "channels": ["sms"], "sms": True, "email": False, "reminders": True}
    response = client.put(URL, json={"sms": False, "email": False, "reminders": False},
                          headers=headers)
    assert response.status_code == 200
    assert response.get_json() == {"channels": ["sms"], "sms": False, "email": False,
                                   "reminders": False}
    assert client.get(URL, headers=headers).get_json()["reminders"] is False
    db.session.refresh(worker)
    assert (worker.notify_sms, worker.reminders_wanted) == (False, False)
    assert "account.notifications_changed" in db.session.scalars(select(AuditEvent.action))


def test_sms_for_someone_without_a_phone_is_refused_and_nothing_changes(client, make_user):
    user = make_user(login="nophone@example.com")
    headers = bearer(get_token(client, "nophone@example.com"), lang="en")
    response = client.put(URL, json={"sms": True, "email": False, "reminders": False},
                          headers=headers)
    assert response.status_code == 422
    assert response.headers["Content-Type"] == "application/problem+json"
    problem = response.get_json()
    assert problem["type"].endswith("channel-unavailable")
    assert "mobile number" in problem["detail"]
    chinese = client.put(URL, json={"sms": True, "email": True, "reminders": True},
                         headers=bearer(headers["Authorization"].split()[1]))
    assert "手机号" in chinese.get_json()["detail"]
    db.session.refresh(user)
    assert user.reminders_wanted is True
    assert client.get(URL, headers=headers).get_json() == {
        "channels": ["email"], "sms": False, "email": True, "reminders": True}


def test_not_a_boolean_or_an_unknown_field_is_refused(client, worker):
    headers = bearer(get_token(client, "13800138000"))
    for body in ({"sms": "yes", "email": False, "reminders": True},
                 {"sms": 1, "email": False, "reminders": True},
                 {"sms": True, "email": False},
                 {"sms": True, "email": False, "reminders": True, "push": True}):
        assert client.put(URL, json=body, headers=headers).status_code == 422, body
    db.session.refresh(worker)
    assert worker.notify_sms is True


def test_without_a_token_is_401(client):
    assert client.get(URL).status_code == 401
    assert client.put(URL, json={"sms": True, "email": True, "reminders": True}
                      ).status_code == 401
