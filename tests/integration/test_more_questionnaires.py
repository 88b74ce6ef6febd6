"""What a worker sees after the PHQ-4 quick check-in, the AUDIT-C, the PHQ-15 and the
career-interest exploration."""

from __future__ import annotations

from tests.helpers import text
from tests.integration.screening_helpers import answer

EN = {"Accept-Language": "en"}


def _interest_answers(top: dict[int, int]) -> list[int]:
    """60 answers: 'Strongly like' (4) for items of the areas named by position in R-I-A-S-E-C,
    'Unsure' (2) elsewhere. The form asks two items per area in turn."""
    return [top.get((n // 2) % 6, 2) for n in range(60)]


def test_a_positive_phq2_sends_the_worker_on_to_the_full_phq9(app, client):
    page = text(answer(client, "phq4", [0, 0, 2, 1], headers=EN))
    assert "Mild anxiety or depressive symptoms" in page
    assert "Low mood (PHQ-2): 3 / 6" in page
    assert "do not ask about thoughts of harming yourself" in page
    assert 'href="/screening/phq9">Take it now</a>' in page
    assert "crisis-panel" not in page  # the PHQ-4 cannot tell either way
    assert "/screening/gad7" not in page


def test_a_calm_phq4_still_says_what_it_cannot_tell(app, client):
    page = text(answer(client, "phq4", [0, 0, 0, 1], headers=EN))
    assert "No marked anxiety or depressive symptoms" in page
    assert "cannot replace the full questionnaires" in page
    assert "Take it now" not in page


def test_auditc_page_explains_the_cut_offs_for_women_and_men(app, client):
    page = text(answer(client, "auditc", [2, 0, 1], headers=EN))
    assert "At the screening cut-off for women" in page
    assert "3 is the screening cut-off for women (for men it is 4)" in page
    assert "Chinese version: our own wording, not validated" in page
    assert "Cut-offs: Positive screen at 4 or more for men and 3 or more for women" in page
    assert "standard drink" in text(client.get("/screening/auditc", headers=EN))


def test_phq15_chest_pain_says_see_a_doctor_and_periods_item_can_be_not_applicable(app, client):
    form = text(client.get("/screening/phq15", headers=EN))
    assert "only for people who have periods" in form
    assert "Not bothered at all, or does not apply to me" in form
    answers = [0] * 15
    answers[5] = 2  # chest pain, bothered a lot
    page = text(answer(client, "phq15", answers, headers=EN))
    assert "Few physical symptoms" in page
    assert "call 120 now" in page
    assert "crisis-panel" not in page


def test_career_exploration_shows_top_areas_and_books_a_career_evaluation(app, client):
    listing = text(client.get("/screening/", headers=EN))
    assert "Exploration, not a screening: no health result." in listing
    page = text(answer(client, "interests", _interest_answers({3: 4, 0: 4}), headers=EN))
    areas = page.split("The areas you are most interested in", 1)[1].split("</ol>", 1)[0]
    assert areas.index("Realistic (hands-on)") < areas.index("Social (helping people)")
    assert "Investigative" in areas  # third: ties keep the R-I-A-S-E-C order
    assert "Artistic" not in areas
    assert "40 out of 40" in areas
    assert "You like working with people" in areas
    full = page.split("Your scores in all six areas", 1)[1].split("</ul>", 1)[0]
    assert [full.index(a) for a in ("Realistic", "Investigative", "Artistic", "Social",
                                    "Enterprising", "Conventional")] == sorted(
        full.index(a) for a in ("Realistic", "Investigative", "Artistic", "Social",
                                "Enterprising", "Conventional"))
    assert "not an assessment or a test of ability" in page
    assert "has not been validated" in page
    assert 'href="/booking?service=assessment"' in page
    assert "not a diagnosis" not in page  # no screening talk about health
    assert "What this means, and what it does not" not in page
    assert "Things that help many people" not in page


def test_career_exploration_in_chinese_marks_its_own_translation(app, client):
    page = text(answer(client, "interests", _interest_answers({4: 4}),
                       headers={"Accept-Language": "zh-CN"}))
    assert "企业型（带头影响）" in page
    assert "中文题目为本站自译，尚未经过验证" in page
    assert "预约中心的职业评估" in page


def test_saved_interests_show_no_trend_of_better_or_worse(app, client, signed_in, worker):
    from tests.helpers import submit

    signed_in(worker)
    submit(client, "/screening/consent?next=interests", {"choice": "agree"})
    for top in ({0: 4}, {5: 4}):
        response = answer(client, "interests", _interest_answers(top))
        assert response.status_code == 303
    page = text(client.get(response.headers["Location"], headers=EN))
    assert "Conventional (organising)" in page.split("</ol>", 1)[0]
    history = text(client.get("/screening/history", headers=EN))
    assert "Interests have no better or worse" in history
    assert "a little better than last time" not in history
    assert "a little harder than last time" not in history


def test_the_api_scores_the_new_questionnaires_like_the_pages(app, client):
    phq4 = client.post("/api/v1/screenings", json={
        "instrument": "phq4", "answers": [0, 0, 2, 1]}, headers=EN).get_json()
    assert (phq4["total"], phq4["band"], phq4["flags"], phq4["crisis"]) == (
        3, "mild", ["take_phq9"], False)
    interests = client.post("/api/v1/screenings", json={
        "instrument": "interests", "answers": _interest_answers({2: 4})}, headers=EN).get_json()
    assert (interests["band"], interests["suggest"]) == ("profile", ["career"])
    scores = {s["code"]: s["score"] for s in interests["subscales"]}
    assert scores["artistic"] == 40
    assert scores["realistic"] == 20


def test_every_questionnaire_in_the_api_matches_its_documented_shape(app, client):
    import assessments
    from app.api.schemas import InstrumentDetail

    for instrument in assessments.instruments():
        body = client.get(f"/api/v1/instruments/{instrument.code}").get_json()
        assert InstrumentDetail().validate(body) == {}, instrument.code
    assert body["en"]["kind"] == "exploration"
