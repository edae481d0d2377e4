"""Check-in streaks: how many scheduled days in a row a member checked in.

A streak counts check-ins, never sobriety: a slip does not touch it, and a member who checks in on the
day of a slip keeps their streak. Days the member did not ask to be checked in on (their schedule's
days off) and days they paused are skipped over rather than breaking the streak, and today does not
break it until it is over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta

ALL_WEEKDAYS = frozenset(range(7))  # Monday is 0, as in date.weekday()


@dataclass(frozen=True)
class Streak:
    current: int
    longest: int
    total: int  # check-in days overall


def check_in_streak(
    checked_in: Iterable[date],
    today: date,
    weekdays: frozenset[int] = ALL_WEEKDAYS,
    is_excused: Callable[[date], bool] = lambda _day: False,
) -> Streak:
    """The current and longest run of scheduled, not excused days with a check-in.

    A check-in on a day off still counts (the member chose to answer) but a missing one there never
    breaks a run. `is_excused` marks paused days, which neither count nor break.
    """
    days = {d for d in checked_in if d <= today}
    if not days:
        return Streak(0, 0, 0)

    def counts_against(day: date) -> bool:
        return day.weekday() in weekdays and not is_excused(day)

    longest = run = 0
    day = min(days)
    while day <= today:
        if day in days:
            run += 1
        elif day < today and counts_against(day):
            run = 0
        longest = max(longest, run)
        day += timedelta(days=1)
    # `run` is the streak still open at today: today missing does not end it (the day is not over).
    return Streak(current=run, longest=longest, total=len(days))


@dataclass(frozen=True)
class CarriedStreak:
    """What is kept per member and carried forward on each day's first answer (store.py), so reading a
    streak never reads the history."""

    day: date | None  # the latest day with a check-in
    current: int  # the run that ends on `day`
    longest: int
    total: int


def carried_streak(sent: Iterable[tuple[date, bool]]) -> CarriedStreak:
    """The same rule as `check_in_streak`, counted up to the latest check-in from every check-in sent
    (day, answered), oldest first: an unanswered one ends a run; days with none sent never do."""
    latest, run, current, longest, total = None, 0, 0, 0, 0
    for day, answered in sent:
        if answered:
            run += 1
            total += 1
            longest = max(longest, run)
            latest, current = day, run
        else:
            run = 0
    return CarriedStreak(latest, current, longest, total)


def carry_forward(kept: CarriedStreak, day: date, broken: bool) -> CarriedStreak | None:
    """The kept streak after the first answer of `day`; `broken`: a check-in sent after the kept day
    and before `day` went unanswered. None when it must be counted afresh: an answer to a day before
    the latest counted one (a button pressed days later) can join two runs."""
    if kept.day is not None and day < kept.day:
        return None
    if kept.day == day:
        return kept
    current = 1 if kept.day is None or broken else kept.current + 1
    return CarriedStreak(day, current, max(kept.longest, current), kept.total + 1)


def check_in_rate(scheduled: int, answered: int) -> float:
    """Share of scheduled check-ins that were answered, 0.0 when nothing was scheduled."""
    return answered / scheduled if scheduled else 0.0
