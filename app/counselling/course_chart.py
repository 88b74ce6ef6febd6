"""A course's PHQ-9 or GAD-7 per session as SVG data, with the reliable-change lines.

Built on the worker's trend chart (app/screening/chart.py: same scale, bands and dates),
plus two dashed lines: the first score minus and plus the reliable-change threshold. A
later point beyond the lower line is reliable improvement, beyond the upper one reliable
deterioration (NHS Talking Therapies Manual).
"""

from __future__ import annotations

from dataclasses import dataclass

import assessments
from app.counselling.courses import RELIABLE_CHANGE, SessionScores
from app.screening import chart as trend_chart


@dataclass(frozen=True)
class Line:
    """A horizontal threshold line; ``value`` in score points."""

    y: float
    value: int
    kind: str  # "improve" or "worse"


@dataclass(frozen=True)
class CourseChart:
    """One measure's chart: the trend chart and its reliable-change lines."""

    code: str
    chart: trend_chart.Chart
    lines: list[Line]
    threshold: int


def build(code: str, points: list[SessionScores], lang: str) -> CourseChart | None:
    """The chart of one measure over the sessions that have it; None when none has."""
    instrument = assessments.get(code)
    pairs = [(p.day.isoformat(), float(p.scores[code])) for p in points if code in p.scores]
    if not pairs:
        return None
    chart = trend_chart.build(instrument, pairs, lang)
    lo, hi = float(instrument.min), float(instrument.max)
    top = trend_chart.PAD_Y
    inner_h = trend_chart.PLOT_BOTTOM - top
    threshold = RELIABLE_CHANGE[code]
    first = int(pairs[0][1])
    lines = []
    for value, kind in ((first - threshold, "improve"), (first + threshold, "worse")):
        if lo <= value <= hi:
            y = round(top + inner_h * (hi - value) / ((hi - lo) or 1.0), 1)
            lines.append(Line(y, value, kind))
    return CourseChart(code, chart, lines, threshold)
