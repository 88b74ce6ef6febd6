"""The safety loop through the API: consent, follow-up, contact requests, the safety plan."""

from __future__ import annotations

import threading

from sqlalchemy import func, select

from app.accounts.models import Role
from app.extensions import db
from app.screening import risk
from app.screening import services as screening
from app.screening.models import RiskItem, SafetyPlan
from tests.api.helpers import bearer, get_token
from tests.integration.screening_helpers import PHQ9_CRISIS, make_centre

URGENT = {"wish_dead": 1, "thoughts": 1, "method": 0, "intent": 0, "plan": 1,
          "behaviour": 0, "safe_now": 0}


def _items() -> int:
    return db.session.scalar(select(func.count()).select_from(RiskItem))


def _crisis_result(client, token) -> dict:
    response = client.post("/api/v1/screenings", headers=bearer(token, "en"), json={
        "instrument": "phq9", "answers": PHQ9_CRISIS, "extra": {"difficulty": 0}})
    assert response.status_code == 201
    return response.get_json()


def _worker_with_centre(worker, centre):
    screening.give_health_consent(worker)
    worker.home_centre_id = centre.id
    db.session.commit()


def test_safety_consent_given_and_withdrawn_opens_items_by_itself(client, worker):
    centre = make_centre("dehua")
    _worker_with_centre(worker, centre)
    token = get_token(client, "13800138000")
    status = client.get("/api/v1/consents/safety-contact", headers=bearer(token, "en"))
    assert status.get_json()["given"] is False
    wrong = client.post("/api/v1/consents/safety-contact", headers=bearer(token),
                        json={"text_version": "1999-1"})
    assert wrong.status_code == 409
    assert not risk.has_safety_consent(worker)
    given = client.post("/api/v1/consents/safety-contact", headers=bearer(token),
                        json={"text_version": risk.SAFETY_VERSION})
    assert given.get_json()["given"] is True

    result = _crisis_result(client, token)
    assert result["risk_item_open"] is True
    assert result["triage"] == "high"
    assert [q["code"] for q in result["followup"]["questions"]][-1] == "safe_now"
    assert result["followup"]["validated"] is False
    assert _items() == 1

    withdrawn = client.post("/api/v1/consents/safety-contact", headers=bearer(token),
                            json={"text_version": risk.SAFETY_VERSION, "given": False})
    assert withdrawn.get_json()["given"] is False
    assert _crisis_result(client, token)["risk_item_open"] is False
    assert _items() == 1


def test_followup_answers_set_the_triage_and_bad_ones_change_nothing(client, worker):
    centre = make_centre("dehua")
    _worker_with_centre(worker, centre)
    risk.give_safety_consent(worker)
    token = get_token(client, "13800138000")
    result = _crisis_result(client, token)
    url = f"/api/v1/screenings/{result['uid']}/followup"
    bad = client.post(url, headers=bearer(token, "en"),
                      json={"answers": {**URGENT, "safe_now": 9}})
    assert bad.status_code == 422
    assert "safe_now" in bad.get_json()["errors"]["answers"]
    assert db.session.scalar(select(RiskItem)).triage == "high"
    good = client.post(url, headers=bearer(token), json={"answers": URGENT})
    assert good.status_code == 200
    assert good.get_json()["triage"] == "urgent"
    assert good.get_json()["followup"] is None
    assert db.session.scalar(select(RiskItem)).triage == "urgent"
    again = client.post(url, headers=bearer(token), json={"answers": URGENT})
    assert again.status_code == 409


def test_contact_request_for_my_result_once_and_never_for_someone_elses(client, worker,
                                                                        make_user):
    centre = make_centre("dehua")
    _worker_with_centre(worker, centre)
    token = get_token(client, "13800138000")
    result = _crisis_result(client, token)
    assert result["risk_item_open"] is False

    other = make_user(Role.WORKER, login="13900139000")
    screening.give_health_consent(other)
    other_token = get_token(client, "13900139000")
    url = f"/api/v1/screenings/{result['uid']}/contact-request"
    assert client.post(url, headers=bearer(other_token), json={}).status_code == 404
    assert _items() == 0

    first = client.post(url, headers=bearer(token), json={"best_time": "evening"})
    assert first.status_code == 201
    assert first.get_json()["centre_id"] == centre.id
    assert first.get_json()["triage"] == "high"
    second = client.post(url, headers=bearer(token, "en"), json={})
    assert second.status_code == 409
    assert "already been asked" in second.get_json()["detail"]
    assert _items() == 1
    item = db.session.scalar(select(RiskItem))
    assert item.contact["best_time"] == "evening"
    assert item.contact["phone"].endswith("13800138000")


def test_two_contact_requests_at_once_make_one_item(app, client, worker):
    centre = make_centre("dehua")
    _worker_with_centre(worker, centre)
    token = get_token(client, "13800138000")
    result = _crisis_result(client, token)
    url = f"/api/v1/screenings/{result['uid']}/contact-request"
    db.session.commit()
    barrier = threading.Barrier(4)
    statuses: list[int] = []

    def fire() -> None:
        with app.app_context():
            barrier.wait()
            response = app.test_client().post(url, headers=bearer(token), json={})
            statuses.append(response.status_code)
            db.session.remove()

    threads = [threading.Thread(target=fire) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [201, 409, 409, 409]
    db.session.expire_all()
    assert _items() == 1


def test_safety_plan_read_edit_and_share(client, worker):
    token = get_token(client, "13800138000")
    empty = client.get("/api/v1/safety-plan", headers=bearer(token)).get_json()
    assert empty["steps"]["warning_signs"] == ""
    assert empty["shared"] is False
    too_long = client.put("/api/v1/safety-plan", headers=bearer(token),
                          json={"steps": {"coping": "x" * 2001}})
    assert too_long.status_code == 422
    no_plan = client.put("/api/v1/safety-plan", headers=bearer(token), json={"shared": True})
    assert no_plan.status_code == 409
    saved = client.put("/api/v1/safety-plan", headers=bearer(token), json={
        "steps": {"coping": "Walk by the river"}, "shared": True}).get_json()
    assert saved["steps"]["coping"] == "Walk by the river"
    assert saved["shared"] is True
    plan = db.session.scalar(select(SafetyPlan))
    assert b"river" not in bytes(plan.steps_ct)


def test_instrument_shows_its_source_and_validation(client):
    body = client.get("/api/v1/instruments/cbi").get_json()
    assert body["en"]["validation"] == "adapted"
    assert "Yeh" in body["en"]["sources"]["chinese_version"]
    assert [b["code"] for b in body["en"]["bands"]] == ["low", "moderate", "high"]


def test_anonymous_followup_by_code(client):
    response = client.post("/api/v1/screenings", headers={"Accept-Language": "en"}, json={
        "instrument": "phq9", "answers": PHQ9_CRISIS, "extra": {"difficulty": 0}})
    body = response.get_json()
    assert body["followup"]["questions"]
    url = "/api/v1/screenings/retrieve/followup"
    wrong = client.post(url, json={"code": "AAAA-BBBB-CCCC-DDDD", "answers": URGENT})
    assert wrong.status_code == 404
    answered = client.post(url, json={"code": body["retrieval_code"], "answers": URGENT})
    assert answered.status_code == 200
    assert answered.get_json()["triage"] == "urgent"
    assert client.post(url, json={"code": body["retrieval_code"],
                                  "answers": URGENT}).status_code == 409
