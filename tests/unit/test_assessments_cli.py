"""`python -m assessments` as a user runs it: output, JSON shape and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        [sys.executable, "-m", "assessments", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=env,
        timeout=60,
        check=False,
    )


def test_list_prints_every_instrument_in_order() -> None:
    proc = run("list")
    assert proc.returncode == 0, proc.stderr
    codes = [line.split()[0] for line in proc.stdout.splitlines()]
    assert codes == ["phq9", "gad7", "who5", "pss10", "k10", "cbi", "phq4", "auditc",
                     "phq15", "interests"]
    assert "患者健康问卷" in proc.stdout


def test_list_json() -> None:
    proc = run("list", "--json")
    assert proc.returncode == 0, proc.stderr
    rows = json.loads(proc.stdout)
    assert [r["code"] for r in rows] == ["phq9", "gad7", "who5", "pss10", "k10", "cbi", "phq4",
                                         "auditc", "phq15", "interests"]
    assert rows[0]["name"] == {"zh": "患者健康问卷抑郁量表", "en": "Patient Health Questionnaire"}
    assert (rows[4]["min"], rows[4]["max"]) == (10, 50)


def test_show_in_english_lists_items_the_unscored_question_and_bands() -> None:
    proc = run("show", "phq9", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert " 9. Thoughts that you would be better off dead" in proc.stdout
    assert "Not scored: If you checked off any problems" in proc.stdout
    assert "20–27  severe" in proc.stdout
    assert "在过去两周里" not in proc.stdout


def test_show_defaults_to_chinese_and_marks_reversed_items() -> None:
    proc = run("show", "pss10")
    assert proc.returncode == 0, proc.stderr
    assert "在过去一个月里" in proc.stdout
    assert " 4. 您有多经常对自己处理个人问题的能力感到有信心？ (R)" in proc.stdout
    assert "Licence: Free for non-commercial use (to confirm). (unconfirmed)" in proc.stdout


def test_show_json_in_chinese() -> None:
    proc = run("show", "cbi", "--lang", "zh_CN", "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["lang"] == "zh"
    assert [s["code"] for s in data["subscales"]] == ["personal", "work"]
    assert data["items"][6]["options"][0]["label"] == "程度非常高"


def test_score_json_has_the_documented_shape() -> None:
    proc = run("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,1", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == {
        "instrument": "phq9",
        "version": "1.1",
        "total": 1,
        "min": 0,
        "max": 27,
        "band": "minimal",
        "flags": ["self_harm"],
        "crisis": True,
        "subscales": {},
    }


def test_score_json_for_cbi_reports_both_scales() -> None:
    answers = ",".join(["50"] * 6 + ["100"] * 7)
    proc = run("score", "cbi", "--answers", answers, "--json")
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["total"], data["max"], data["band"]) == (85.7, 100, "high")
    assert data["subscales"] == {
        "personal": {"score": 50.0, "min": 0, "max": 100, "band": "moderate"},
        "work": {"score": 85.7, "min": 0, "max": 100, "band": "high"},
    }


def test_score_text_shows_band_label_and_flag_message() -> None:
    proc = run("score", "phq9", "--answers", "3,3,3,3,3,3,3,3,3", "--lang", "en")
    assert proc.returncode == 0, proc.stderr
    assert "PHQ-9: 27 / 27  severe (Severe depressive symptoms)" in proc.stdout
    assert "flag self_harm:" in proc.stdout
    assert "crisis" in proc.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("score", "phq9", "--answers", "0,0,0"), "expected 9 answers"),
        (("score", "phq9", "--answers", "0,0,0,0,0,0,0,0,4"), "item 9 must be one of 0, 1, 2, 3"),
        (("score", "k10", "--answers", "0,1,1,1,1,1,1,1,1,1"), "must be one of 1, 2, 3, 4, 5"),
        (("score", "phq9", "--answers", "0,a,0"), "comma-separated integers"),
        (("score", "phq9", "--answers", ""), "comma-separated integers"),
        (("score", "dass21", "--answers", "0"), "unknown instrument 'dass21'"),
        (("show", "dass21"), "unknown instrument 'dass21'"),
        (("show", "phq9", "--lang", "fr"), "unsupported language 'fr'"),
        (("score", "phq9"), "--answers"),
        (("frobnicate",), "invalid choice"),
        ((), "required"),
    ],
)
def test_user_errors_exit_2_with_message_on_stderr_only(
    args: tuple[str, ...], message: str
) -> None:
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert message in proc.stderr
    assert "Traceback" not in proc.stderr
