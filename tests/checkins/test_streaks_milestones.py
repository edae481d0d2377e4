"""Streaks of check-ins and sobriety milestones: pure date arithmetic, no bot needed."""

from datetime import date, timedelta

from cogs.checkins.milestones import (
    SoberPeriod,
    days_sober,
    latest_reached,
    milestones,
    next_milestone,
    reached_between,
    reset_after_slip,
)
from cogs.checkins.streaks import Streak, check_in_streak

MON = date(2026, 11, 2)  # a Monday


def days(*offsets):
    return [MON + timedelta(days=o) for o in offsets]


def test_no_check_ins_is_no_streak():
    assert check_in_streak([], MON) == Streak(0, 0, 0)


def test_consecutive_days_make_a_streak_and_today_unanswered_does_not_break_it():
    streak = check_in_streak(days(0, 1, 2), today=MON + timedelta(days=3))
    assert (streak.current, streak.longest, streak.total) == (3, 3, 3)


def test_a_missed_day_starts_a_new_streak_but_keeps_the_longest():
    streak = check_in_streak(days(0, 1, 2, 4, 5), today=MON + timedelta(days=5))
    assert (streak.current, streak.longest) == (2, 3)


def test_missing_yesterday_ends_the_current_streak():
    streak = check_in_streak(days(0, 1), today=MON + timedelta(days=3))
    assert streak.current == 0 and streak.longest == 2


def test_days_off_in_the_schedule_do_not_break_a_streak():
    weekdays = frozenset(range(5))
    # Monday to Friday, then the next Monday: the weekend is not a miss.
    streak = check_in_streak(days(0, 1, 2, 3, 4, 7), today=MON + timedelta(days=7), weekdays=weekdays)
    assert streak.current == 6


def test_paused_days_neither_count_nor_break():
    paused = set(days(2, 3))
    streak = check_in_streak(days(0, 1, 4), today=MON + timedelta(days=4), is_excused=paused.__contains__)
    assert streak.current == 3


def test_milestone_sequence_uses_calendar_months_and_goes_on_yearly():
    since = date(2025, 8, 31)
    first = []
    for m in milestones(since):
        first.append((m.label, m.reached_on))
        if len(first) == 11:
            break
    assert first == [
        ("1 day", date(2025, 9, 1)),
        ("7 days", date(2025, 9, 7)),
        ("30 days", date(2025, 9, 30)),
        ("60 days", date(2025, 10, 30)),
        ("90 days", date(2025, 11, 29)),
        ("6 months", date(2026, 2, 28)),  # 31 August + 6 months: the last day of February
        ("9 months", date(2026, 5, 31)),
        ("1 year", date(2026, 8, 31)),
        ("2 years", date(2027, 8, 31)),
        ("3 years", date(2028, 8, 31)),
        ("4 years", date(2029, 8, 31)),
    ]


def test_leap_day_sobriety_date_has_yearly_milestones_on_28_february():
    assert next_milestone(date(2024, 2, 29), date(2025, 1, 1)).reached_on == date(2025, 2, 28)


def test_milestones_reached_since_last_look_are_each_reported_once():
    since = date(2026, 1, 1)
    assert [m.key for m in reached_between(since, None, date(2026, 1, 8))] == ["d1", "d7"]
    assert [m.key for m in reached_between(since, date(2026, 1, 8), date(2026, 1, 31))] == ["d30"]
    assert reached_between(since, date(2026, 1, 31), date(2026, 2, 1)) == []
    assert latest_reached(since, date(2026, 1, 1)) is None
    assert days_sober(since, date(2026, 1, 31)) == 30


def test_reset_after_slip_keeps_history_and_restarts_the_count():
    periods = [SoberPeriod(date(2026, 1, 1), None)]
    periods = reset_after_slip(periods, date(2026, 3, 10))
    assert periods == [SoberPeriod(date(2026, 1, 1), date(2026, 3, 10)), SoberPeriod(date(2026, 3, 10), None)]
    assert periods[0].length_days(date(2026, 4, 1)) == 68
    assert days_sober(periods[-1].started, date(2026, 3, 11)) == 1
    assert [m.key for m in reached_between(periods[-1].started, None, date(2026, 3, 17))] == ["d1", "d7"]
    # The same slip told twice on one day is one reset.
    assert reset_after_slip(periods, date(2026, 3, 10)) == periods
