"""Every error names the real problem and what to type instead (issue 16, item 3)."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize(
    ("typed", "explained"),
    [
        ("!checkin start 8pm EST", "For EST that is usually `America/New_York`"),
        ("!checkin start 8pm PST", "For PST that is usually `America/Los_Angeles`"),
        ("!checkin start 20:00 CET", "For CET that is usually `Europe/Paris`"),
        ("!checkin start 25:00", "Use hours 0-23 and minutes 0-59, like 20:00"),
        ("!checkin start 20:00 Europe/Londn", "Did you mean `Europe/London`?"),
        ("!checkin start 20:00 Europe/London someday", "'someday' is not a day. Type days like mon-fri"),
        (
            "!meetup create Coffee, at 7",
            "Is `at 7` in the morning or the evening? Write `7am`, `7pm` or `19:00`",
        ),
        ("!meetup create Coffee, tomorrow 7pm EST", "For EST that is usually `America/New_York`"),
        ("!prompts schedule add weekdays 7pm EST", "For EST that is usually `America/New_York`"),
    ],
)
async def test_what_i_typed_wrong_is_named_with_what_to_type(console, typed, explained):
    answer = await console.type(typed)
    assert explained in answer
    assert "I don't know the day" not in answer and "When does it start?" not in answer


async def test_a_misspelt_subcommand_gets_the_nearest_not_the_whole_list(console):
    answer = await console.type("!checkin strat")
    assert "I don't know `!checkin strat`. Did you mean `!checkin start`?" in answer
    assert "`!help checkin` lists what `!checkin` can do." in answer
    assert len(answer.strip().splitlines()) == 1
    assert "Did you mean `!checkin start`?" in await console.type("!chekin start")
    assert "has these commands" in await console.type("!checkin")  # the bare group still lists them


@pytest.mark.parametrize("typed", ["check-ins", "check ins", "checkins", "Check-in", "CHECKINS"])
async def test_features_are_named_the_way_members_write_them(console, typed):
    await console.type("!checkin start 20:00 UTC", "1")
    left = await console.type(f"!optout {typed}")
    assert "You have left check-ins" in left


async def test_an_unknown_feature_lists_the_real_ones_with_an_example(console):
    answer = await console.type("!optin yoga")
    assert (
        "There is no feature called 'yoga'. Features you can join: checkins, crisis, meetups, mindfulness, settings."
        in answer
    )
    assert "For example: `!optin checkins`" in answer
