"""The trend chart's geometry: points on the instrument's scale, bands best-first."""

from __future__ import annotations

import assessments
from app.screening import chart


def test_points_span_the_width_and_follow_the_scale():
    phq9 = assessments.get("phq9")
    c = chart.build(phq9, [("2026-01-01", 0), ("2026-02-01", 27), ("2026-03-01", 9)], "en")
    xs = [p.x for p in c.points]
    assert xs == sorted(xs)
    assert xs[0] == chart.PAD_X
    assert xs[-1] == chart.WIDTH - chart.PAD_X
    assert c.points[0].y == chart.HEIGHT - chart.PAD_Y  # 0 at the bottom
    assert c.points[1].y == chart.PAD_Y                 # 27 at the top
    assert c.polyline.count(",") == 3


def test_single_point_is_centred():
    c = chart.build(assessments.get("gad7"), [("2026-01-01", 5)], "zh_CN")
    assert c.points[0].x == chart.WIDTH / 2


def test_bands_are_ordered_best_first_even_when_higher_is_better():
    who5 = assessments.get("who5")
    c = chart.build(who5, [("2026-01-01", 40)], "en")
    assert c.bands[0].code == "good"
    assert c.bands[0].level == 0
    phq9 = chart.build(assessments.get("phq9"), [("2026-01-01", 3)], "en")
    assert phq9.bands[0].code == "minimal"
    assert [b.level for b in phq9.bands] == [0, 1, 2, 3, 4]
    assert all(b.height >= 0 for b in phq9.bands)
