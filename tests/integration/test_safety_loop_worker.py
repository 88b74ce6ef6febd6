"""The worker's side of the safety loop: consent, automatic risk items, follow-up, the crisis
page and the safety plan."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from app.accounts.models import Consent, Role
from app.audit.models import AuditEvent
from app.extensions import db
from app.screening import risk
from app.screening.models import RiskItem, SafetyPlan, ScreeningResult
from tests.helpers import submit, text
from tests.integration.screening_helpers import PHQ9_CRISIS, PHQ9_MODERATE, answer, make_centre

EN = {"Accept-Language": "en"}
URGENT = {"c_wish_dead": "1", "c_thoughts": "1", "c_method": "1", "c_intent": "1",
          "c_plan": "0", "c_behaviour": "0", "c_safe_now": "0"}
THOUGHTS_ONLY = {**URGENT, "c_method": "0", "c_intent": "0"}


def _items() -> list[RiskItem]:
    return list(db.session.scalars(select(RiskItem)))


def _setup(client, worker, *, safety: bool, centre=None):
    """Sign in, give the health-data consent (and the safety consent when asked), home centre."""
    submit(client, "/screening/consent?next=phq9", {"choice": "agree"})
    submit(client, "/screening/safety-contact?next=phq9",
           {"choice": "agree" if safety else "decline"})
    if centre is not None:
        worker.home_centre_id = centre.id
        db.session.commit()


def test_health_consent_is_followed_by_the_separate_safety_contact_offer(app, signed_in,
                                                                         worker):
    client = signed_in(worker)
    response = submit(client, "/screening/consent?next=phq9", {"choice": "agree"})
    assert "/screening/safety-contact?next=phq9" in response.headers["Location"]
    page = text(client.get("/screening/safety-contact?next=phq9", headers=EN))
    assert ("If my answers suggest I may be at risk, a counsellor of my centre may contact me "
            "by phone") in page
    response = submit(client, "/screening/safety-contact?next=phq9", {"choice": "agree"})
    assert "/screening/profile" in response.headers["Location"]
    consent = db.session.scalar(select(Consent).where(Consent.purpose == "safety_contact"))
    assert consent.user_id == worker.id
    assert consent.text_version == risk.SAFETY_VERSION
    assert consent.withdrawn_at is None


def test_with_consent_a_risk_answer_opens_an_item_without_another_click(app, signed_in,
                                                                        worker, counsellor):
    centre = make_centre("dehua", counsellor)
    client = signed_in(worker)
    _setup(client, worker, safety=True, centre=centre)
    response = answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0})
    assert "/followup" in response.headers["Location"]
    [item] = _items()
    row = db.session.scalar(select(ScreeningResult))
    assert (item.centre_id, item.user_id, item.result_id) == (centre.id, worker.id, row.id)
    assert item.triage == "high"  # not answered yet: unknown counts as high
    assert item.contact["source"] == "auto"
    assert item.contact["phone"].endswith("13800138000")
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "risk.opened"))

    assert item.due_at is not None  # the counsellor side timed it (risk_opened)
    due_when_high = item.due_at
    # The follow-up answers set the triage; intent makes it urgent, and due sooner.
    done = submit(client, response.headers["Location"], URGENT)
    assert done.headers["Location"] == f"/screening/results/{row.uid}"
    db.session.refresh(item)
    assert item.triage == "urgent"
    assert item.due_at < due_when_high
    assert item.contact["followup"]["intent"] == 1
    page = text(client.get(done.headers["Location"], headers=EN))
    assert "Please get help right now" in page
    assert "emergency department (急诊)" in page
    assert page.index('href="tel:120"') < page.index('href="tel:12356"')
    main = page[page.index("<main"):page.index("</main>")]
    assert main.count('href="tel:110"') == 1  # said once, at the top: not again in "more lines"
    assert "A counsellor will call you" in page
    assert "Yes, a counsellor may contact me" not in page
    # Answering twice changes nothing.
    again = submit(client, f"/screening/results/{row.uid}/followup", THOUGHTS_ONLY,
                   form_url=f"/screening/results/{row.uid}")
    assert again.status_code == 303
    db.session.refresh(item)
    assert item.triage == "urgent"
    assert len(_items()) == 1


def test_thoughts_only_are_standard_and_out_of_range_answers_change_nothing(app, signed_in,
                                                                           worker):
    centre = make_centre("dehua")
    client = signed_in(worker)
    _setup(client, worker, safety=True, centre=centre)
    url = answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0}).headers["Location"]
    bad = submit(client, url, {**THOUGHTS_ONLY, "c_safe_now": "7"}, headers=EN)
    assert bad.status_code == 200
    assert "Please answer each question with one of its options." in text(bad)
    row = db.session.scalar(select(ScreeningResult))
    assert "followup" not in row.data
    assert _items()[0].triage == "high"
    submit(client, url, THOUGHTS_ONLY)
    assert _items()[0].triage == "standard"


def test_without_consent_nothing_opens_and_the_page_asks_once(app, signed_in, worker):
    centre = make_centre("dehua")
    client = signed_in(worker)
    _setup(client, worker, safety=False, centre=centre)
    response = answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0})
    submit(client, response.headers["Location"], {"skip": "1"}, form_url=response.headers[
        "Location"])
    assert _items() == []
    row = db.session.scalar(select(ScreeningResult))
    page = text(client.get(f"/screening/results/{row.uid}", headers=EN))
    assert page.count("Would you like a counsellor to contact you?") == 1
    assert "Yes, a counsellor may contact me" in page
    # Saying yes on the crisis result records the consent and opens the item at once.
    submit(client, f"/screening/results/{row.uid}/safety-contact", {"centre": ""},
           form_url=f"/screening/results/{row.uid}")
    [item] = _items()
    assert item.result_id == row.id
    assert item.contact["source"] == "consent"
    assert risk.has_safety_consent(worker)
    # The one-time form for the same result now refuses: one open item per result.
    again = submit(client, "/screening/contact", {"centre": str(centre.id), "phone":
                   "13912345678", "result": row.uid}, headers=EN,
                   form_url=f"/screening/results/{row.uid}")
    assert "already been asked to contact you about this result" in text(again)
    assert len(_items()) == 1


def test_withdrawn_on_my_data_means_no_automatic_item(app, signed_in, worker):
    centre = make_centre("dehua")
    client = signed_in(worker)
    _setup(client, worker, safety=True, centre=centre)
    consent = db.session.scalar(select(Consent).where(Consent.purpose == "safety_contact"))
    page = text(client.get("/account/data", headers=EN))
    assert "Being contacted by a counsellor if your answers suggest" in page
    submit(client, f"/account/data/consents/{consent.id}/withdraw", {}, form_url="/account/data")
    db.session.refresh(consent)
    assert consent.withdrawn_at is not None
    answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0})
    assert _items() == []


def test_crisis_page_is_about_the_person_not_the_score(app, client, make_user):
    make_centre("dehua", phone="0595-2222 3333")
    response = answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0}, headers=EN,
                      skip_followup=False)
    assert response.status_code == 303
    assert response.headers["Location"] == "/screening/followup"
    submit(client, "/screening/followup", {"skip": "1"}, headers=EN)
    page = text(client.get("/screening/result", headers=EN))
    first = page.index('href="tel:12356"')
    assert first < page.index("Would you like a counsellor to contact you?")
    assert "<details class=\"more-lines\">" in page
    assert page.index("<details class=\"more-lines\">") < page.index("400-161-9995")
    for hidden in ("Minimal or no depressive symptoms", "Things that help many people",
                   "Keep up", "breathe slowly", "free and confidential"):
        assert hidden not in page, hidden
    assert "See my score" in page
    assert "Score: 1 out of 27" in page
    assert "pesticides" in page
    assert "sharp tools" in page
    assert "Answer a few more questions" in page  # skipped: the prompt stays


def test_moderate_result_suggests_a_hospital_assessment_and_names_its_source(app, client):
    page = text(answer(client, "phq9", PHQ9_MODERATE, {"difficulty": 0}, headers=EN))
    assert "hospital psychology or psychiatry department" in page
    assert "Kroenke" in page
    assert "Wang W" in page
    assert "not itself validated" in page


def test_safety_plan_is_sealed_editable_and_shared_only_on_request(app, signed_in, worker,
                                                                  make_user):
    mine = make_user(Role.COUNSELLOR)
    other = make_user(Role.COUNSELLOR)
    centre = make_centre("dehua", mine)
    make_centre("anxi", other)
    worker.home_centre_id = centre.id
    db.session.commit()
    client = signed_in(worker)
    response = submit(client, "/screening/safety-plan",
                      {"warning_signs": "Not sleeping, drinking alone", "people": "姐姐 139"})
    assert response.status_code == 303
    plan = db.session.scalar(select(SafetyPlan))
    assert plan.steps["warning_signs"] == "Not sleeping, drinking alone"
    assert b"drinking alone" not in bytes(plan.steps_ct)
    too_long = submit(client, "/screening/safety-plan", {"coping": "x" * 2001}, headers=EN)
    assert too_long.status_code == 200
    db.session.refresh(plan)
    assert plan.steps["coping"] == ""
    assert "姐姐 139" in text(client.get("/screening/safety-plan"))

    client.delete_cookie("session")
    signed_in(mine)
    assert client.get(f"/counsellor/safety-plans/{plan.uid}").status_code == 404
    client.delete_cookie("session")
    signed_in(worker)
    submit(client, "/screening/safety-plan/share", {"shared": "1"},
           form_url="/screening/safety-plan")
    client.delete_cookie("session")
    signed_in(other)
    assert client.get(f"/counsellor/safety-plans/{plan.uid}").status_code == 404
    client.delete_cookie("session")
    signed_in(mine)
    page = text(client.get(f"/counsellor/safety-plans/{plan.uid}"))
    assert "drinking alone" in page
    assert db.session.scalar(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "safety_plan.read")) == 1
    assert re.search(r"/counsellor/safety-plans/" + plan.uid, text(
        client.get("/counsellor/shared")))


def test_account_page_offers_the_consent_and_the_plan_and_my_data_exports_the_plan(
        app, signed_in, worker):
    client = signed_in(worker)
    page = text(client.get("/account/", headers=EN))
    assert "/screening/safety-contact" in page
    assert "/screening/safety-plan" in page
    submit(client, "/screening/safety-plan", {"coping": "Call my sister"})
    response = submit(client, "/account/data/download", {}, form_url="/account/data")
    assert "Call my sister" in response.get_data(as_text=True)
    # Withdrawing on the consent page itself works too, and is recorded.
    submit(client, "/screening/safety-contact", {"choice": "agree"})
    assert risk.has_safety_consent(worker)
    submit(client, "/screening/safety-contact", {"choice": "withdraw"})
    db.session.expire_all()
    assert not risk.has_safety_consent(worker)
    assert db.session.scalar(select(AuditEvent).where(
        AuditEvent.action == "safety_contact.consent_given")) is not None


def test_consent_without_a_questionnaire_still_goes_on_to_the_profile(app, signed_in, worker):
    client = signed_in(worker)
    response = submit(client, "/screening/consent", {"choice": "agree"})
    offer = response.headers["Location"]
    assert offer.startswith("/screening/safety-contact?next")
    response = submit(client, offer, {"choice": "decline"})
    assert response.headers["Location"].startswith("/screening/profile")
    assert not risk.has_safety_consent(worker)


def test_follow_up_answers_raising_an_item_to_urgent_send_a_second_alert_without_detail(
        app, signed_in, worker, counsellor):
    from app.notifications.models import OutboxMessage

    centre = make_centre("dehua", counsellor)
    client = signed_in(worker)
    _setup(client, worker, safety=True, centre=centre)
    url = answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0}).headers["Location"]

    def alerts() -> list[OutboxMessage]:
        return list(db.session.scalars(select(OutboxMessage).where(
            OutboxMessage.user_id == counsellor.id).order_by(OutboxMessage.id)))

    assert len(alerts()) == 1  # the "new item" alert, at high
    submit(client, url, URGENT)
    [_first, urgent] = alerts()
    assert urgent.kind == "risk.urgent"
    body = urgent.payload["subject"] + urgent.payload["text"]
    assert "Urgent" in body or "紧急" in body
    assert "/counsellor/risks" in body
    for detail in ("13800138000", "8000", worker.email or "@", "intent", "意图", "self", "自"):
        assert detail not in body, detail


def test_follow_up_answers_that_are_not_urgent_send_no_second_alert(app, signed_in, worker,
                                                                   counsellor):
    from app.notifications.models import OutboxMessage

    centre = make_centre("dehua", counsellor)
    client = signed_in(worker)
    _setup(client, worker, safety=True, centre=centre)
    url = answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0}).headers["Location"]
    submit(client, url, THOUGHTS_ONLY)
    assert db.session.scalar(select(func.count()).select_from(OutboxMessage).where(
        OutboxMessage.user_id == counsellor.id)) == 1


def test_a_centre_id_out_of_range_on_the_crisis_result_is_refused_not_a_500(app, signed_in,
                                                                            worker):
    make_centre("dehua")
    client = signed_in(worker)
    _setup(client, worker, safety=False)
    response = answer(client, "phq9", PHQ9_CRISIS, {"difficulty": 0})
    submit(client, response.headers["Location"], {"skip": "1"})
    row = db.session.scalar(select(ScreeningResult))
    sent = submit(client, f"/screening/results/{row.uid}/safety-contact",
                  {"centre": "9" * 30}, form_url=f"/screening/results/{row.uid}", headers=EN)
    assert sent.status_code == 303
    assert _items() == []
    page = text(client.get(f"/screening/results/{row.uid}", headers=EN))
    assert "Please choose a centre." in page
