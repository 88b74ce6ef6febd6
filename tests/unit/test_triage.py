"""Every branch of the triage rules and the C-SSRS follow-up data (assessments only)."""

from __future__ import annotations

import pytest

from assessments import followup
from assessments.errors import InstrumentFileError
from assessments.triage import HIGH, STANDARD, URGENT, more_urgent, triage

NONE = {"wish_dead": 0, "thoughts": 0, "behaviour": 0, "safe_now": 0}
THOUGHTS = {"wish_dead": 1, "thoughts": 1, "method": 0, "intent": 0, "plan": 0,
            "behaviour": 0, "safe_now": 0}

CASES = [
    # (answers, item_flag, level, reason)
    (None, True, HIGH, "not_answered"),
    (None, False, STANDARD, "score_only"),
    (NONE, True, STANDARD, "thoughts_only"),
    ({**NONE, "wish_dead": 1}, True, STANDARD, "thoughts_only"),
    (THOUGHTS, True, STANDARD, "thoughts_only"),
    ({**NONE, "safe_now": 2}, True, URGENT, "not_safe_now"),
    ({**THOUGHTS, "intent": 1}, True, URGENT, "intent"),
    ({**THOUGHTS, "plan": 1}, True, URGENT, "plan"),
    ({**NONE, "behaviour": 2}, True, URGENT, "recent_behaviour"),
    ({**THOUGHTS, "method": 1}, True, HIGH, "method"),
    ({**NONE, "behaviour": 1}, True, HIGH, "earlier_behaviour"),
    ({**NONE, "safe_now": 1}, True, HIGH, "unsure_safe_now"),
    # The most urgent reason wins whatever else is answered.
    ({**THOUGHTS, "method": 1, "behaviour": 1, "safe_now": 2}, True, URGENT, "not_safe_now"),
    ({**THOUGHTS, "method": 1, "plan": 1}, True, URGENT, "plan"),
]


@pytest.mark.parametrize(("answers", "item_flag", "level", "reason"), CASES)
def test_every_triage_branch(answers, item_flag, level, reason):
    assert triage(answers, item_flag=item_flag) == (level, reason)


def test_more_urgent_never_lowers():
    assert more_urgent(STANDARD, URGENT) == URGENT
    assert more_urgent(HIGH, STANDARD) == HIGH
    assert more_urgent(URGENT, HIGH) == URGENT


def test_cssrs_file_loads_with_sources_and_is_marked_unvalidated():
    cssrs = followup.cssrs()
    assert [q.code for q in cssrs.questions] == [
        "wish_dead", "thoughts", "method", "intent", "plan", "behaviour", "safe_now"]
    assert cssrs.validated is False
    assert "Posner" in cssrs.sources["original"]
    assert "Columbia Lighthouse" in cssrs.sources["original"]
    assert cssrs.text("zh")["questions"][0]["options"][1]["label"] == "有"


def test_cssrs_follows_phq9_item_9_only():
    assert followup.for_result("phq9", [0] * 8 + [1]) is not None
    assert followup.for_result("phq9", [3] * 8 + [0]) is None
    assert followup.for_result("gad7", [3] * 7) is None


def test_method_intent_plan_are_asked_only_after_thoughts():
    cssrs = followup.cssrs()
    assert cssrs.problems(NONE) == []
    assert set(cssrs.problems({**NONE, "thoughts": 1})) == {"method", "intent", "plan"}
    assert cssrs.problems(THOUGHTS) == []


@pytest.mark.parametrize("bad", [
    {**NONE, "safe_now": 3}, {**NONE, "safe_now": True}, {**NONE, "safe_now": "0"},
    {**NONE, "extra": 1}, {k: v for k, v in NONE.items() if k != "safe_now"},
])
def test_out_of_range_or_missing_answers_are_named(bad):
    assert followup.cssrs().problems(bad)


def test_broken_followup_file_names_its_problems(tmp_path):
    path = tmp_path / "cssrs.yaml"
    path.write_text("code: cssrs\nversion: '1'\n", encoding="utf-8")
    with pytest.raises(InstrumentFileError) as err:
        followup.load_file(path)
    assert "questions" in str(err.value)
