"""Sobriety milestones: 1, 7, 30, 60, 90 days, 6 and 9 months, 1 year, then every year.

The sobriety date is the first day of the current sober period ("day 0"); on the day after it the
member reaches 1 day. Month milestones use calendar months (dateutil's relativedelta), so someone sober
since 31 August reaches 6 months on the last day of February. After a slip a new period starts; the
old one stays in the member's history (never announced, never shown to anyone else).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

from dateutil.relativedelta import relativedelta

from bot.text import plural

DAY_MILESTONES = (1, 7, 30, 60, 90)
MONTH_MILESTONES = (6, 9)


@dataclass(frozen=True)
class Milestone:
    key: str  # stable id stored in the ledger of congratulated milestones: "d7", "m6", "y2"
    label: str  # "7 days", "6 months", "2 years"
    reached_on: date


def milestones(sober_since: date) -> Iterator[Milestone]:
    """Every milestone of a sober period starting on `sober_since`, in order, without end."""
    for days in DAY_MILESTONES:
        yield Milestone(f"d{days}", plural(days, "day"), sober_since + relativedelta(days=days))
    for months in MONTH_MILESTONES:
        yield Milestone(f"m{months}", plural(months, "month"), sober_since + relativedelta(months=months))
    year = 1
    while True:
        yield Milestone(f"y{year}", plural(year, "year"), sober_since + relativedelta(years=year))
        year += 1


def reached_between(sober_since: date, after: date | None, up_to: date) -> list[Milestone]:
    """Milestones reached on a day in (after, up_to]: what to congratulate since the last look."""
    found = []
    for milestone in milestones(sober_since):
        if milestone.reached_on > up_to:
            break
        if after is None or milestone.reached_on > after:
            found.append(milestone)
    return found


def latest_reached(sober_since: date, today: date) -> Milestone | None:
    reached = reached_between(sober_since, None, today)
    return reached[-1] if reached else None


def next_milestone(sober_since: date, today: date) -> Milestone:
    return next(m for m in milestones(sober_since) if m.reached_on > today)


def days_sober(sober_since: date, today: date) -> int:
    return max(0, (today - sober_since).days)


@dataclass(frozen=True)
class SoberPeriod:
    started: date
    ended: date | None  # the day of the slip, None for the current period

    def length_days(self, today: date) -> int:
        return days_sober(self.started, self.ended or today)


def reset_after_slip(periods: list[SoberPeriod], slip_day: date) -> list[SoberPeriod]:
    """Close the current period on the slip day and start a new one there; earlier periods stay.

    The new period starts on the slip day itself, so the next day is "1 day" again. A second slip
    reported on the same day changes nothing.
    """
    if periods and periods[-1].ended is None:
        current = periods[-1]
        if current.started >= slip_day:
            return list(periods)
        return [*periods[:-1], SoberPeriod(current.started, slip_day), SoberPeriod(slip_day, None)]
    return [*periods, SoberPeriod(slip_day, None)]


def undo_reset(periods: list[SoberPeriod]) -> list[SoberPeriod] | None:
    """Put back the sober period the latest slip reset closed (None if the latest change was no reset)."""
    if len(periods) >= 2 and periods[-1].ended is None and periods[-2].ended == periods[-1].started:
        return [*periods[:-2], SoberPeriod(periods[-2].started, None)]
    return None
