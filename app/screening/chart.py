"""A trend chart as plain SVG data, drawn by a template: no script, no external asset."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from assessments import Instrument

# Drawn at about its own size on a phone, so 12 units of text stay at least 12 px there.
WIDTH, HEIGHT, PAD_X, PAD_Y = 320, 200, 34, 14
AXIS_H = 26  # room under the plot for the dates
PAD_RIGHT = 12
PLOT_BOTTOM = HEIGHT - PAD_Y - AXIS_H

Trend = Literal["first", "better", "worse", "same"]


def trend(instrument: Instrument, before: float | None, now: float) -> Trend:
    """How ``now`` compares with ``before`` in the instrument's own direction.

    A lower PHQ-9 is better, a higher WHO-5 is better: the words follow the meaning."""
    if before is None:
        return "first"
    if now == before:
        return "same"
    improved = now > before if instrument.direction == "higher_is_better" else now < before
    return "better" if improved else "worse"


@dataclass(frozen=True)
class Point:
    """One result on the chart."""

    x: float
    y: float
    score: float
    label: str


@dataclass(frozen=True)
class BandArea:
    """A shaded horizontal strip for one band; ``level`` 0 is the best band."""

    y: float
    height: float
    level: int
    code: str
    label: str
    low: float
    high: float


@dataclass(frozen=True)
class Tick:
    """A date under the x-axis."""

    x: float
    label: str
    anchor: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw a chart."""

    width: int
    height: int
    points: list[Point]
    bands: list[BandArea]
    polyline: str
    y_min: float
    y_max: float
    ticks: list[Tick]
    plot_bottom: float
    plot_left: int
    plot_width: int


def build(instrument: Instrument, scores: list[tuple[str, float]], lang: str) -> Chart:
    """Place ``(date label, score)`` pairs, oldest first, on the instrument's scale."""
    lo, hi = float(instrument.min), float(instrument.max)
    span = (hi - lo) or 1.0
    inner_w, inner_h = WIDTH - PAD_X - PAD_RIGHT, PLOT_BOTTOM - PAD_Y

    def y_of(value: float) -> float:
        return round(PAD_Y + inner_h * (hi - value) / span, 1)

    bands = list(instrument.bands)
    if instrument.direction == "higher_is_better":
        bands.reverse()  # level 0 (calm shade) is always the best band
    # Bands meet halfway between one's maximum and the next one's minimum (4 | 5 on GAD-7),
    # so the strips touch instead of leaving white lines that look like thresholds.
    ordered = sorted(bands, key=lambda b: float(b.min))
    edges = {b.code: ((float(b.min) + float(ordered[i - 1].max)) / 2 if i else lo,
                      (float(b.max) + float(ordered[i + 1].min)) / 2
                      if i + 1 < len(ordered) else hi)
             for i, b in enumerate(ordered)}
    areas = []
    for level, band in enumerate(bands):
        low, high = edges[band.code]
        top, bottom = y_of(min(high, hi)), y_of(max(low, lo))
        areas.append(BandArea(top, round(bottom - top, 1), level, band.code,
                              band.label.get(lang), float(band.min), float(band.max)))
    n = len(scores)
    points = []
    for i, (label, value) in enumerate(scores):
        x = PAD_X + (inner_w / 2 if n == 1 else inner_w * i / (n - 1))
        points.append(Point(round(x, 1), y_of(float(value)), value, label))
    polyline = " ".join(f"{p.x},{p.y}" for p in points)
    return Chart(WIDTH, HEIGHT, points, areas, polyline, lo, hi, _ticks(points),
                 round(PAD_Y + inner_h, 1), PAD_X, inner_w)


def _ticks(points: list[Point]) -> list[Tick]:
    """Dates under the axis: each point when there are few, else first, middle and last.

    Labels are month-day ("11-02"); the table below gives the full dates."""
    if not points:
        return []
    shown = points if len(points) <= 3 else [points[0], points[len(points) // 2], points[-1]]
    ticks = []
    for i, p in enumerate(shown):
        anchor = "middle"
        if len(shown) > 1 and i == 0:
            anchor = "start"
        elif len(shown) > 1 and i == len(shown) - 1:
            anchor = "end"
        ticks.append(Tick(p.x, p.label[5:] if len(p.label) == 10 else p.label, anchor))
    return ticks
