"""Follow-up question sets asked after a risk answer (the C-SSRS screener after PHQ-9 item 9).

Data like the instruments (YAML checked against followup_schema.json), but not scored: the
answers go to assessments.triage, the one place that turns them into an urgency level.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

from assessments.errors import InstrumentFileError
from assessments.loader import _CJK, read_yaml
from assessments.model import Option, Text, normalize_lang

FOLLOWUP_DIR = Path(__file__).resolve().parent / "followup"
SCHEMA_PATH = Path(__file__).resolve().parent / "followup_schema.json"


@dataclass(frozen=True)
class Question:
    """One follow-up question; ``ask_if`` names answers that must be given for it to apply."""

    code: str
    text: Text
    options: tuple[Option, ...]
    ask_if: tuple[tuple[str, int], ...] = ()

    @property
    def points(self) -> tuple[int, ...]:
        """The answer codes a valid answer may take."""
        return tuple(o.points for o in self.options)

    def applies(self, answers: Mapping[str, int]) -> bool:
        """Whether this question is asked, given the other answers."""
        return all(answers.get(code) == value for code, value in self.ask_if)


@dataclass(frozen=True)
class FollowUp:
    """A follow-up question set with its trigger and provenance."""

    code: str
    version: str
    abbreviation: str
    name: Text
    instructions: Text
    trigger_instrument: str
    trigger_item: int
    trigger_at_least: int
    questions: tuple[Question, ...]
    sources: Mapping[str, str]
    licence_note: str
    licence_confirmed: bool
    validated: bool
    unconfirmed: tuple[str, ...]

    def triggered_by(self, instrument: str, answers: list[int] | tuple[int, ...]) -> bool:
        """Whether these (validated) answers of ``instrument`` call for this follow-up."""
        return (instrument == self.trigger_instrument and len(answers) >= self.trigger_item
                and answers[self.trigger_item - 1] >= self.trigger_at_least)

    def problems(self, answers: Mapping[str, object]) -> list[str]:
        """Codes of questions that apply but are unanswered or answered off the options.

        Answers to questions that do not apply are allowed if valid (counted, conservatively),
        and unknown codes are reported too.
        """
        known = {q.code for q in self.questions}
        bad = [code for code in answers if code not in known]
        valid = {k: v for k, v in answers.items() if isinstance(v, int)
                 and not isinstance(v, bool)}
        for q in self.questions:
            value = answers.get(q.code)
            if value is None and not q.applies(valid):
                continue
            if not (isinstance(value, int) and not isinstance(value, bool)
                    and value in q.points):
                bad.append(q.code)
        return bad

    def text(self, lang: str) -> dict[str, Any]:
        """Texts in one language, JSON-ready, for pages and the API."""
        lang = normalize_lang(lang)
        return {
            "code": self.code, "version": self.version, "abbreviation": self.abbreviation,
            "name": self.name.get(lang), "instructions": self.instructions.get(lang),
            "validated": self.validated,
            "questions": [
                {"code": q.code, "text": q.text.get(lang), "ask_if": dict(q.ask_if),
                 "options": [{"points": o.points, "label": o.label.get(lang)}
                             for o in q.options]}
                for q in self.questions],
            "sources": dict(self.sources),
        }


def _text(node: dict[str, str]) -> Text:
    return Text(zh=node["zh"].strip(), en=node["en"].strip())


def _problems(data: Any) -> list[str]:
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    problems = [f"at {'/'.join(map(str, e.path)) or '(top level)'}: {e.message}"
                for e in Draft202012Validator(schema).iter_errors(data)]
    if problems:
        return problems
    codes = [q["code"] for q in data["questions"]]
    if len(set(codes)) != len(codes):
        problems.append(f"question codes repeat: {codes}")
    for q in data["questions"]:
        for code in q.get("ask_if", {}):
            if code not in codes[:codes.index(q["code"])]:
                problems.append(f"{q['code']}: ask_if names {code!r}, not an earlier question")
        for o in q["options"]:
            if not _CJK.search(o["label"]["zh"]):
                problems.append(f"{q['code']}: zh option label has no Chinese characters")
    return problems


def load_file(path: Path | str) -> FollowUp:
    """Load and check one follow-up file; InstrumentFileError names every problem."""
    path = Path(path)
    data = read_yaml(path)
    problems = _problems(data)
    if not problems and data["code"] != path.stem:
        problems.append(f"code {data['code']!r} does not match the file name {path.stem!r}")
    if problems:
        raise InstrumentFileError(str(path), problems)
    trigger = data["trigger"]
    return FollowUp(
        code=data["code"], version=data["version"], abbreviation=data["abbreviation"],
        name=_text(data["names"]), instructions=_text(data["instructions"]),
        trigger_instrument=trigger["instrument"], trigger_item=trigger["item"],
        trigger_at_least=trigger["at_least"],
        questions=tuple(
            Question(code=q["code"], text=_text(q["text"]),
                     options=tuple(Option(o["points"], _text(o["label"])) for o in q["options"]),
                     ask_if=tuple(q.get("ask_if", {}).items()))
            for q in data["questions"]),
        sources={k: " ".join(v.split()) for k, v in data["sources"].items()},
        licence_note=" ".join(data["licence"]["note"].split()),
        licence_confirmed=data["licence"]["confirmed"], validated=data["validated"],
        unconfirmed=tuple(u.strip() for u in data["unconfirmed"]),
    )


@cache
def cssrs() -> FollowUp:
    """The C-SSRS screener follow-up (loaded and checked once per process)."""
    return load_file(FOLLOWUP_DIR / "cssrs.yaml")


def for_result(instrument: str, answers: list[int] | tuple[int, ...]) -> FollowUp | None:
    """The follow-up these answers call for, or None."""
    followup = cssrs()
    return followup if followup.triggered_by(instrument, answers) else None
