"""Schedule lines as moderators write them."""

from datetime import time

import pytest

from bot.params import ArgumentError
from cogs.mindfulness.days import DAY_NAMES
from cogs.mindfulness.spec import DEFAULT_GRACE_MINUTES, parse_schedule_spec


def test_the_issue_example():
    spec = parse_schedule_spec("every day at 08:30 America/Chicago", "UTC")
    assert (spec.at, spec.timezone, spec.days, spec.categories) == (
        time(8, 30),
        "America/Chicago",
        DAY_NAMES,
        (),
    )
    assert spec.grace_minutes == DEFAULT_GRACE_MINUTES
    assert spec.describe() == "every day at 08:30 America/Chicago (all categories)"


@pytest.mark.parametrize(
    ("line", "at", "zone", "days", "categories", "grace"),
    [
        (
            "weekdays 7pm Europe/London gratitude, breathing grace 3h",
            time(19),
            "Europe/London",
            DAY_NAMES[:5],
            ("gratitude", "breathing"),
            180,
        ),
        ("mon,wed,fri 20:00 sleep", time(20), "Asia/Tokyo", ("mon", "wed", "fri"), ("sleep",), 120),
        (
            "8:15 am on tuesday and thursday urge surfing grace=45m",
            time(8, 15),
            "Asia/Tokyo",
            ("tue", "thu"),
            ("urge-surfing",),
            45,
        ),
        ("21:00 utc weekends body scan", time(21), "UTC", ("sat", "sun"), ("body-scan",), 120),
    ],
)
def test_lines_in_any_order(line, at, zone, days, categories, grace):
    spec = parse_schedule_spec(line, "Asia/Tokyo")
    assert (spec.at, spec.timezone, spec.days, spec.categories, spec.grace_minutes) == (
        at,
        zone,
        days,
        categories,
        grace,
    )


@pytest.mark.parametrize(
    ("line", "hint"),
    [
        ("daily", "Say what time"),
        ("9:00 Narnia/Cair", "not a timezone"),
        ("9:00 grace 2 days", "could not read"),
        ("9:00 grace 30h", "0 minutes to 24 hours"),
        ("9:00 knitting", "categories: breathing"),
    ],
)
def test_unreadable_lines_say_what_to_type(line, hint):
    with pytest.raises(ArgumentError, match=hint):
        parse_schedule_spec(line, "UTC")
