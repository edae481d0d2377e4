"""Days of the week as people type them."""

import pytest

from cogs.mindfulness.days import DAY_NAMES, DaysError, cron_days, describe_days, parse_days


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("daily", DAY_NAMES),
        ("every day", DAY_NAMES),
        ("Weekdays", DAY_NAMES[:5]),
        ("weekends", ("sat", "sun")),
        ("mon-fri", DAY_NAMES[:5]),
        ("fri-mon", ("mon", "fri", "sat", "sun")),
        ("mon,wed,fri", ("mon", "wed", "fri")),
        ("Tuesday and Thursday", ("tue", "thu")),
        ("sundays", ("sun",)),
        ("every monday", ("mon",)),
    ],
)
def test_days_are_read(typed, expected):
    assert parse_days(typed) == expected


@pytest.mark.parametrize("typed", ["someday", "mon-funday", "", "   "])
def test_unreadable_days_get_a_hint(typed):
    with pytest.raises(DaysError, match="mon|daily"):
        parse_days(typed)


def test_cron_and_description():
    assert cron_days(DAY_NAMES) == "mon-sun"
    assert cron_days(("mon", "wed")) == "mon,wed"
    assert describe_days(DAY_NAMES[:5]) == "Monday to Friday"
    assert describe_days(("tue", "thu")) == "Tuesday and Thursday"
    assert describe_days(("mon", "wed", "fri")) == "Mon, Wed, Fri"
