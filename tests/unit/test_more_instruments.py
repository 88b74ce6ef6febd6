"""PHQ-4, AUDIT-C, PHQ-15 and the career-interest exploration: cut-offs on both sides, answer
vectors worked out by hand, their safety notes, and the exploration's ranked areas."""

from __future__ import annotations

import pytest

import assessments
from tests.unit.test_assessments import spread

# --- band boundaries, both sides of every cut-off ---------------------------------------------

PHQ4 = [(0, "normal"), (2, "normal"), (3, "mild"), (5, "mild"), (6, "moderate"), (8, "moderate"),
        (9, "severe"), (12, "severe")]
AUDITC = [(0, "lower_risk"), (2, "lower_risk"), (3, "women_cutoff"), (4, "increased_risk"),
          (7, "increased_risk"), (8, "high_risk"), (12, "high_risk")]
PHQ15 = [(0, "minimal"), (4, "minimal"), (5, "low"), (9, "low"), (10, "medium"), (14, "medium"),
         (15, "high"), (30, "high")]


@pytest.mark.parametrize(("total", "band"), PHQ4)
def test_phq4_bands(total: int, band: str) -> None:
    result = assessments.get("phq4").score(spread(total, 4, 3))
    assert (result.total, result.max, result.band) == (total, 12, band)


@pytest.mark.parametrize(("total", "band"), AUDITC)
def test_auditc_bands(total: int, band: str) -> None:
    result = assessments.get("auditc").score(spread(total, 3, 4))
    assert (result.total, result.max, result.band) == (total, 12, band)


@pytest.mark.parametrize(("total", "band"), PHQ15)
def test_phq15_bands(total: int, band: str) -> None:
    # fill from item 15 backwards so chest pain (6) and fainting (8) stay 0 where possible
    result = assessments.get("phq15").score(spread(total, 15, 2)[::-1])
    assert (result.total, result.max, result.band) == (total, 30, band)


# --- vectors worked out by hand ------------------------------------------------------------------

# PHQ-4 items: 1-2 anxiety (GAD-2), 3-4 mood (PHQ-2).
PHQ4_VECTORS = [
    ([1, 1, 1, 1], 4, "mild", 2, 2, ()),
    ([2, 1, 0, 0], 3, "mild", 3, 0, ("take_gad7",)),
    ([0, 0, 2, 1], 3, "mild", 0, 3, ("take_phq9",)),
    ([0, 1, 1, 1], 3, "mild", 1, 2, ()),  # total 3, neither part reaches 3
    ([3, 3, 0, 2], 8, "moderate", 6, 2, ("take_gad7",)),
    ([2, 1, 3, 3], 9, "severe", 3, 6, ("take_phq9", "take_gad7")),
    ([0, 0, 0, 0], 0, "normal", 0, 0, ()),
]


@pytest.mark.parametrize(("answers", "total", "band", "gad2", "phq2", "flags"), PHQ4_VECTORS)
def test_phq4_parts_and_pointers_to_the_full_questionnaires(
    answers: list[int], total: int, band: str, gad2: int, phq2: int, flags: tuple[str, ...]
) -> None:
    result = assessments.get("phq4").score(answers)
    assert (result.total, result.band) == (total, band)
    assert result.subscales["anxiety"].score == gad2
    assert result.subscales["depression"].score == phq2
    assert result.subscales["depression"].band == ("phq2_positive" if phq2 >= 3 else "phq2_below")
    assert result.flags == flags
    assert result.crisis is False  # no self-harm question: never inferred either way


def test_a_positive_phq2_points_to_the_phq9_and_names_the_missing_question() -> None:
    phq4 = assessments.get("phq4")
    rule = next(r for r in phq4.safety if r.flag == "take_phq9")
    assert rule.next == "phq9"
    assert assessments.get(rule.next).items[8].text.zh == "有不如死掉或用某种方式伤害自己的念头"
    message = phq4.safety_message("take_phq9")
    for text, words in ((message.en, ("PHQ-9", "harming yourself", "12356")),
                        (message.zh, ("PHQ-9", "伤害自己", "12356"))):
        assert all(word in text for word in words), text
    assert next(r for r in phq4.safety if r.flag == "take_gad7").next == "gad7"


@pytest.mark.parametrize("band", ["normal", "mild"])
def test_low_phq4_bands_do_not_reassure_about_self_harm(band: str) -> None:
    advice = assessments.get("phq4").band(band).advice
    for words, text in ((("ask about thoughts of harming yourself", "PHQ-9", "12356"), advice.en),
                        (("伤害自己的念头", "PHQ-9", "12356"), advice.zh)):
        assert all(word in text for word in words), text


def test_every_pointer_names_a_questionnaire_we_have() -> None:
    codes = {i.code for i in assessments.instruments()}
    for instrument in assessments.instruments():
        for rule in instrument.safety:
            assert rule.next is None or rule.next in codes, (instrument.code, rule.flag)


AUDITC_VECTORS = [
    ([0, 0, 0], 0, "lower_risk"),  # never drinks
    ([1, 0, 1], 2, "lower_risk"),  # monthly, 1-2 drinks, binge less than monthly
    ([2, 0, 1], 3, "women_cutoff"),
    ([3, 1, 0], 4, "increased_risk"),
    ([2, 2, 3], 7, "increased_risk"),
    ([4, 1, 3], 8, "high_risk"),
    ([4, 4, 4], 12, "high_risk"),
]


@pytest.mark.parametrize(("answers", "total", "band"), AUDITC_VECTORS)
def test_auditc_vectors(answers: list[int], total: int, band: str) -> None:
    result = assessments.get("auditc").score(answers)
    assert (result.total, result.band, result.flags, result.crisis) == (total, band, (), False)


