"""Turning validated answers into a Result: reversal, sums, means, transforms, bands, flags.

Arithmetic is done with Fractions and rounded half-up once at the end, so a mean such as
CBI 275/6 always gives the same one-decimal score and never lands between two bands.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from assessments.errors import ScoringError

if TYPE_CHECKING:
    from assessments.model import Band, Instrument, Item

Number = int | float


@dataclass(frozen=True)
class SubscaleResult:
    """Score of one subscale, its possible range and the code of its band."""

    score: Number
    min: Number
    max: Number
    band: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form."""
        return {"score": self.score, "min": self.min, "max": self.max, "band": self.band}


@dataclass(frozen=True)
class Result:
    """The outcome of one completed questionnaire.

    `flags` lists raised safety flags in rule order (e.g. "self_harm", "severe");
    `crisis` is True when any raised flag is a crisis flag: show the crisis-help panel.
    """

    instrument: str
    version: str
    total: Number
    min: Number
    max: Number
    band: str
    subscales: Mapping[str, SubscaleResult] = field(default_factory=dict)
    flags: tuple[str, ...] = ()
    crisis: bool = False

    def __post_init__(self) -> None:
        # A read-only view keeps a "frozen" Result from being changed through its dict.
        object.__setattr__(self, "subscales", MappingProxyType(dict(self.subscales)))

    def __hash__(self) -> int:
        return hash(
            (self.instrument, self.version, self.total, self.band, self.flags,
             tuple(sorted(self.subscales.items())))
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (the shape printed by `python -m assessments score --json`)."""
        return {
            "instrument": self.instrument,
            "version": self.version,
            "total": self.total,
            "min": self.min,
            "max": self.max,
            "band": self.band,
            "flags": list(self.flags),
            "crisis": self.crisis,
            "subscales": {code: sub.to_dict() for code, sub in self.subscales.items()},
        }


def round_half_up(value: Fraction, decimals: int) -> Number:
    """Round exactly, half away from zero for our non-negative scores; int when decimals=0."""
    scale = 10**decimals
    n: int = math.floor(value * scale + Fraction(1, 2))
    return n if decimals == 0 else n / scale


def as_fraction(value: Number) -> Fraction:
    """Exact fraction of a YAML number (0.5 -> 1/2, not the binary float's expansion)."""
    return Fraction(str(value)) if isinstance(value, float) else Fraction(value)


def item_score(item: Item, answer: int) -> int:
    """Points an answer contributes: reversed items count (lowest + highest - answer)."""
    if not item.reverse:
        return answer
    return min(item.points) + max(item.points) - answer


def band_for(bands: Sequence[Band], score: Number) -> Band:
    """The band containing `score`; the loader guarantees exactly one exists."""
    for band in bands:
        if band.contains(score):
            return band
    raise AssertionError(f"no band contains {score}")  # pragma: no cover - loader prevents it


def validate(instrument: Instrument, answers: Sequence[int]) -> tuple[int, ...]:
    """Check count, type and points of every answer; raise ScoringError naming the problem."""
    code = instrument.code
    n = len(instrument.items)
    if isinstance(answers, str | bytes) or not isinstance(answers, Sequence):
        raise ScoringError(
            f"{code}: answers must be a sequence of {n} integers, got {type(answers).__name__}"
        )
    if len(answers) != n:
        raise ScoringError(
            f"{code}: expected {n} answers (one per scored item), got {len(answers)}"
        )
    for item, value in zip(instrument.items, answers, strict=True):
        if isinstance(value, bool) or not isinstance(value, int):
            raise ScoringError(
                f"{code}: answer to item {item.number} must be an integer, got {value!r}"
            )
        if value not in item.points:
            allowed = ", ".join(str(p) for p in item.points)
            raise ScoringError(
                f"{code}: answer to item {item.number} must be one of {allowed}, got {value}"
            )
    return tuple(answers)


def score_answers(instrument: Instrument, answers: Sequence[int]) -> Result:
    """Validate and score; see Instrument.score for the contract."""
    values = validate(instrument, answers)
    points = [item_score(item, v) for item, v in zip(instrument.items, values, strict=True)]

    subscales: dict[str, SubscaleResult] = {}
    for sub in instrument.subscales:
        raw = Fraction(sum(points[n - 1] for n in sub.items))
        value = round_half_up(raw / len(sub.items) if sub.method == "mean" else raw, sub.decimals)
        band_code = band_for(sub.bands, value).code
        subscales[sub.code] = SubscaleResult(value, sub.min, sub.max, band_code)

    if instrument.total_method == "worst_subscale":
        scores = [s.score for s in subscales.values()]
        total = max(scores) if instrument.direction == "higher_is_worse" else min(scores)
    elif instrument.total_method == "top_subscale":
        total = max(s.score for s in subscales.values())  # the strongest interest area
    else:
        raw_total = Fraction(sum(points)) * as_fraction(instrument.multiplier)
        total = round_half_up(raw_total, instrument.decimals)

    band = band_for(instrument.bands, total).code
    band_codes = [band, *(s.band for s in subscales.values())]
    raised = [rule for rule in instrument.safety if rule.fires(values, band_codes)]
    flags = tuple(dict.fromkeys(rule.flag for rule in raised))
    return Result(
        instrument=instrument.code,
        version=instrument.version,
        total=total,
        min=instrument.min,
        max=instrument.max,
        band=band,
        subscales=subscales,
        flags=flags,
        crisis=any(rule.crisis for rule in raised),
    )
