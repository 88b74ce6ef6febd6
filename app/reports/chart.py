"""Report charts as plain SVG shapes drawn by a template: no script, no external asset.

Charts only draw what the table beside them publishes: a suppressed number is never drawn,
and a column with a suppressed part is left empty (its label says so).
"""

from __future__ import annotations

from dataclasses import dataclass

from app.reports.disclosure import ProtectedTable

WIDTH, HEIGHT, PAD_LEFT, PAD_BOTTOM, PAD_TOP = 640, 220, 40, 28, 10
PALETTE = 6  # colour classes .c0 .. .c5 in app.css


@dataclass(frozen=True)
class Rect:
    """One bar or bar segment."""

    x: float
    y: float
    width: float
    height: float
    shade: int
    title: str


@dataclass(frozen=True)
class Label:
    """Text under a column."""

    x: float
    text: str


@dataclass(frozen=True)
class Chart:
    """Everything the template needs to draw one chart."""

    width: int
    height: int
    rects: list[Rect]
    labels: list[Label]
    legend: list[tuple[int, str]]
    axis: list[tuple[float, str]]
    baseline: float


def stacked_columns(rows: list[str], cols: list[str], table: ProtectedTable) -> Chart | None:
    """One 100 % column per row (e.g. month), split by column (e.g. band)."""
    if not table.shown:
        return None
    inner_w, inner_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    step = inner_w / max(len(rows), 1)
    bar = min(step * 0.7, 48)
    rects, labels = [], []
    for i, row in enumerate(rows):
        x = PAD_LEFT + i * step + (step - bar) / 2
        values = table.cells[i]
        total = table.row_totals[i]
        labels.append(Label(round(x + bar / 2, 1), row[-2:] if len(rows) > 6 else row))
        if not total or any(v is None for v in values):
            continue  # nothing, or something suppressed: draw no column at all
        y: float = PAD_TOP + inner_h
        for j, value in enumerate(values):
            h = inner_h * (value or 0) / total
            y -= h
            if value:
                rects.append(Rect(round(x, 1), round(y, 1), round(bar, 1), round(h, 1),
                                  j % PALETTE, f"{row} · {cols[j]}: {value}"))
    axis = [(round(PAD_TOP + inner_h * (1 - p / 100), 1), f"{p}%") for p in (0, 50, 100)]
    return Chart(WIDTH, HEIGHT, rects, labels, [(j % PALETTE, c) for j, c in enumerate(cols)],
                 axis, PAD_TOP + inner_h)


def grouped_bars(rows: list[str], cols: list[str], table: ProtectedTable) -> Chart | None:
    """Side-by-side bars of the first columns per row (e.g. bookings and attended)."""
    if not table.shown:
        return None
    inner_w, inner_h = WIDTH - PAD_LEFT - 10, HEIGHT - PAD_BOTTOM - PAD_TOP
    values = [list(row[:len(cols)]) for row in table.cells]
    peak = max((v for row in values for v in row if v is not None), default=0) or 1
    step = inner_w / max(len(rows), 1)
    bar = min(step * 0.8 / len(cols), 36)
    rects, labels = [], []
    for i, row in enumerate(rows):
        x0 = PAD_LEFT + i * step + (step - bar * len(cols)) / 2
        labels.append(Label(round(x0 + bar * len(cols) / 2, 1), row[:6]))
        for j, value in enumerate(values[i]):
            if not value:
                continue
            h = inner_h * value / peak
            rects.append(Rect(round(x0 + j * bar, 1), round(PAD_TOP + inner_h - h, 1),
                              round(bar, 1), round(h, 1), j % PALETTE,
                              f"{row} · {cols[j]}: {value}"))
    axis = [(round(PAD_TOP + inner_h * (1 - f), 1), str(round(peak * f))) for f in (0, 0.5, 1)]
    return Chart(WIDTH, HEIGHT, rects, labels, [(j % PALETTE, c) for j, c in enumerate(cols)],
                 axis, PAD_TOP + inner_h)
