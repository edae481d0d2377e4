"""When check-ins fall due: local times, days, pauses, quiet hours and DST."""

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.days import parse_weekdays
from cogs.checkins.timing import (
    CheckinSchedule,
    QuietHours,
    next_due,
    parse_quiet_hours,
    reminder_at,
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def test_next_due_is_the_members_local_time():
    schedule = CheckinSchedule(time(20, 0), "America/New_York")
    due = next_due(schedule, utc(2026, 6, 1, 12, 0))
    assert due.day == date(2026, 6, 1)
    assert due.at == utc(2026, 6, 2, 0, 0)  # 20:00 EDT is midnight UTC
    # Right at the due moment, the next one is tomorrow.
    assert next_due(schedule, due.at).day == date(2026, 6, 2)


def test_local_time_holds_across_the_dst_change():
    schedule = CheckinSchedule(time(9, 0), "Europe/Berlin")
    before = next_due(schedule, utc(2026, 3, 28, 12, 0))  # Sunday 29 March: clocks go forward
    after = next_due(schedule, before.at)
    assert before.at == utc(2026, 3, 29, 7, 0)  # 09:00 CEST: the change happened at 02:00
    assert before.at.astimezone(schedule.zone).hour == 9
    assert after.at.astimezone(schedule.zone).hour == 9
    assert after.at - before.at == timedelta(hours=24)


def test_a_time_skipped_by_dst_runs_an_hour_later_and_a_repeated_one_runs_once():
    spring = CheckinSchedule(time(2, 30), "America/New_York")
    due = next_due(spring, utc(2026, 3, 8, 5, 0))
    assert due.day == date(2026, 3, 8)
    assert due.at.astimezone(spring.zone).time() == time(3, 30)
    autumn = CheckinSchedule(time(1, 30), "America/New_York")
    first = next_due(autumn, utc(2026, 11, 1, 4, 0))
    second = next_due(autumn, first.at)
    assert first.day == date(2026, 11, 1) and second.day == date(2026, 11, 2)


def test_only_chosen_days():
    schedule = CheckinSchedule(time(8, 0), "UTC", weekdays=parse_weekdays("mon,wed"))
    due = next_due(schedule, utc(2026, 11, 3, 9, 0))  # Tuesday
    assert due.day == date(2026, 11, 4)


def test_pause_until_a_date_resumes_on_that_date():
    schedule = CheckinSchedule(time(8, 0), "UTC", paused_until=date(2026, 11, 10))
    assert next_due(schedule, utc(2026, 11, 3, 9, 0)).day == date(2026, 11, 10)


def test_quiet_hours_move_a_check_in_to_their_end():
    quiet = parse_quiet_hours("22:00-07:00")
    assert quiet == QuietHours(time(22), time(7))
    assert quiet.contains(time(23, 30)) and quiet.contains(time(6, 59)) and not quiet.contains(time(7))
    schedule = CheckinSchedule(time(6, 0), "Asia/Tokyo", quiet=quiet)
    due = next_due(schedule, utc(2026, 11, 3, 0, 0))
    assert due.at.astimezone(schedule.zone).time() == time(7, 0)
    assert parse_quiet_hours("off") is None
    with pytest.raises(ValueError):
        parse_quiet_hours("late")


def test_one_reminder_only_on_the_same_day_and_outside_quiet_hours():
    schedule = CheckinSchedule(time(9, 0), "UTC", quiet=QuietHours(time(22), time(7)))
    morning = next_due(schedule, utc(2026, 11, 3, 0, 0))
    assert reminder_at(schedule, morning, timedelta(hours=3)) == utc(2026, 11, 3, 12, 0)
    late = next_due(CheckinSchedule(time(20, 0), "UTC", quiet=schedule.quiet), utc(2026, 11, 3, 0, 0))
    assert reminder_at(schedule, late, timedelta(hours=3)) is None  # 23:00 is quiet
    assert (
        reminder_at(
            CheckinSchedule(time(22, 0), "UTC"),
            next_due(CheckinSchedule(time(22, 0), "UTC"), utc(2026, 11, 3)),
            timedelta(hours=3),
        )
        is None
    )  # past midnight: next day
