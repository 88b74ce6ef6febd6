"""Scoring, bands, flags, languages and data-file checks of the assessments package."""

from __future__ import annotations

import dataclasses
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

import assessments
from assessments import (
    InstrumentFileError,
    ScoringError,
    Text,
    UnknownBandError,
    UnknownInstrument,
    UnsupportedLanguageError,
)

CODES = ["phq9", "gad7", "who5", "pss10", "k10", "cbi", "phq4", "auditc", "phq15", "interests"]
SCREENINGS = [c for c in CODES if c != "interests"]  # the career exploration has no risk bands
CJK = re.compile(r"[\u3400-\u9fff]")


def spread(total: int, n: int, top: int, base: int = 0) -> list[int]:
    """Answers for n items (points base..top) adding up to `total`, filled from item 1."""
    answers, left = [], total - base * n
    for _ in range(n):
        step = min(top - base, left)
        answers.append(base + step)
        left -= step
    assert left == 0, "total out of reach"
    return answers


# --- instruments and lookup -------------------------------------------------------------------


def test_instruments_come_in_a_stable_display_order() -> None:
    assert [i.code for i in assessments.instruments()] == CODES
    assert [i.code for i in assessments.instruments()] == CODES


def test_loading_happens_once_per_process() -> None:
    assert assessments.get("phq9") is assessments.instruments()[0]


def test_get_unknown_code_raises_a_keyerror_that_names_the_known_codes() -> None:
    with pytest.raises(UnknownInstrument) as info:
        assessments.get("dass21")
    assert isinstance(info.value, KeyError)
    assert "dass21" in str(info.value)
    assert "phq9" in str(info.value)


def test_instrument_has_items_of_published_length() -> None:
    lengths = {i.code: len(i.items) for i in assessments.instruments()}
    assert lengths == {"phq9": 9, "gad7": 7, "who5": 5, "pss10": 10, "k10": 10, "cbi": 13,
                       "phq4": 4, "auditc": 3, "phq15": 15, "interests": 60}


# --- band boundaries, both sides of every cut-off ---------------------------------------------

PHQ9 = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "moderately_severe"), (19, "moderately_severe"), (20, "severe"),
        (27, "severe")]
GAD7 = [(0, "minimal"), (4, "minimal"), (5, "mild"), (9, "mild"), (10, "moderate"),
        (14, "moderate"), (15, "severe"), (21, "severe")]
K10 = [(10, "low"), (15, "low"), (16, "moderate"), (21, "moderate"), (22, "high"), (29, "high"),
       (30, "very_high"), (50, "very_high")]


@pytest.mark.parametrize(("total", "band"), PHQ9)
def test_phq9_bands(total: int, band: str) -> None:
    result = assessments.get("phq9").score(spread(total, 9, 3))
    assert (result.total, result.max, result.band) == (total, 27, band)


@pytest.mark.parametrize(("total", "band"), GAD7)
def test_gad7_bands(total: int, band: str) -> None:
    result = assessments.get("gad7").score(spread(total, 7, 3))
    assert (result.total, result.max, result.band) == (total, 21, band)


@pytest.mark.parametrize(("total", "band"), K10)
def test_k10_bands_use_points_one_to_five(total: int, band: str) -> None:
    result = assessments.get("k10").score(spread(total, 10, 5, base=1))
    assert (result.total, result.min, result.max, result.band) == (total, 10, 50, band)


@pytest.mark.parametrize(
    ("raw", "total", "band"),
    [(0, 0, "low"), (7, 28, "low"), (8, 32, "reduced"), (12, 48, "reduced"), (13, 52, "good"),
     (25, 100, "good")],
)
def test_who5_total_is_raw_times_four_and_higher_is_better(raw: int, total: int, band: str) -> None:
    who5 = assessments.get("who5")
    result = who5.score(spread(raw, 5, 5))
    assert (result.total, result.max, result.band) == (total, 100, band)
    assert who5.direction == "higher_is_better"


