"""The inline SVG charts: integer pixels from Decimal values, escaped labels, an answer for no data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from reserves.readmodel import Point, Series
from web.charts import bar_chart, line_chart

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def test_it_draws_one_polyline_per_series_with_integer_coordinates():
    svg = line_chart(
        [
            Series("chain 1", [Point(T0 + timedelta(hours=i), Decimal("0.99") + Decimal(i) / 100) for i in range(5)]),
            Series("chain 2", [Point(T0 + timedelta(hours=i), Decimal("1.0")) for i in range(5)]),
        ],
        title="ratio",
        reference=Decimal(1),
    )
    polylines = re.findall(r'<polyline points="([^"]+)"', svg)
    assert len(polylines) == 2
    for points in polylines:
        assert re.fullmatch(r"\d+,\d+( \d+,\d+)*", points), points
    assert 'role="img"' in svg and "<title>ratio</title>" in svg
    assert "chart-reference" in svg


def test_the_highest_value_is_at_the_top_and_time_runs_left_to_right():
    svg = line_chart([Series("", [Point(T0, Decimal(10)), Point(T0 + timedelta(days=1), Decimal(20))])], title="t")
    [(first, second)] = re.findall(r'points="(\d+,\d+) (\d+,\d+)"', svg)
    (x1, y1), (x2, y2) = (map(int, p.split(",")) for p in (first, second))
    assert x1 < x2 and y1 > y2


def test_a_single_point_is_drawn_as_a_dot_and_no_data_says_so():
    assert "<circle" in line_chart([Series("a", [Point(T0, Decimal(1))])], title="one")
    assert "no data yet" in line_chart([], title="none")
    assert "no data yet" in bar_chart([], title="none")


def test_bars_are_scaled_to_the_largest_and_labels_are_escaped():
    svg = bar_chart([("<Bank & Co>", Decimal(300)), ("Cash", Decimal(100))], title="by custodian")
    widths = [int(w) for w in re.findall(r'<rect x="\d+" y="\d+" width="(\d+)"', svg)]
    assert abs(widths[0] - 3 * widths[1]) <= 1  # integer pixels, rounded half-even
    assert "&lt;Bank &amp; Co&gt;" in svg and "<Bank" not in svg
    assert "75.0%" in svg and "25.0%" in svg


def test_points_all_at_one_instant_are_drawn_in_the_middle():
    svg = line_chart([Series("a", [Point(T0, Decimal(1))])], title="one", width=640)
    [cx] = re.findall(r'<circle cx="(\d+)"', svg)
    assert int(cx) == 96 + (640 - 96 - 16) // 2  # the middle of the plot area
