"""A slip never wipes a count by itself, the date can always be put back, and sharing says what partners
will see from today (issue 16, item 2)."""

from __future__ import annotations

from bot.testing import MemoryAdapter, make_test_bot
from tests.checkins.conftest import choice, join

# Sober since 18 May 2026: 200 days on Friday 4 December 2026.
SOBER_SINCE = "2026-05-18"


async def test_i_tell_it_about_a_slip_and_my_200_days_stay_until_i_choose(console):
    await console.type(
        "!checkin start 20:00 UTC", "1", f"!checkin sober {SOBER_SINCE}", "!checkin now", "3", "2"
    )
    slip = await console.type("3")  # Had a slip
    assert "doesn't define you" in slip
    assert "Your day count is still 200 days (since 18 May 2026)" in slip
    assert "**1** Start my count again   **2** Keep my count" in slip
    assert "200 days" in await console.type("!checkin status")

    # A command came in between, so the bare "1" is checked before the count is touched.
    checked = await console.type("1")
    assert "is your **1** for this?" in checked and "Today's slip: Start my count again" in checked
    assert "200 days" in await console.type("!checkin status")
    restarted = await console.type("1", "1")
    assert "Your date before, 18 May 2026 (200 days), stays in your history" in restarted
    assert "`!checkin sober undo` puts it back" in restarted
    assert "0 days" in await console.type("!checkin status")

    assert "Put back: sober since 18 May 2026, 200 days." in await console.type("!checkin sober undo")
    assert "200 days" in await console.type("!checkin status")
    assert "no reset to undo" in await console.type("!checkin sober undo")


async def test_keeping_my_count_after_a_slip_keeps_it(console):
    await console.type(
        "!checkin start 20:00 UTC", "1", f"!checkin sober {SOBER_SINCE}", "!checkin now", "3", "2", "3"
    )
    assert "Your count stays as it is: 200 days since 18 May 2026." in await console.type("2")
    assert "200 days" in await console.type("!checkin status")


async def test_i_pressed_slip_by_mistake_and_yes_afterwards_tells_me_how_to_get_my_date_back(tmp_path, clock):
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.checkins"], adapters=[MemoryAdapter()], clock=clock
    ) as (bot, chat):
        dan = chat.user("dan")
        await join(chat, dan, "20:00 UTC")
        await chat.say(dan, f"!checkin sober {SOBER_SINCE}")
        mood = (await chat.say(dan, "!checkin now"))[-1]
        craving = (await chat.press(dan, choice(mood, "3")))[-1]
        on_track = (await chat.press(dan, choice(craving, "2")))[-1]
        slip = (await chat.press(dan, choice(on_track, "Had a slip")))[-1]
        await chat.press(dan, choice(slip, "Start my count again"))

        corrected = (await chat.press(dan, choice(on_track, "Yes")))[-1]
        assert "Updated your on-track answer for Friday 4 December" in corrected.text
        assert "your date back (18 May 2026)" in corrected.text and "`!checkin sober undo`" in corrected.text
        back = (await chat.press(dan, choice(corrected, "Put my date back")))[-1]
        assert "Put back: sober since 18 May 2026, 200 days." in back.text
        status = (await chat.say(dan, "!checkin status"))[-1]
        assert "200 days" in status.text


async def test_sharing_my_on_track_answer_says_partners_see_todays_slip_from_now(console):
    await console.type("!checkin start 20:00 UTC", "1", "!checkin now", "3", "2", "3")
    shared = await console.type("!checkin share ontrack on")
    assert (
        "From now on your partners see your on-track answer, starting with today's check-in "
        "(Friday 4 December). Today they'll see: had a slip."
    ) in shared
    assert "`!checkin share ontrack off` stops it" in shared
    again = await console.type("!checkin share mood on")
    assert "From now on your partners see your mood" in again and "Today they'll see: mood 3/5." in again