# PSS-10: items 4, 5, 7, 8 count 4 - points. Vectors worked out by hand.
PSS10 = [
    ([0, 0, 0, 4, 4, 0, 4, 4, 0, 0], 0, "low"),
    ([4, 4, 4, 4, 4, 1, 4, 4, 0, 0], 13, "low"),
    ([4, 4, 4, 4, 4, 2, 4, 4, 0, 0], 14, "moderate"),
    ([4, 4, 4, 2, 4, 4, 4, 4, 4, 4], 26, "moderate"),
    ([4, 4, 4, 1, 4, 4, 4, 4, 4, 4], 27, "high"),
    ([4, 4, 4, 0, 0, 4, 0, 0, 4, 4], 40, "high"),
]


@pytest.mark.parametrize(("answers", "total", "band"), PSS10)
def test_pss10_bands(answers: list[int], total: int, band: str) -> None:
    result = assessments.get("pss10").score(answers)
    assert (result.total, result.max, result.band) == (total, 40, band)


def test_pss10_reverses_items_4_5_7_8() -> None:
    pss = assessments.get("pss10")
    assert pss.score([0] * 10).total == 16  # the four positive items count 4 each
    assert pss.score([4] * 10).total == 24  # six negative items count 4, positive ones 0
    assert [i.number for i in pss.items if i.reverse] == [4, 5, 7, 8]


# CBI: personal = items 1-6, work = items 7-13, item 13 reversed (100 - points).
LOW_WORK = [0] * 6 + [100]  # reversed item 13: "always enough energy" counts 0
CBI_PERSONAL = [
    ([50, 50, 50, 50, 50, 25], 45.8, "low"),
    ([50] * 6, 50.0, "moderate"),
    ([75, 75, 75, 75, 75, 50], 70.8, "moderate"),
    ([75] * 6, 75.0, "high"),
    ([100, 100, 100, 100, 100, 75], 95.8, "high"),
    ([100] * 6, 100.0, "high"),
]
CBI_WORK = [
    ([50, 50, 50, 50, 50, 25, 50], 46.4, "low"),
    ([50] * 7, 50.0, "moderate"),
    ([75, 75, 75, 75, 75, 50, 25], 71.4, "moderate"),
    ([75] * 6 + [25], 75.0, "high"),
    ([100] * 7, 85.7, "high"),
    ([100] * 6 + [0], 100.0, "high"),
]


@pytest.mark.parametrize(("answers", "score", "band"), CBI_PERSONAL)
def test_cbi_personal_scale_is_a_mean_with_bands(
    answers: list[int], score: float, band: str
) -> None:
    result = assessments.get("cbi").score(answers + LOW_WORK)
    personal = result.subscales["personal"]
    assert (personal.score, personal.max, personal.band) == (score, 100, band)
    assert result.subscales["work"].score == 0
    assert (result.total, result.band) == (score, band)  # personal is the worse scale here


@pytest.mark.parametrize(("answers", "score", "band"), CBI_WORK)
def test_cbi_work_scale_is_a_mean_with_item_13_reversed(
    answers: list[int], score: float, band: str
) -> None:
    result = assessments.get("cbi").score([0] * 6 + answers)
    work = result.subscales["work"]
    assert (work.score, work.max, work.band) == (score, 100, band)
    assert (result.total, result.band) == (score, band)


def test_cbi_overall_is_the_worse_of_the_two_scales() -> None:
    cbi = assessments.get("cbi")
    result = cbi.score([50, 50, 50, 50, 50, 25] + [100] * 7)
    assert result.subscales["personal"].band == "low"
    assert result.subscales["work"].band == "high"
    assert (result.total, result.max, result.band) == (85.7, 100, "high")
    result = cbi.score([100] * 6 + LOW_WORK)
    assert (result.total, result.band) == (100.0, "high")


