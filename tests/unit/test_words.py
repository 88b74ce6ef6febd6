"""The Chinese UI addresses the reader as 您 throughout (the issue: 你 and 您 were mixed in
one flow). The one exception is the published wording of validated questionnaires, quoted
as validated: PHQ-9 and GAD-7 ask "你" in their Chinese versions, and a questionnaire's
items, instructions and answer labels must not be reworded."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import yaml
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
INFORMAL = "你"
# Instruments whose Chinese wording is the published, validated translation (SOURCES.md).
QUOTED = {"phq9", "gad7"}
# Within those, the parts a person answers: quoted word for word.
QUOTED_PARTS = ("instructions", "items", "extra_questions", "options")


def informal_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if INFORMAL in line]


def test_the_check_finds_the_informal_word():
    assert informal_lines("一切正常\n请你先登录") == ["请你先登录"]
    assert informal_lines("请您先登录") == []


def test_no_template_says_ni():
    hits = {str(p.relative_to(ROOT)): informal_lines(p.read_text())
            for p in (ROOT / "app").rglob("templates/**/*") if p.is_file()}
    assert {p: lines for p, lines in hits.items() if lines} == {}


def test_the_chinese_catalogue_never_says_ni():
    path = ROOT / "app/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
    with path.open("rb") as handle:
        catalogue = read_po(handle)
    hits = []
    for message in catalogue:
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        hits += [(message.id, s) for s in strings if s and INFORMAL in s]
    assert hits == []


def test_no_python_string_says_ni():
    """Texts sent without a template (SMS, emails built in code) use 您 too."""
    hits = []
    for path in (ROOT / "app").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and INFORMAL in node.value:
                hits.append((str(path.relative_to(ROOT)), node.lineno))
    assert hits == []


def _zh_texts(node: object, where: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "zh" and isinstance(value, str):
                yield where, value
            else:
                yield from _zh_texts(value, (*where, str(key)))
    elif isinstance(node, list):
        for item in node:
            yield from _zh_texts(item, where)


def test_questionnaires_say_ni_only_in_quoted_validated_wording():
    hits = []
    for path in sorted((ROOT / "assessments").rglob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        quoted = path.parent.name == "instruments" and data.get("code") in QUOTED
        for where, text in _zh_texts(data):
            if INFORMAL in text and not (quoted and where and where[0] in QUOTED_PARTS):
                hits.append((path.name, ".".join(where), text))
    assert hits == []
