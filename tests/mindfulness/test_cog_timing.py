"""Time: DST changes in two hemispheres, once per occurrence across restarts, the grace window.

The real scheduler and its delivery ledger run on a real SQLite file; the clock is moved by hand and
`run_due` does exactly what the bot does at startup (catch up what fell due).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.testing import MemoryAdapter, make_test_bot
from tests.mindfulness.conftest import COGS, catch_up, texts


def local(zone: str, *parts: int) -> datetime:
    return datetime(*parts, tzinfo=ZoneInfo(zone)).astimezone(UTC)


async def posts_over_days(bot, chat, clock, zone: str, first_day: date, days: int) -> list[datetime]:
    """Walk day by day; at each local 08:30 (and an hour either side) catch up, recording what posted."""
    moments = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        due = local(zone, day.year, day.month, day.day, 8, 30)
        for probe in (due - timedelta(hours=1), due, due + timedelta(hours=1)):
            clock.set(probe)
            before = len(chat.in_place(chat.channel()))
            await bot.scheduler.run_due()
            if len(chat.in_place(chat.channel())) > before:
                moments.append(probe)
    return moments


@pytest.mark.parametrize(
    ("zone", "start", "offsets"),
    [
        # Chicago: CDT (UTC-5) starts 8 March 2026, CST (UTC-6) returns 1 November 2026.
        ("America/Chicago", date(2026, 3, 6), {6: 6, 7: 6, 8: 5, 9: 5}),
        ("America/Chicago", date(2026, 10, 30), {30: 5, 31: 5, 1: 6, 2: 6}),
        # Sydney: AEDT (UTC+11) ends 5 April 2026, starts again 4 October 2026.
        ("Australia/Sydney", date(2026, 4, 3), {3: -11, 4: -11, 5: -10, 6: -10}),
        ("Australia/Sydney", date(2026, 10, 2), {2: -10, 3: -10, 4: -11, 5: -11}),
    ],
)
async def test_posts_stay_at_0830_local_across_both_dst_changes(tmp_path, clock, zone, start, offsets):
    clock.set(local(zone, start.year, start.month, start.day, 0, 0) - timedelta(days=1))
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        mod = chat.user("mod", moderator=True)
        await chat.say(mod, f"!prompts schedule add every day at 08:30 {zone} grace 30m")
        moments = await posts_over_days(bot, chat, clock, zone, start, 4)
    assert len(moments) == 4, moments  # exactly one post a day, at the on-time probe
    for moment in moments:
        local_time = moment.astimezone(ZoneInfo(zone))
        assert (local_time.hour, local_time.minute) == (8, 30)
        utc_hour = 8 + offsets[local_time.day]
        assert ((moment.hour - utc_hour) % 24, moment.minute) == (0, 30), (moment, zone)


async def test_a_time_missing_on_the_spring_change_posts_once_an_hour_later(tmp_path, clock):
    clock.set(datetime(2026, 3, 7, 12, 0, tzinfo=UTC))
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        mod = chat.user("mod", moderator=True)
        await chat.say(mod, "!prompts schedule add daily 02:30 America/Chicago grace 10m")
        fire = await bot.scheduler.next_fire("mindfulness", "c1:s1")
        # 02:30 does not exist that night; APScheduler gives the gap time, the same instant as 03:30 CDT
        assert fire.astimezone(UTC) == local("America/Chicago", 2026, 3, 8, 3, 30)
        clock.set(fire)
        assert await catch_up(bot, chat) == 1


async def test_the_repeated_hour_on_the_autumn_change_posts_once(tmp_path, clock):
    clock.set(datetime(2026, 10, 31, 12, 0, tzinfo=UTC))
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        mod = chat.user("mod", moderator=True)
        await chat.say(mod, "!prompts schedule add daily 01:30 America/Chicago grace 10m")
        first = await bot.scheduler.next_fire("mindfulness", "c1:s1")
        assert first.astimezone(UTC) == datetime(
            2026, 11, 1, 6, 30, tzinfo=UTC
        )  # 01:30 CDT, the first of the two
        posted = 0
        for minutes in range(0, 24 * 60, 10):  # walk the whole day in ten-minute steps
            clock.set(first - timedelta(hours=1) + timedelta(minutes=minutes))
            posted += await catch_up(bot, chat)
        assert posted == 1


async def test_once_per_occurrence_across_a_restart(tmp_path, clock):
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        mod = chat.user("mod", moderator=True)
        await chat.say(mod, "!prompts schedule add daily 08:30 America/Chicago")
        clock.set(local("America/Chicago", 2026, 11, 28, 8, 30))
        assert await catch_up(bot, chat) == 1
        first_post = chat.in_place(chat.channel())[0].text
    clock.advance(minutes=5)
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        assert chat.in_place(chat.channel()) == []  # the restart's catch-up found the occurrence done
        assert await catch_up(bot, chat) == 0
        clock.set(local("America/Chicago", 2026, 11, 29, 8, 30))
        assert await catch_up(bot, chat) == 1
        assert chat.in_place(chat.channel())[0].text != first_post  # the rotation moved on across the restart


async def test_a_post_missed_while_down_goes_out_late_only_inside_the_grace_window(tmp_path, clock):
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        mod = chat.user("mod", moderator=True)
        await chat.say(mod, "!prompts schedule add daily 08:30 America/Chicago grace 60m")
    # Down over the 28th's 08:30; back 45 minutes later: inside the window, posted late, once.
    clock.set(local("America/Chicago", 2026, 11, 28, 9, 15))
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        assert len(chat.in_place(chat.channel())) == 1
        assert "posted late" in texts(await chat.say(chat.user("mod", moderator=True), "!prompts log"))
    clock.advance(minutes=5)
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        assert chat.in_place(chat.channel()) == []
    # Down over the 29th's 08:30; back two hours later: outside the window, skipped.
    clock.set(local("America/Chicago", 2026, 11, 29, 10, 30))
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        assert chat.in_place(chat.channel()) == []
        clock.set(local("America/Chicago", 2026, 11, 30, 8, 30))
        assert await catch_up(bot, chat) == 1  # the next day is posted as usual


async def test_the_alarm_rings_through_apscheduler_and_posts_when_the_clock_reaches_the_time(mindful, clock):
    bot, chat, mod, _ = mindful
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    await chat.say(mod, "!prompts schedule add daily 08:30 America/Chicago")
    clock.set(local("America/Chicago", 2026, 11, 28, 8, 29))
    bot.scheduler.clock_moved()
    await asyncio.sleep(0.2)
    assert chat.in_place(chat.channel()) == []  # a minute early: the alarm is not even set
    clock.set(local("America/Chicago", 2026, 11, 28, 8, 30))
    bot.scheduler.clock_moved()  # as the real clock reaching 08:30 would

    async def posted() -> None:
        for _ in range(2000):  # APScheduler runs the job on the loop; give it a few turns
            if chat.in_place(chat.channel()):
                return
            await asyncio.sleep(0.01)

    await asyncio.wait_for(posted(), timeout=10)
    assert len(chat.in_place(chat.channel())) == 1


def previewed_id(reply: str) -> str:
    return reply.split("(`", 1)[1].split("`)", 1)[0]


async def test_prompts_due_together_post_everywhere_but_the_failing_place_which_keeps_its_turn(
    mindful, clock
):
    bot, chat, mod, _ = mindful
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    places = {name: chat.channel(name) for name in ("general", "broken", "quiet")}
    for place in places.values():
        await chat.say(mod, "!prompts schedule add daily 08:30 America/Chicago", place=place)
    waiting = previewed_id(texts(await chat.say(mod, "!prompts next 2")))
    send = chat.send

    async def send_unless_broken(place, content, token=None):
        if place.place_id == "broken":
            raise ConnectionError("that channel is unavailable")
        return await send(place, content, token)

    chat.send = send_unless_broken
    clock.set(local("America/Chicago", 2026, 11, 28, 8, 30))
    await bot.scheduler.run_due()
    assert [len(chat.in_place(place)) for place in places.values()] == [1, 0, 1]
    statuses = await bot.db.fetchall(
        "SELECT s.key, d.status FROM deliveries d JOIN schedules s ON s.id = d.schedule_id ORDER BY s.key"
    )
    assert {row["key"]: row["status"] for row in statuses if row["key"].startswith("c1:")} == {
        "c1:s1": "done",
        "c1:s2": "failed",
        "c1:s3": "done",
    }
    assert previewed_id(texts(await chat.say(mod, "!prompts next 2"))) == waiting  # its rotation did not move
    chat.send = send
    await bot.scheduler.run_due()  # a failed occurrence is not sent again later (at most once, as before)
    assert len(chat.in_place(places["broken"])) == 0
    clock.set(local("America/Chicago", 2026, 11, 29, 8, 30))
    await bot.scheduler.run_due()
    assert [len(chat.in_place(place)) for place in places.values()] == [2, 1, 2]
    library = await bot.get_cog("mindfulness").store.library(1)
    assert library[waiting].title in chat.in_place(places["broken"])[0].text


async def test_a_slow_place_does_not_hold_up_the_prompts_due_with_it(mindful, clock):
    bot, chat, mod, _ = mindful
    clock.set(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    places = [chat.channel(name) for name in ("slow", "general", "quiet")]
    for place in places:
        await chat.say(mod, "!prompts schedule add daily 08:30 America/Chicago", place=place)
    send, release, others_posted = chat.send, asyncio.Event(), asyncio.Event()

    async def send_slowly_in_slow(place, content, token=None):
        if place.place_id == "slow":
            await release.wait()  # a platform pacing this channel's sends
        sent = await send(place, content, token)
        if chat.in_place(places[1]) and chat.in_place(places[2]):
            others_posted.set()
        return sent

    chat.send = send_slowly_in_slow
    clock.set(local("America/Chicago", 2026, 11, 28, 8, 30))
    catching_up = asyncio.create_task(bot.scheduler.run_due())
    await asyncio.wait_for(others_posted.wait(), timeout=10)
    assert chat.in_place(places[0]) == []
    release.set()
    await asyncio.wait_for(catching_up, timeout=10)
    assert [len(chat.in_place(place)) for place in places] == [1, 1, 1]