def test_cbi_means_round_half_up_to_one_decimal() -> None:
    cbi = assessments.get("cbi")
    assert cbi.score([100, 0, 0, 0, 0, 0, *LOW_WORK]).subscales["personal"].score == 16.7
    assert cbi.score([0] * 6 + [25, 0, 0, 0, 0, 0, 100]).subscales["work"].score == 3.6


def test_cbi_degree_items_have_their_own_labels() -> None:
    cbi = assessments.get("cbi")
    assert cbi.items[6].options[0].label.en == "To a very high degree"
    assert cbi.items[9].options[0].label.en == "Always"
    assert cbi.items[6].points == cbi.items[9].points == (100, 75, 50, 25, 0)


# --- safety flags ----------------------------------------------------------------------------


def test_phq9_item9_above_zero_raises_self_harm_even_with_total_1() -> None:
    result = assessments.get("phq9").score([0, 0, 0, 0, 0, 0, 0, 0, 1])
    assert (result.total, result.band) == (1, "minimal")
    assert result.flags == ("self_harm",)
    assert result.crisis is True


def test_phq9_item9_zero_raises_no_flag() -> None:
    result = assessments.get("phq9").score([1, 1, 1, 1, 1, 1, 1, 1, 0])
    assert (result.total, result.band) == (8, "mild")
    assert result.flags == ()
    assert result.crisis is False


def test_phq9_severe_band_needs_the_crisis_panel_without_item9() -> None:
    phq9 = assessments.get("phq9")
    result = phq9.score([3, 3, 3, 3, 3, 3, 2, 0, 0])
    assert (result.total, result.band) == (20, "severe")
    assert (result.flags, result.crisis) == (("severe",), True)
    below = phq9.score([3, 3, 3, 3, 3, 3, 1, 0, 0])
    assert (below.band, below.flags, below.crisis) == ("moderately_severe", (), False)
    both = phq9.score([3] * 9)
    assert both.flags == ("self_harm", "severe")
    assert phq9.crisis_flags == {"self_harm", "severe"}


def test_safety_messages_point_to_the_national_hotline() -> None:
    phq9 = assessments.get("phq9")
    for flag in ("self_harm", "severe"):
        message = phq9.safety_message(flag)
        assert "12356" in message.zh
        assert "12356" in message.en


# --- the unscored PHQ-9 difficulty question ----------------------------------------------------


def test_phq9_difficulty_question_is_shown_but_not_scored() -> None:
    phq9 = assessments.get("phq9")
    (difficulty,) = phq9.extra_questions
    assert difficulty.code == "difficulty"
    assert difficulty.scored is False
    assert "difficult" in difficulty.text.en
    assert difficulty.accepts(3)
    assert not difficulty.accepts(4)
    assert len(phq9.items) == 9
    with pytest.raises(ScoringError, match="expected 9 answers"):
        phq9.score([0] * 9 + [2])  # scored items plus the difficulty answer is refused


# --- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "answers", "message"),
    [
        ("phq9", [0] * 8, "expected 9 answers"),
        ("phq9", [0] * 10, "expected 9 answers"),
        ("phq9", [], "expected 9 answers"),
        ("phq9", [0] * 8 + [4], "item 9 must be one of 0, 1, 2, 3"),
        ("phq9", [-1] + [0] * 8, "item 1 must be one of"),
        ("k10", [0] + [1] * 9, "item 1 must be one of 1, 2, 3, 4, 5"),
        ("who5", [6, 0, 0, 0, 0], "item 1 must be one of"),
        ("cbi", [30] + [0] * 12, "item 1 must be one of 100, 75, 50, 25, 0"),
        ("phq9", [True] + [0] * 8, "must be an integer"),
        ("phq9", [1.0] + [0] * 8, "must be an integer"),
        ("phq9", ["1"] + [0] * 8, "must be an integer"),
        ("phq9", [None] + [0] * 8, "must be an integer"),
        ("phq9", "000000000", "must be a sequence"),
        ("phq9", {0: 0}, "must be a sequence"),
    ],
)
def test_bad_answers_raise_scoring_error(code: str, answers: Any, message: str) -> None:
    with pytest.raises(ScoringError, match=message) as info:
        assessments.get(code).score(answers)
    assert isinstance(info.value, ValueError)
    assert code in str(info.value)


