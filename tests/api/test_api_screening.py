"""Screening through the API: the same consent, scoring, saving and crisis rules as the pages."""

from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.screening import services
from app.screening.models import ScreeningResult, ScreeningStat
from tests.api.helpers import bearer, get_token
from tests.integration.screening_helpers import PHQ9_CRISIS, PHQ9_MODERATE, make_centre


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_instruments_in_both_languages(client):
    listed = client.get("/api/v1/instruments").get_json()
    assert [i["code"] for i in listed] == ["phq9", "gad7", "who5", "pss10", "k10", "cbi", "phq4",
                                           "auditc", "phq15", "interests"]
    assert listed[0]["name"]["zh"] == "患者健康问卷抑郁量表"
    assert listed[0]["items"] == 9
    phq9 = client.get("/api/v1/instruments/phq9").get_json()
    assert phq9["zh"]["items"][0]["options"][0]["label"] == "完全不会"
    assert phq9["en"]["items"][0]["options"][0]["label"] == "Not at all"
    assert phq9["en"]["extra_questions"][0]["code"] == "difficulty"
    missing = client.get("/api/v1/instruments/nope")
    assert missing.status_code == 404
    assert missing.get_json()["type"].endswith("unknown-instrument")


def test_anonymous_screening_gives_a_result_and_a_code_that_opens_it_again(client):
    response = client.post("/api/v1/screenings", json={
        "instrument": "phq9", "answers": PHQ9_MODERATE, "extra": {"difficulty": 1}},
        headers={"Accept-Language": "en"})
    assert response.status_code == 201
    result = response.get_json()
    assert (result["total"], result["band"], result["saved"]) == (10, "moderate", False)
    assert result["band_label"] == "Moderate depressive symptoms"
    assert result["crisis"] is False
    assert result["crisis_resources"] is None
    again = client.post("/api/v1/screenings/retrieve", json={"code": result["retrieval_code"]})
    assert again.status_code == 200
    assert again.get_json()["total"] == 10
    assert again.get_json()["retrieval_code"] is None  # shown once only
    assert client.post("/api/v1/screenings/retrieve",
                       json={"code": "AAAA-BBBB-CCCC-DDDD"}).status_code == 404
    assert count(ScreeningStat) == 1


def test_crisis_answer_comes_with_the_crisis_lines(client):
    make_centre("dehua", phone="0595-2352 0000")
    result = client.post("/api/v1/screenings", json={
        "instrument": "phq9", "answers": PHQ9_CRISIS, "extra": {"difficulty": 2}}).get_json()
    assert result["crisis"] is True
    resources = result["crisis_resources"]
    assert [line["number"] for line in resources["lines"]][:3] == [
        "12356", "0591-85666661", "400-161-9995"]
    assert resources["centres"][0]["phone"] == "0595-2352 0000"
    assert "12356" in resources["safety_messages"][0]
    assert result["suggest"][0] == "counselling"


def test_bad_answers_are_422_and_nothing_is_saved(client):
    for body in ({"instrument": "phq9", "answers": [0, 1]},
                 {"instrument": "phq9", "answers": [0, 0, 0, 0, 0, 0, 0, 0, 7]},
                 {"instrument": "phq9", "answers": [0] * 9, "extra": {"nope": 1}},
                 {"instrument": "phq9", "answers": [0] * 9},  # the difficulty question too
                 {"instrument": "phq9", "answers": ["0"] * 9},
                 {"instrument": "phq9", "answers": [0] * 9, "surprise": True}):
        response = client.post("/api/v1/screenings", json=body,
                               headers={"Accept-Language": "en"})
        assert response.status_code == 422, body
        assert response.get_json()["errors"]
    assert count(ScreeningResult) == count(ScreeningStat) == 0


def test_worker_must_consent_before_results_are_kept(client, worker):
    token = get_token(client, "13800138000")
    body = {"instrument": "gad7", "answers": [1, 1, 1, 1, 1, 1, 1], "extra": {"difficulty": 1}}
    refused = client.post("/api/v1/screenings", json=body, headers=bearer(token))
    assert refused.status_code == 403
    problem = refused.get_json()
    assert problem["type"].endswith("consent-required")
    assert problem["consent_version"] == services.CONSENT_VERSION
    assert "同意" in problem["detail"]
    assert count(ScreeningResult) == 0
    consent = client.get("/api/v1/consents/health-data", headers=bearer(token)).get_json()
    assert consent["given"] is False
    assert consent["text_version"] == services.CONSENT_VERSION
    stale = client.post("/api/v1/consents/health-data", json={"text_version": "2020-01"},
                        headers=bearer(token))
    assert stale.status_code == 409
    given = client.post("/api/v1/consents/health-data",
                        json={"text_version": services.CONSENT_VERSION}, headers=bearer(token))
    assert given.get_json()["given"] is True
    db.session.refresh(worker)
    assert services.has_health_consent(worker)  # the same consent the pages record
    saved = client.post("/api/v1/screenings", json=body, headers=bearer(token)).get_json()
    assert saved["saved"] is True
    assert saved["retrieval_code"] is None
    mine = client.get("/api/v1/screenings", headers=bearer(token)).get_json()
    assert [r["id"] for r in mine] == [saved["id"]]
    one = client.get(f"/api/v1/screenings/{saved['id']}", headers=bearer(token)).get_json()
    assert one["total"] == 7


def test_anonymous_by_choice_keeps_nothing_on_the_account(client, worker):
    token = get_token(client, "13800138000")
    result = client.post("/api/v1/screenings", headers=bearer(token), json={
        "instrument": "who5", "answers": [3, 3, 3, 3, 3], "anonymous": True}).get_json()
    assert result["saved"] is False
    assert result["retrieval_code"]
    assert client.get("/api/v1/screenings", headers=bearer(token)).get_json() == []


def test_someone_elses_result_is_404(client, worker, make_user):
    services.give_health_consent(worker)
    other = make_user()
    services.give_health_consent(other)
    mine = get_token(client, "13800138000")
    theirs = get_token(client, other.email)
    saved = client.post("/api/v1/screenings", headers=bearer(mine), json={
        "instrument": "phq9", "answers": PHQ9_MODERATE, "extra": {"difficulty": 0}}).get_json()
    response = client.get(f"/api/v1/screenings/{saved['id']}", headers=bearer(theirs))
    assert response.status_code == 404
    assert response.get_json()["type"].endswith("not-found")


def test_code_guesses_share_the_retrieve_pages_limit(client):
    from tests.helpers import submit

    for n in range(5):
        page = submit(client, "/screening/retrieve", {"code": f"AAAA-BBBB-CCCC-{n:04d}"})
        assert page.status_code == 200
    codes = [client.post("/api/v1/screenings/retrieve",
                         json={"code": f"AAAA-BBBB-DDDD-{n:04d}"}).status_code
             for n in range(6)]
    assert codes == [404] * 5 + [429]
    assert submit(client, "/screening/retrieve", {"code": "AAAA"}).status_code == 429
