"""The history chart is a real PNG that holds exactly the member's points."""

import struct
import zlib
from datetime import date, timedelta

from cogs.checkins.chart import ChartPoint, render_chart


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", data[8:16])
    assert kind == b"IHDR"
    chunk = data[16 : 16 + length]
    crc = struct.unpack(">I", data[16 + length : 20 + length])[0]
    assert zlib.crc32(kind + chunk) == crc
    assert data.endswith(b"IEND\xaeB`\x82")
    return struct.unpack(">II", chunk[:8])


def test_chart_is_a_valid_png_with_the_members_points():
    start = date(2026, 11, 1)
    points = [
        ChartPoint(start, 3, 6),
        ChartPoint(start + timedelta(days=1), 4, None),  # craving skipped that day
        ChartPoint(start + timedelta(days=4), 2, 9),
    ]
    chart = render_chart(points, start, start + timedelta(days=6))
    width, height = png_size(chart.png)
    assert (width, height) == (800, 400)
    assert chart.mood == [(start, 3.0), (start + timedelta(days=1), 4.0), (start + timedelta(days=4), 2.0)]
    assert chart.craving == [(start, 6.0), (start + timedelta(days=4), 9.0)]
    assert chart.check_in_days == [start, start + timedelta(days=1), start + timedelta(days=4)]
    assert "3 check-in days" in chart.description and "Mood from 2 to 4" in chart.description


def test_points_outside_the_window_are_left_out_and_empty_history_still_draws():
    start = date(2026, 11, 1)
    chart = render_chart([ChartPoint(start - timedelta(days=1), 5, 0)], start, start + timedelta(days=6))
    png_size(chart.png)
    assert chart.mood == [] and chart.check_in_days == []
    assert "no check-ins" in chart.description