# --- bands, advice and texts -----------------------------------------------------------------


def test_band_lookup_gives_labels_advice_and_suggestions() -> None:
    band = assessments.get("phq9").band("moderate")
    assert (band.min, band.max) == (10, 14)
    assert band.label.get("en") == "Moderate depressive symptoms"
    assert band.label.get("zh_CN") == "中度抑郁症状"
    assert "counselling" in band.suggest
    with pytest.raises(UnknownBandError, match="no band 'huge'"):
        assessments.get("phq9").band("huge")


@pytest.mark.parametrize("code", SCREENINGS)
def test_every_band_says_it_is_a_screening_not_a_diagnosis(code: str) -> None:
    for band in assessments.get(code).bands:
        assert "not a diagnosis" in band.advice.en, band.code
        assert "不是诊断" in band.advice.zh, band.code


@pytest.mark.parametrize("code", SCREENINGS)
def test_the_worst_band_suggests_counselling_and_the_best_self_help(code: str) -> None:
    inst = assessments.get(code)
    best, worst = inst.bands[0], inst.bands[-1]
    if inst.direction == "higher_is_better":
        best, worst = worst, best
    assert "counselling" in worst.suggest
    assert best.suggest == ("self_help",)


def _texts(node: object) -> list[Text]:
    """Every Text reachable from an instrument's fields."""
    if isinstance(node, Text):
        return [node]
    if dataclasses.is_dataclass(node):
        return [t for f in dataclasses.fields(node) for t in _texts(getattr(node, f.name))]
    if isinstance(node, tuple):
        return [t for x in node for t in _texts(x)]
    return []


@pytest.mark.parametrize("code", CODES)
def test_every_text_is_complete_in_both_languages(code: str) -> None:
    inst = assessments.get(code)
    texts = _texts(inst)
    minimum = len(inst.items) * 2 + 4  # each item's text and at least one option label
    assert len(texts) > minimum
    for text in texts:
        assert text.zh.strip()
        assert CJK.search(text.zh), text
        assert text.en.strip()
        assert not CJK.search(text.en), text


@pytest.mark.parametrize("code", CODES)
def test_text_view_is_in_one_language(code: str) -> None:
    inst = assessments.get(code)
    zh, en = inst.text("zh_CN"), inst.text("en")
    assert zh["lang"] == "zh"
    assert en["lang"] == "en"
    assert [i["text"] for i in zh["items"]] == [i.text.zh for i in inst.items]
    assert [i["text"] for i in en["items"]] == [i.text.en for i in inst.items]
    assert CJK.search(zh["time_frame"])
    assert not CJK.search(str(en))


def test_time_frames_are_as_published() -> None:
    frames = {i.code: i.time_frame.en for i in assessments.instruments()}
    assert frames["phq9"] == "Over the last 2 weeks"
    assert assessments.get("phq9").time_frame.zh == "在过去两周里"
    assert frames["pss10"] == "In the last month"
    assert frames["k10"] == "During the last 30 days"


@pytest.mark.parametrize("lang", ["zh", "zh_CN", "zh-Hans-CN", "ZH"])
def test_chinese_locale_spellings_are_accepted(lang: str) -> None:
    assert assessments.get("gad7").name.get(lang) == "广泛性焦虑量表"


def test_unsupported_language_is_refused() -> None:
    with pytest.raises(UnsupportedLanguageError, match="'fr'"):
        assessments.get("gad7").text("fr")


