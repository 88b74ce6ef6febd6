"""Immutable description of a questionnaire, built once from its YAML data file.

Everything here is plain data plus small lookups; the arithmetic lives in scoring.py and the
file handling in loader.py, so the app can hold these objects for the life of the process.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from assessments.errors import UnknownBandError, UnsupportedLanguageError
from assessments.scoring import Result, score_answers

LANGUAGES: tuple[str, ...] = ("zh", "en")
Suggestion = Literal["self_help", "group", "relaxation", "counselling", "career"]
Number = int | float


def normalize_lang(lang: str) -> str:
    """Map locale spellings ("zh", "zh_CN", "zh-Hans-CN", "en_US") to "zh" or "en".

    The app passes Babel locales and Accept-Language values; both forms must work.
    """
    base = lang.replace("-", "_").split("_", 1)[0].lower() if isinstance(lang, str) else ""
    if base not in LANGUAGES:
        raise UnsupportedLanguageError(f"unsupported language {lang!r}; use 'zh' or 'en'")
    return base


@dataclass(frozen=True)
class Text:
    """One user-facing text in both languages (the loader guarantees neither is blank)."""

    zh: str
    en: str

    def get(self, lang: str) -> str:
        """The text in `lang` ("zh", "zh_CN", "en", ...)."""
        return self.zh if normalize_lang(lang) == "zh" else self.en


@dataclass(frozen=True)
class Option:
    """One printed answer choice and the points it is worth on the published form."""

    points: int
    label: Text


class _Choices:
    """What scored items and unscored questions share: a fixed set of printed options."""

    options: tuple[Option, ...]

    @property
    def points(self) -> tuple[int, ...]:
        """Points (or answer codes) a valid answer may take, in printed order."""
        return tuple(o.points for o in self.options)

    def accepts(self, value: object) -> bool:
        """True if `value` is an int (not bool) that is one of the option points."""
        return isinstance(value, int) and not isinstance(value, bool) and value in self.points


@dataclass(frozen=True)
class Item(_Choices):
    """A scored question. `number` is its 1-based position; answers follow this order."""

    number: int
    text: Text
    options: tuple[Option, ...]
    reverse: bool = False


@dataclass(frozen=True)
class ExtraQuestion(_Choices):
    """A question shown with the form but never scored (e.g. the PHQ-9 difficulty question)."""

    code: str
    text: Text
    options: tuple[Option, ...]
    scored: bool = False


@dataclass(frozen=True)
class Band:
    """A score range with what it means in plain words and which services to offer."""

    code: str
    min: Number
    max: Number
    label: Text
    advice: Text
    suggest: tuple[Suggestion, ...]

    def contains(self, score: Number) -> bool:
        """Both ends are inclusive, at the resolution the score is rounded to."""
        return self.min <= score <= self.max


@dataclass(frozen=True)
class Subscale:
    """A group of items scored on its own (CBI personal and work-related burnout)."""

    code: str
    name: Text
    items: tuple[int, ...]
    method: Literal["sum", "mean"]
    decimals: int
    min: Number
    max: Number
    bands: tuple[Band, ...]
    description: Text | None = None  # a plain explanation (the interest areas have one)


@dataclass(frozen=True)
class SafetyRule:
    """Raises `flag` when an item's points reach `at_least`, or when the total or a subscale
    is in `band` (PHQ-4: a positive PHQ-2 points to the full PHQ-9, named in `next`).

    `crisis` rules make Result.crisis true, which the app uses to show the crisis-help panel.
    """

    flag: str
    crisis: bool
    message: Text
    item: int | None = None
    at_least: int | None = None
    band: str | None = None
    next: str | None = None

    def fires(self, answers: Sequence[int], band_codes: Sequence[str]) -> bool:
        """Whether this rule applies to these (validated, as-printed) answers and the bands of
        the total and the subscales."""
        if self.item is not None and self.at_least is not None:
            return answers[self.item - 1] >= self.at_least
        return self.band in band_codes


@dataclass(frozen=True)
class Sources:
    """Where the items, the Chinese version and the cut-offs come from."""

    original: str
    chinese_version: str
    cutoffs: str
    wording: str


@dataclass(frozen=True)
class Instrument:
    """One questionnaire: texts in zh and en, scoring rules, bands, safety rules, provenance."""

    code: str
    version: str
    order: int
    abbreviation: str
    name: Text
    description: Text
    minutes: int
    time_frame: Text
    instructions: Text
    direction: Literal["higher_is_worse", "higher_is_better"]
    items: tuple[Item, ...]
    extra_questions: tuple[ExtraQuestion, ...]
    subscales: tuple[Subscale, ...]
    bands: tuple[Band, ...]
    safety: tuple[SafetyRule, ...]
    total_method: Literal["sum", "worst_subscale", "top_subscale"]
    multiplier: Number
    decimals: int
    min: Number
    max: Number
    sources: Sources
    licence_note: str
    licence_confirmed: bool
    unconfirmed: tuple[str, ...]
    validation: Literal["validated", "adapted", "unvalidated"] = "unvalidated"
    retired_bands: tuple[tuple[str, str], ...] = ()
    kind: Literal["screening", "exploration"] = "screening"

    def score(self, answers: Sequence[int]) -> Result:
        """Score exactly one answer per scored item, in item order, as printed on the form.

        Points are those of the chosen options before any reversal (K10 1-5, WHO-5 0-5,
        CBI 100..0). Unscored `extra_questions` are not part of `answers`.
        Raises ScoringError on a wrong count, a non-int (or bool) value or unknown points.
        """
        return score_answers(self, answers)

    def band(self, code: str) -> Band:
        """The band with this code, from the total's bands or any subscale's.

        A retired code (a band merged into another in a later version) reads as its successor.
        """
        code = dict(self.retired_bands).get(code, code)
        for band in self.bands + tuple(b for s in self.subscales for b in s.bands):
            if band.code == code:
                return band
        known = ", ".join(b.code for b in self.bands)
        raise UnknownBandError(f"{self.code} has no band {code!r} (known: {known})")

    def ranked(self, scores: Mapping[str, Number], top: int = 3) -> list[Subscale]:
        """The `top` highest-scoring subscales (an exploration's interest areas), given each
        subscale's score by code; ties keep the published order (R-I-A-S-E-C)."""
        order = {s.code: n for n, s in enumerate(self.subscales)}
        codes = sorted(order, key=lambda c: (-scores[c], order[c]))
        return [self.subscale(c) for c in codes[:top]]

    def subscale(self, code: str) -> Subscale:
        """The subscale with this code (KeyError if there is none)."""
        for sub in self.subscales:
            if sub.code == code:
                return sub
        raise KeyError(f"{self.code} has no subscale {code!r}")

    @property
    def crisis_flags(self) -> frozenset[str]:
        """Flags that should bring up the crisis-help panel."""
        return frozenset(r.flag for r in self.safety if r.crisis)

    def safety_message(self, flag: str) -> Text:
        """The message to show with a raised flag."""
        for rule in self.safety:
            if rule.flag == flag:
                return rule.message
        raise KeyError(f"{self.code} has no safety flag {flag!r}")

    def text(self, lang: str) -> dict[str, Any]:
        """Every user-facing text in one language, as plain JSON-ready data for templates."""
        lang = normalize_lang(lang)

        def options(opts: tuple[Option, ...]) -> list[dict[str, Any]]:
            return [{"points": o.points, "label": o.label.get(lang)} for o in opts]

        def bands(bs: tuple[Band, ...]) -> list[dict[str, Any]]:
            return [
                {
                    "code": b.code,
                    "min": b.min,
                    "max": b.max,
                    "label": b.label.get(lang),
                    "advice": b.advice.get(lang),
                    "suggest": list(b.suggest),
                }
                for b in bs
            ]

        return {
            "code": self.code,
            "version": self.version,
            "lang": lang,
            "abbreviation": self.abbreviation,
            "name": self.name.get(lang),
            "description": self.description.get(lang),
            "minutes": self.minutes,
            "time_frame": self.time_frame.get(lang),
            "instructions": self.instructions.get(lang),
            "direction": self.direction,
            "min": self.min,
            "max": self.max,
            "items": [
                {"number": i.number, "text": i.text.get(lang), "options": options(i.options)}
                for i in self.items
            ],
            "extra_questions": [
                {"code": q.code, "text": q.text.get(lang), "options": options(q.options)}
                for q in self.extra_questions
            ],
            "subscales": [
                {
                    "code": s.code,
                    "name": s.name.get(lang),
                    "items": list(s.items),
                    "min": s.min,
                    "max": s.max,
                    "bands": bands(s.bands),
                    "description": s.description.get(lang) if s.description else None,
                }
                for s in self.subscales
            ],
            "bands": bands(self.bands),
            "safety": [
                {"flag": r.flag, "crisis": r.crisis, "message": r.message.get(lang)}
                for r in self.safety
            ],
            "sources": {"original": self.sources.original,
                        "chinese_version": self.sources.chinese_version,
                        "cutoffs": self.sources.cutoffs, "wording": self.sources.wording},
            "validation": self.validation,
            "licence": self.licence_note,
            "kind": self.kind,
        }
