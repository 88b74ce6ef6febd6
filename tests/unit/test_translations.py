"""Both catalogues are complete: every message in the code has a Chinese and an English text."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = {"zh_CN": "zh_Hans_CN", "en": "en"}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def source_messages() -> set[str]:
    """Every msgid used in app/ (Python and Jinja templates)."""
    method_map = [("**/templates/**.html", "jinja2"), ("**.py", "python")]
    found = set()
    for _file, _line, message, _comments, _ctx in extract_from_dir(
        str(ROOT / "app"), method_map=method_map, keywords=KEYWORDS,
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


def catalogue(lang: str):
    path = ROOT / "app" / "translations" / CATALOGUES[lang] / "LC_MESSAGES" / "messages.po"
    with path.open("rb") as fh:
        return read_po(fh)


@pytest.fixture(scope="module")
def messages() -> set[str]:
    found = source_messages()
    assert len(found) > 50, "extraction found too little: is the babel config broken?"
    return found


@pytest.mark.parametrize("lang", list(CATALOGUES))
def test_every_message_has_a_translation(messages, lang):
    cat = catalogue(lang)
    translated = {}
    for entry in cat:
        if not entry.id:
            continue
        key = entry.id[0] if isinstance(entry.id, tuple) else entry.id
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        if all(strings) and "fuzzy" not in entry.flags:
            translated[key] = strings
    missing = sorted(messages - set(translated))
    assert missing == [], f"{lang}: {len(missing)} messages lack a translation: {missing[:10]}"


@pytest.mark.parametrize("lang", list(CATALOGUES))
def test_catalogue_is_not_marked_fuzzy(lang):
    # pybabel compile silently skips a catalogue whose header is fuzzy.
    assert not catalogue(lang).fuzzy


@pytest.mark.parametrize("lang", list(CATALOGUES))
def test_translations_keep_their_placeholders(lang):
    for entry in catalogue(lang):
        if not entry.id:
            continue
        source = entry.id[0] if isinstance(entry.id, tuple) else entry.id
        strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
        for string in strings:
            assert sorted(PLACEHOLDER.findall(string)) == sorted(PLACEHOLDER.findall(source)), (
                f"{lang}: placeholders differ in {source!r}")


def test_chinese_catalogue_is_really_chinese(messages):
    cat = catalogue("zh_CN")
    english_left = [e.id for e in cat if e.id and isinstance(e.id, str) and e.string == e.id
                    and re.search(r"[A-Za-z]{4,}", e.id)]
    assert english_left == []


def test_chinese_uses_chinese_punctuation():
    from tools.i18n import fullwidth

    wrong = [e.string for e in catalogue("zh_CN") if e.id and isinstance(e.string, str)
             and fullwidth(e.string) != e.string]
    assert wrong == [], "run `make i18n-update` (it fixes punctuation) and commit"