def test_auditc_explains_both_published_cut_offs_because_sex_is_not_asked() -> None:
    auditc = assessments.get("auditc")
    assert "3 for women, 4 for men" in auditc.band("lower_risk").advice.en
    assert "女性3分、男性4分" in auditc.band("lower_risk").advice.zh
    assert "Bradley" in auditc.sources.cutoffs
    assert "do not stop suddenly" in auditc.band("high_risk").advice.en
    assert auditc.validation == "unvalidated"


PHQ15_VECTORS = [
    ([1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0], 5, "low", ()),
    ([2, 2, 1, 2, 1, 0, 1, 0, 0, 0, 0, 0, 0, 2, 2], 13, "medium", ()),
    ([0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0], 2, "minimal", ("see_doctor",)),
    ([0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 1, "minimal", ()),  # a little chest pain
    ([0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0], 1, "minimal", ("see_doctor",)),
    ([2, 2, 2, 0, 2, 2, 2, 1, 0, 0, 0, 0, 0, 2, 0], 15, "high", ("see_doctor",)),
]


@pytest.mark.parametrize(("answers", "total", "band", "flags"), PHQ15_VECTORS)
def test_phq15_vectors_and_the_see_a_doctor_note(
    answers: list[int], total: int, band: str, flags: tuple[str, ...]
) -> None:
    result = assessments.get("phq15").score(answers)
    assert (result.total, result.band, result.flags, result.crisis) == (total, band, flags, False)


def test_phq15_period_question_says_who_it_is_for() -> None:
    item = assessments.get("phq15").items[3]
    assert "only for people who have periods" in item.text.en
    assert item.options[0].label.en == "Not bothered at all, or does not apply to me"
    assert item.options[0].points == 0
    assert "不适用" in item.options[0].label.zh


# --- the career-interest exploration -----------------------------------------------------------

AREAS = ["realistic", "investigative", "artistic", "social", "enterprising", "conventional"]


def _interest_answers(per_area: dict[str, list[int]]) -> list[int]:
    """60 answers from ten per area, laid out as the form asks them: two per area in turn."""
    answers: list[int] = []
    for turn in range(5):
        for area in AREAS:
            answers += per_area[area][2 * turn:2 * turn + 2]
    return answers


def test_interest_areas_sum_their_ten_items_and_rank_the_top_three() -> None:
    interests = assessments.get("interests")
    result = interests.score(_interest_answers({
        "realistic": [4] * 10,                      # 40
        "investigative": [1] * 10,                  # 10
        "artistic": [0] * 10,                       # 0
        "social": [3] * 10,                         # 30
        "enterprising": [2, 2, 2, 2, 2, 2, 2, 2, 2, 1],  # 19
        "conventional": [2] * 10,                   # 20
    }))
    scores = {k: v.score for k, v in result.subscales.items()}
    assert scores == {"realistic": 40, "investigative": 10, "artistic": 0, "social": 30,
                      "enterprising": 19, "conventional": 20}
    assert (result.total, result.max, result.band) == (40, 40, "profile")
    top = interests.ranked(scores)
    assert [s.code for s in top] == ["realistic", "social", "conventional"]
    assert all(s.description is not None for s in top)


def test_interest_ties_keep_the_riasec_order_and_every_answer_counts_once() -> None:
    interests = assessments.get("interests")
    result = interests.score([2] * 60)
    assert {v.score for v in result.subscales.values()} == {20}
    assert [s.code for s in interests.ranked(
        {k: v.score for k, v in result.subscales.items()}, top=2)] == ["realistic", "investigative"]
    items = sorted(n for s in interests.subscales for n in s.items)
    assert items == list(range(1, 61))


def test_the_exploration_is_not_a_screening() -> None:
    interests = assessments.get("interests")
    assert interests.kind == "exploration"
    assert [b.code for b in interests.bands] == ["profile"]
    assert interests.bands[0].suggest == ("career",)
    assert interests.safety == ()
    assert interests.validation == "unvalidated"
    assert "not an assessment" in interests.description.en
    assert "未经过验证" in interests.description.zh
    assert "USDOL/ETA" in interests.sources.original
    assert all(i.kind == "screening" for i in assessments.instruments() if i is not interests)


# --- the new data-file features fail loudly when misused ---------------------------------------


def test_a_subscale_band_named_like_a_total_band_is_refused(tmp_path) -> None:
    from tests.unit.test_assessments import _copy, _edit, _set

    path = _copy(tmp_path, "phq4")
    _edit(path, _set(["subscales", 1, "bands", 0, "code"], "normal"))
    with pytest.raises(assessments.InstrumentFileError, match=r"subscale bands \['normal'\]"):
        assessments.load_dir(tmp_path)


def test_a_rule_on_a_subscale_band_that_does_not_exist_is_refused(tmp_path) -> None:
    from tests.unit.test_assessments import _copy, _edit, _set

    path = _copy(tmp_path, "phq4")
    _edit(path, _set(["safety", 0, "when"], {"band": "phq2_high"}))
    with pytest.raises(assessments.InstrumentFileError, match="band 'phq2_high' does not exist"):
        assessments.load_dir(tmp_path)


def test_top_subscale_range_must_match_the_areas(tmp_path) -> None:
    from tests.unit.test_assessments import _copy, _edit, _set

    path = _copy(tmp_path, "interests")
    _edit(path, _set(["scoring", "range"], [0, 240]))
    with pytest.raises(assessments.InstrumentFileError,
                       match=r"declared range \[0, 240\] but options give \[0, 40\]"):
        assessments.load_dir(tmp_path)
