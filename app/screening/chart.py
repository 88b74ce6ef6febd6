"""A trend chart as plain SVG data, drawn by a template: no script, no external asset."""

from __future__ import annotations

from dataclasses import dataclass

from assessments import Instrument

WIDTH, HEIGHT, PAD_X, PAD_Y = 320, 180, 36, 14


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


def build(instrument: Instrument, scores: list[tuple[str, float]], lang: str) -> Chart:
    """Place ``(date label, score)`` pairs, oldest first, on the instrument's scale."""
    lo, hi = float(instrument.min), float(instrument.max)
    span = (hi - lo) or 1.0
    inner_w, inner_h = WIDTH - 2 * PAD_X, HEIGHT - 2 * PAD_Y

    def y_of(value: float) -> float:
        return round(PAD_Y + inner_h * (hi - value) / span, 1)

    bands = list(instrument.bands)
    if instrument.direction == "higher_is_better":
        bands.reverse()  # level 0 (calm shade) is always the best band
    areas = []
    for level, band in enumerate(bands):
        top, bottom = y_of(min(float(band.max), hi)), y_of(max(float(band.min), lo))
        areas.append(BandArea(top, round(bottom - top, 1), level, band.code,
                              band.label.get(lang)))
    n = len(scores)
    points = []
    for i, (label, value) in enumerate(scores):
        x = PAD_X + (inner_w / 2 if n == 1 else inner_w * i / (n - 1))
        points.append(Point(round(x, 1), y_of(float(value)), value, label))
    polyline = " ".join(f"{p.x},{p.y}" for p in points)
    return Chart(WIDTH, HEIGHT, points, areas, polyline, lo, hi)
