"""Xinqing questionnaires as data plus a small scoring library; no Flask, no database.

    >>> import assessments
    >>> phq9 = assessments.get("phq9")
    >>> result = phq9.score([0, 1, 0, 0, 0, 0, 0, 0, 1])
    >>> result.total, result.band, result.flags, result.crisis
    (2, 'minimal', ('self_harm',), True)

Instrument files are loaded and checked once per process, on first use.
"""

from __future__ import annotations

from functools import cache

from assessments.errors import (
    AssessmentError,
    InstrumentFileError,
    ScoringError,
    UnknownBandError,
    UnknownInstrument,
    UnsupportedLanguageError,
)
from assessments.loader import DEFAULT_DIR, load_dir, load_file
from assessments.model import (
    Band,
    ExtraQuestion,
    Instrument,
    Item,
    Option,
    SafetyRule,
    Subscale,
    Text,
    normalize_lang,
)
from assessments.scoring import Result, SubscaleResult

__all__ = [
    "DEFAULT_DIR",
    "AssessmentError",
    "Band",
    "ExtraQuestion",
    "Instrument",
    "InstrumentFileError",
    "Item",
    "Option",
    "Result",
    "SafetyRule",
    "ScoringError",
    "Subscale",
    "SubscaleResult",
    "Text",
    "UnknownBandError",
    "UnknownInstrument",
    "UnsupportedLanguageError",
    "get",
    "instruments",
    "load_dir",
    "load_file",
    "normalize_lang",
]


@cache
def _registry() -> tuple[Instrument, ...]:
    return load_dir(DEFAULT_DIR)


def instruments() -> list[Instrument]:
    """All bundled instruments in display order (phq9, gad7, who5, pss10, k10, cbi, phq4,
    auditc, phq15, interests)."""
    return list(_registry())


def get(code: str) -> Instrument:
    """The instrument with this code; raises UnknownInstrument (a KeyError) otherwise."""
    for instrument in _registry():
        if instrument.code == code:
            return instrument
    raise UnknownInstrument(code, tuple(i.code for i in _registry()))
