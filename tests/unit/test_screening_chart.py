"""The trend chart's geometry: points on the instrument's scale, bands best-first."""

from __future__ import annotations

import itertools

import assessments
from app.screening import chart


def test_points_span_the_width_and_follow_the_scale():
    phq9 = assessments.get("phq9")
    c = chart.build(phq9, [("2026-01-01", 0), ("2026-02-01", 27), ("2026-03-01", 9)], "en")
    xs = [p.x for p in c.points]
    assert xs == sorted(xs)
    assert xs[0] == chart.PAD_X
    assert xs[-1] == chart.WIDTH - chart.PAD_RIGHT
    assert c.points[0].y == chart.PLOT_BOTTOM  # 0 at the bottom, dates below it
    assert c.points[1].y == chart.PAD_Y                 # 27 at the top
    assert c.polyline.count(",") == 3


def test_single_point_is_centred():
    c = chart.build(assessments.get("gad7"), [("2026-01-01", 5)], "zh_CN")
    assert c.points[0].x == (chart.PAD_X + chart.WIDTH - chart.PAD_RIGHT) / 2


def test_bands_are_ordered_best_first_even_when_higher_is_better():
    who5 = assessments.get("who5")
    c = chart.build(who5, [("2026-01-01", 40)], "en")
    assert c.bands[0].code == "good"
    assert c.bands[0].level == 0
    phq9 = chart.build(assessments.get("phq9"), [("2026-01-01", 3)], "en")
    assert phq9.bands[0].code == "minimal"
    assert [b.level for b in phq9.bands] == [0, 1, 2, 3, 4]
    assert all(b.height >= 0 for b in phq9.bands)


def test_dates_under_the_axis_and_trend_words_follow_the_scale():
    """The x-axis says when (month-day); "better" means lower on PHQ-9, higher on WHO-5."""
    phq9, who5 = assessments.get("phq9"), assessments.get("who5")
    days = [f"2026-0{m}-02" for m in range(1, 6)]
    c = chart.build(phq9, [(d, 5) for d in days], "en")
    assert [t.label for t in c.ticks] == ["01-02", "03-02", "05-02"]
    assert [t.anchor for t in c.ticks] == ["start", "middle", "end"]
    assert chart.trend(phq9, 9, 4) == "better"
    assert chart.trend(phq9, 4, 9) == "worse"
    assert chart.trend(who5, 40, 60) == "better"
    assert chart.trend(who5, 60, 60) == "same"
    assert chart.trend(who5, None, 60) == "first"


def test_band_strips_touch_so_no_white_line_reads_as_a_threshold():
    c = chart.build(assessments.get("gad7"), [("2026-01-01", 5)], "en")
    by_top = sorted(c.bands, key=lambda b: b.y)
    for upper, lower in itertools.pairwise(by_top):
        assert abs(upper.y + upper.height - lower.y) < 0.2
