"""Properties of the pure parts over many generated cases (hypothesis)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import islice

from hypothesis import given, settings
from hypothesis import strategies as st

from cogs.checkins.milestones import milestones, reached_between
from cogs.checkins.streaks import check_in_streak
from cogs.checkins.timing import CheckinSchedule, QuietHours, next_due

ZONES = [
    "UTC",
    "Europe/London",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kathmandu",
    "Pacific/Chatham",
]
days = st.dates(min_value=date(2024, 1, 1), max_value=date(2027, 12, 31))


@given(st.sets(st.integers(0, 60)), st.integers(0, 70))
def test_streak_bounds(offsets, today_offset):
    start = date(2026, 1, 1)
    streak = check_in_streak(
        [start + timedelta(days=o) for o in offsets], start + timedelta(days=today_offset)
    )
    assert 0 <= streak.current <= streak.longest <= streak.total <= len(offsets)


@settings(max_examples=40, deadline=None)
@given(days)
def test_milestones_strictly_increase_and_each_is_reported_once(since):
    first = list(islice(milestones(since), 9))  # up to 2 years
    assert all(a.reached_on < b.reached_on for a, b in zip(first, first[1:], strict=False))
    # Looking day by day reports each milestone exactly once.
    seen, day = [], since
    while day < first[-1].reached_on:
        seen += [m.key for m in reached_between(since, day, day + timedelta(days=1))]
        day += timedelta(days=1)
    assert seen == [m.key for m in first]


# Hypothesis takes naive bounds and applies `timezones` itself.
EARLIEST, LATEST = datetime(2025, 1, 1), datetime(2027, 12, 31)  # noqa: DTZ001


@settings(max_examples=300, deadline=None)
@given(
    zone=st.sampled_from(ZONES),
    at=st.times(),
    weekdays=st.frozensets(st.integers(0, 6), min_size=1),
    after=st.datetimes(min_value=EARLIEST, max_value=LATEST, timezones=st.just(UTC)),
    quiet=st.one_of(st.none(), st.tuples(st.times(), st.times()).map(lambda t: QuietHours(*t))),
)
def test_next_due_is_after_on_a_chosen_day_outside_quiet_hours_and_within_two_weeks(
    zone, at, weekdays, after, quiet
):
    at = at.replace(microsecond=0, second=0)
    schedule = CheckinSchedule(at, zone, weekdays=weekdays, quiet=quiet)
    due = next_due(schedule, after)
    assert due is not None
    assert after < due.at <= after + timedelta(days=15)
    assert due.day.weekday() in weekdays
    local = due.at.astimezone(schedule.zone)
    assert quiet is None or not quiet.contains(local.time())
