"""The member's own trend chart: mood and craving over time, with check-in days marked.

Drawn with matplotlib's Agg canvas on a Figure object (no pyplot, so no global state and no display).
`render_chart` returns the PNG together with the series it actually plotted, read back from the
figure's lines, so tests and the alt text describe what is in the picture, not what was meant to be.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date

from bot.text import plural


@dataclass(frozen=True)
class ChartPoint:
    day: date
    mood: int | None  # 1-5
    craving: int | None  # 0-10


@dataclass(frozen=True)
class Chart:
    png: bytes
    mood: list[tuple[date, float]]
    craving: list[tuple[date, float]]
    check_in_days: list[date]
    description: str  # alt text


def render_chart(points: list[ChartPoint], first_day: date, last_day: date) -> Chart:
    # Imported here: matplotlib takes most of a second to import and only this command needs it.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import dates as mdates
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    points = sorted((p for p in points if first_day <= p.day <= last_day), key=lambda p: p.day)
    figure = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(figure)
    mood_axis = figure.add_subplot(1, 1, 1)
    craving_axis = mood_axis.twinx()

    mood_points = [(p.day, p.mood) for p in points if p.mood is not None]
    craving_points = [(p.day, p.craving) for p in points if p.craving is not None]
    (mood_line,) = mood_axis.plot(
        [d for d, _ in mood_points], [v for _, v in mood_points], "o-", color="#2a7fb8", label="Mood (1-5)"
    )
    (craving_line,) = craving_axis.plot(
        [d for d, _ in craving_points],
        [v for _, v in craving_points],
        "s--",
        color="#d9822b",
        label="Craving (0-10)",
    )
    # Check-in days: a row of small ticks along the bottom, so gaps show without any judgement.
    days = [p.day for p in points]
    (days_line,) = mood_axis.plot(
        days, [0.6] * len(days), "|", color="#3a9a5b", markersize=12, label="Checked in"
    )

    mood_axis.set_ylim(0.4, 5.4)
    mood_axis.set_yticks([1, 2, 3, 4, 5])
    mood_axis.set_ylabel("Mood (1-5)")
    craving_axis.set_ylim(-0.5, 10.5)
    craving_axis.set_ylabel("Craving (0-10)")
    # Numbers, not dates: date - timedelta(hours=12) drops the hours, and the edge points would sit
    # on the frame.
    mood_axis.set_xlim(mdates.date2num(first_day) - 0.5, mdates.date2num(last_day) + 0.5)
    mood_axis.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    mood_axis.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
    mood_axis.grid(axis="y", alpha=0.3)
    mood_axis.set_title(f"Your check-ins, {first_day:%d %b} to {last_day:%d %b %Y}")
    figure.autofmt_xdate()
    # Below the plot, so it never covers a point.
    figure.legend(
        handles=[mood_line, craving_line, days_line],
        loc="lower center",
        ncol=3,
        frameon=False,
        fontsize="small",
    )
    figure.tight_layout(rect=(0, 0.07, 1, 1))

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    plotted_mood = _read_back(mood_line)
    plotted_craving = _read_back(craving_line)
    plotted_days = [d for d, _ in _read_back(days_line)]
    return Chart(
        png=buffer.getvalue(),
        mood=plotted_mood,
        craving=plotted_craving,
        check_in_days=plotted_days,
        description=describe(points, first_day, last_day),
    )


def _read_back(line) -> list[tuple[date, float]]:
    from matplotlib import dates as mdates

    xs, ys = line.get_xdata(), line.get_ydata()
    return [(_as_date(x, mdates), float(y)) for x, y in zip(xs, ys, strict=True)]


def _as_date(x, mdates) -> date:
    if isinstance(x, date):
        return x
    return mdates.num2date(x).date()


def describe(points: list[ChartPoint], first_day: date, last_day: date) -> str:
    """Alt text for screen readers: the same facts the picture shows."""
    span = (last_day - first_day).days + 1
    if not points:
        return f"Chart of your check-ins over {plural(span, 'day')}: no check-ins in this period."
    moods = [p.mood for p in points if p.mood is not None]
    cravings = [p.craving for p in points if p.craving is not None]
    parts = [f"Chart of your check-ins over {plural(span, 'day')}: {plural(len(points), 'check-in day')}."]
    if moods:
        parts.append(f"Mood from {min(moods)} to {max(moods)}, average {sum(moods) / len(moods):.1f} of 5.")
    if cravings:
        parts.append(
            f"Craving from {min(cravings)} to {max(cravings)}, average {sum(cravings) / len(cravings):.1f} of 10."
        )
    return " ".join(parts)
