"""Keep the catalogues in step with the code: ``python tools/i18n.py update``.

Extracts messages, updates both catalogues, and fills the en catalogue's new entries
from their msgid (English is the source language), and gives Chinese text Chinese
punctuation. zh_Hans_CN (mainland Simplified
Chinese, which the app calls zh_CN) is translated by hand; the translation test fails
while any entry is missing.
"""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "app" / "translations"
POT = ROOT / "build" / "messages.pot"


def extract() -> None:
    """Write the template of every message in the code and templates."""
    POT.parent.mkdir(exist_ok=True)
    subprocess.run(  # noqa: S603
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg",
         "-k", "_l", "-k", "lazy_gettext", "--no-location", "--sort-output",
         "--omit-header", "-o", str(POT), "."],
        cwd=ROOT, check=True,
    )


def update() -> None:
    """Merge the template into both catalogues and fill English from the source text."""
    extract()
    for locale in ("zh_Hans_CN", "en"):
        po = TRANSLATIONS / locale / "LC_MESSAGES" / "messages.po"
        args = ["update", "-i", str(POT), "-l", locale, "-o", str(po), "--no-fuzzy-matching",
                "--ignore-obsolete", "--omit-header"]
        if not po.exists():
            po.parent.mkdir(parents=True, exist_ok=True)
            args = ["init", "-i", str(POT), "-l", locale, "-o", str(po)]
        subprocess.run([sys.executable, "-m", "babel.messages.frontend", *args],  # noqa: S603
                       cwd=ROOT, check=True)
    fill_english(TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po")
    fix_chinese_punctuation(TRANSLATIONS / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po")


CJK = "\u3400-\u9fff\uff00-\uffef\u3000-\u303f"
_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！"}
_MARK_NEAR_CJK = re.compile(rf"(?<=[{CJK}])[,:;?!]|[,:;?!](?=[{CJK}])")
_PARENS = re.compile(r"(?P<before>.?)\((?P<inner>[^()]*)\)")
_HAS_CJK = re.compile(rf"[{CJK}]")


def fullwidth(text: str) -> str:
    """Chinese punctuation where ASCII punctuation touches Chinese ("您好,世界" -> "您好，世界")."""
    def parens(match: re.Match[str]) -> str:
        if _HAS_CJK.search(match["before"] + match["inner"]):
            return f"{match['before']}（{match['inner']}）"
        return match.group(0)

    return _MARK_NEAR_CJK.sub(lambda m: _FULL[m.group(0)], _PARENS.sub(parens, text))


def fix_chinese_punctuation(path: Path) -> None:
    """Apply ``fullwidth`` to every Chinese translation."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="zh_Hans_CN")
    _tidy_header(catalog)  # also un-fuzzies it: pybabel skips a fuzzy catalogue entirely
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.string, tuple):
            message.string = tuple(fullwidth(s) for s in message.string)
        else:
            message.string = fullwidth(message.string)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False)


STABLE_DATE = datetime(2026, 11, 24, tzinfo=UTC)


def _tidy_header(catalog) -> None:
    """A header that does not change on every run, so branches merge without conflicts."""
    catalog.fuzzy = False
    catalog.project, catalog.version = "Xinqing", "1"
    catalog.creation_date = catalog.revision_date = STABLE_DATE
    catalog.last_translator = catalog.language_team = "Xinqing developers"


def fill_english(path: Path) -> None:
    """Give every untranslated English entry its msgid as translation."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    _tidy_header(catalog)
    for message in catalog:
        if not message.id:
            continue
        if isinstance(message.id, tuple):
            if not all(message.string):
                message.string = tuple(message.id)
        elif not message.string:
            message.string = message.id
        message.flags.discard("fuzzy")
    with path.open("wb") as fh:
        write_po(fh, catalog, width=100, omit_header=False)


if __name__ == "__main__":
    if sys.argv[1:] != ["update"]:
        sys.exit("usage: python tools/i18n.py update")
    update()