@pytest.mark.parametrize("code", CODES)
def test_every_file_states_sources_and_licence(code: str) -> None:
    inst = assessments.get(code)
    assert inst.sources.original
    assert inst.sources.chinese_version
    assert inst.sources.cutoffs
    assert inst.licence_note
    if not inst.licence_confirmed:
        assert any("licence" in u.lower() for u in inst.unconfirmed)


# --- property: any valid answers give a total in range and a defined band ------------------------


@st.composite
def valid_answers(draw: st.DrawFn) -> tuple[str, list[int]]:
    code = draw(st.sampled_from(CODES))
    items = assessments.get(code).items
    return code, [draw(st.sampled_from(item.points)) for item in items]


@settings(max_examples=300, deadline=None)
@given(valid_answers())
def test_any_valid_answers_score_in_range_with_a_band(case: tuple[str, list[int]]) -> None:
    code, answers = case
    inst = assessments.get(code)
    result = inst.score(answers)
    assert inst.min <= result.total <= inst.max
    assert inst.band(result.band).contains(result.total)
    for sub_code, sub in result.subscales.items():
        assert sub.min <= sub.score <= sub.max
        bands = inst.subscale(sub_code).bands
        assert any(b.code == sub.band and b.contains(sub.score) for b in bands)
    assert ("self_harm" in result.flags) == (code == "phq9" and answers[8] > 0)
    assert result.crisis == bool(set(result.flags) & inst.crisis_flags)
    if code == "who5":
        assert result.total == 4 * sum(answers)


# --- broken data files fail loudly ----------------------------------------------------------------


def _copy(tmp_path: Path, code: str = "phq9") -> Path:
    target = tmp_path / f"{code}.yaml"
    shutil.copy(assessments.DEFAULT_DIR / f"{code}.yaml", target)
    return target


def _edit(path: Path, change: Any) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")


def test_a_copy_of_a_good_file_loads_from_any_directory(tmp_path: Path) -> None:
    _copy(tmp_path)
    (loaded,) = assessments.load_dir(tmp_path)
    assert loaded == assessments.get("phq9")


def _set(path: list[Any], value: Any) -> Any:
    def change(data: Any) -> None:
        for key in path[:-1]:
            data = data[key]
        if value is _DELETE:
            del data[path[-1]]
        else:
            data[path[-1]] = value

    return change


_DELETE = object()

BROKEN = [
    (_set(["items", 2, "text", "zh"], _DELETE), "at items/2/text: 'zh' is a required property"),
    (_set(["items", 2, "text", "en"], "   "), "at items/2/text/en"),
    (_set(["bands", 1, "range"], [6, 9]), "gap between minimal (ends 4) and mild (starts 6)"),
    (_set(["bands", 1, "range"], [4, 9]), "bands minimal and mild overlap"),
    (_set(["bands", 4, "range"], [20, 26]), "last band ends at 26, scores end at 27"),
    (_set(["bands", 0, "range"], [1, 4]), "first band starts at 1, scores start at 0"),
    (_set(["options", 3, "points"], 4), "declared range [0, 27] but options give [0, 36]"),
    (_set(["options", 3, "points"], 2), "option points repeat"),
    (_set(["options", 3, "points"], 3.0), "option points must be written as integers"),
    (_set(["reverse_items"], [10]), "reverse_items: item 10 does not exist"),
    (_set(["options"], _DELETE), "item 1 has no options"),
    (_set(["items", 0, "text", "zh"], "Little interest"), "zh text has no Chinese characters"),
    (_set(["names", "en"], "患者健康问卷"), "en text contains Chinese characters"),
    (_set(["items", 1, "number"], 3), "items must be numbered 1..9 in order"),
    (_set(["safety", 0, "when"], {"item": 12, "at_least": 1}), "safety/0: item 12 does not exist"),
    (_set(["safety", 1, "when"], {"band": "extreme"}), "band 'extreme' does not exist"),
    (_set(["bands", 0, "suggest"], ["hospital"]), "at bands/0/suggest/0"),
    (_set(["colour"], "blue"), "'colour' was unexpected"),
    (_set(["code"], "phq10"), "does not match the file name 'phq9'"),
]


