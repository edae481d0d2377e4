"""Meetup starts as people type them, refusals the docs promise, a cancelled date that reads as one date,
and one day-list reader for every cog (issue 16, item 5). The console's clock: Friday 4 Dec 2026, 12:00 UTC."""

from __future__ import annotations

import pytest

from bot.days import DaysError, parse_weekdays


@pytest.mark.parametrize(
    ("typed", "understood"),
    [
        ("Coffee, in 2 hours", "Friday 4 December 2026 at 14:00 (UTC)"),
        ("Coffee, in 45 minutes", "Friday 4 December 2026 at 12:45 (UTC)"),
        ("Coffee, in 61 minutes", "Friday 4 December 2026 at 13:01 (UTC)"),
        ("Coffee, in an hour, at Cafe Rosa", "Friday 4 December 2026 at 13:00 (UTC)"),
        (
            "Circle, every Tuesday and Thursday 7pm",
            "Tuesday 8 December 2026 at 19:00 (UTC), then every Tuesday and Thursday",
        ),
        ("Circle, mondays and wednesdays 6pm for 2 weeks", "then every Monday and Wednesday, 4 times"),
    ],
)
async def test_starts_i_type_are_understood(console, typed, understood):
    review = await console.type(f"!meetup create {typed}")
    assert "Is this right?" in review and understood in review
    assert "**Where:** 61 minutes" not in review and "**Where:** 2 hours" not in review


async def test_a_series_on_two_weekdays_meets_on_both(console):
    await console.type("!meetup create Circle, every Tuesday and Thursday 7pm", "1")
    shown = await console.type("!meetup show Circle")
    assert "**When:** Tue 08 Dec 2026, 19:00 UTC" in shown
    assert "**After that:** Thu 10 Dec 2026, 19:00 UTC, Tue 15 Dec 2026, 19:00 UTC, Thu 17 Dec 2026" in shown
    assert "**Repeats:** every Tuesday and Thursday" in shown


async def test_more_than_a_year_ahead_is_refused_as_the_docs_say(console):
    refused = await console.type("!meetup create Far, 2028-01-01 19:00")
    assert (
        "1 Jan 2028 is more than a year away. Pick a date within the next year (up to 4 Dec 2027)" in refused
    )
    assert "Is this right?" in await console.type("!meetup create Near, 2027-12-03 19:00")


async def test_cancelling_one_date_of_a_series_does_not_read_as_the_whole_series(console):
    await console.type("!meetup channel here", "!meetup create Monday circle, every Monday 7pm", "1")
    asked = await console.type("!meetup cancel Monday circle on dec 7")
    cancelled = await console.type("1")  # Yes, cancel it
    assert "Cancel Monday circle on Mon 07 Dec 2026, 19:00 UTC?" in asked
    assert "**Cancelled this time: Monday circle**" in cancelled
    assert "The meeting on Mon 07 Dec 2026 will not take place. The series carries on as usual" in cancelled
    assert "This meetup will not take place" not in cancelled
    assert "Mon 14 Dec 2026, 19:00 UTC" in await console.type("!meetup show Monday circle")


@pytest.mark.parametrize(
    ("typed", "days"),
    [
        ("daily", {0, 1, 2, 3, 4, 5, 6}),
        ("every day", {0, 1, 2, 3, 4, 5, 6}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("weekends", {5, 6}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sat/sun", {5, 6}),
        ("mon and wed", {0, 2}),
        ("Mon, Wed, Fri", {0, 2, 4}),
        ("Tuesday Thursday", {1, 3}),
        ("thursdays", {3}),
        ("tues & thurs", {1, 3}),
        ("mon to thu", {0, 1, 2, 3}),
    ],
)
def test_one_day_reader_for_every_cog(typed, days):
    assert parse_weekdays(typed) == frozenset(days)


def test_a_word_that_is_no_day_is_named():
    with pytest.raises(DaysError, match="'someday' is not a day. Type days like mon-fri"):
        parse_weekdays("mon, someday")


async def test_check_ins_and_prompt_schedules_read_days_the_same_way(console):
    joined = await console.type("!checkin start 20:00 UTC sat/sun", "1")
    assert "privately Saturday and Sunday at 20:00 (UTC)" in joined
    assert "Monday and Wednesday at 20:00" in await console.type("!checkin start 20:00 UTC mon and wed")
    assert "Monday to Friday at 20:00" in await console.type("!checkin start 20:00 UTC weekdays")
    schedule = await console.type("!prompts schedule add mon and wed 7pm", "1")
    assert "Monday and Wednesday at 19:00 UTC" in schedule