@pytest.mark.parametrize(("change", "problem"), BROKEN)
def test_broken_file_fails_naming_file_and_problem(
    tmp_path: Path, change: Any, problem: str
) -> None:
    path = _copy(tmp_path)
    _edit(path, change)
    with pytest.raises(InstrumentFileError) as info:
        assessments.load_dir(tmp_path)
    assert str(path) in str(info.value)
    assert problem in str(info.value)


def test_cbi_band_gap_at_one_decimal_is_caught(tmp_path: Path) -> None:
    path = _copy(tmp_path, "cbi")
    _edit(path, _set(["bands", 0, "range"], [0, 49.8]))
    with pytest.raises(InstrumentFileError, match=r"gap between low \(ends 49.8\)"):
        assessments.load_dir(tmp_path)


def test_pss10_reversed_item_that_does_not_exist_is_caught(tmp_path: Path) -> None:
    path = _copy(tmp_path, "pss10")
    _edit(path, _set(["reverse_items"], [4, 5, 7, 11]))
    with pytest.raises(InstrumentFileError, match="item 11 does not exist"):
        assessments.load_dir(tmp_path)


def test_invalid_yaml_syntax_fails_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "phq9.yaml"
    path.write_text("code: phq9\nitems: [1, 2\n", encoding="utf-8")
    with pytest.raises(InstrumentFileError, match=r"phq9\.yaml: invalid instrument file") as info:
        assessments.load_file(path)
    assert "cannot read YAML" in str(info.value)


def test_duplicate_keys_are_refused_not_silently_merged(tmp_path: Path) -> None:
    path = _copy(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("minutes: 3\n", "minutes: 3\nminutes: 4\n"), encoding="utf-8")
    with pytest.raises(InstrumentFileError, match="duplicate key 'minutes'"):
        assessments.load_dir(tmp_path)


def test_empty_directory_and_yml_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InstrumentFileError, match="no instrument files"):
        assessments.load_dir(tmp_path)
    shutil.copy(assessments.DEFAULT_DIR / "phq9.yaml", tmp_path / "phq9.yml")
    with pytest.raises(InstrumentFileError, match=r"rename to \.yaml"):
        assessments.load_dir(tmp_path)


def test_non_mapping_file_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "phq9.yaml"
    path.write_text("- just\n- a list\n", encoding="utf-8")
    with pytest.raises(InstrumentFileError, match=r"at \(top level\): .* is not of type 'object'"):
        assessments.load_file(path)


def test_cbi_severe_is_merged_into_high_and_old_results_still_read() -> None:
    cbi = assessments.get("cbi")
    assert [b.code for b in cbi.bands] == ["low", "moderate", "high"]
    assert cbi.band("severe") is cbi.band("high")  # results stored before the merge


def test_every_instrument_states_its_sources_and_validation_status() -> None:
    for instrument in assessments.instruments():
        text = instrument.text("en")
        assert text["validation"] in {"validated", "adapted", "unvalidated"}
        assert text["sources"]["original"]
        assert text["sources"]["chinese_version"]
    assert "Yeh" in assessments.get("cbi").sources.chinese_version
    assert "2007;14(3):126-133" in assessments.get("cbi").sources.chinese_version
    assert "Zhou C" in assessments.get("k10").sources.chinese_version
    assert "not the PSS-10" in assessments.get("pss10").sources.chinese_version


def test_phq9_item9_and_options_use_the_validated_chinese_wording() -> None:
    phq9 = assessments.get("phq9")
    assert phq9.items[8].text.zh == "有不如死掉或用某种方式伤害自己的念头"
    assert [o.label.zh for o in phq9.items[0].options] == [
        "完全不会", "好几天", "一半以上的天数", "几乎每天"]
