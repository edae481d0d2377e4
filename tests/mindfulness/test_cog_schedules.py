"""Schedules through the real bot: add, preview, post now, pause, the log, rotation, pin and skip."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.base import Capabilities
from bot.model import PlaceRef
from bot.testing import MemoryAdapter, make_test_bot
from tests.mindfulness.conftest import COGS, catch_up, texts


async def test_moderator_adds_previews_posts_now_and_sees_it_in_the_log(mindful):
    bot, chat, mod, _ = mindful
    reply = texts(await chat.say(mod, "!prompts schedule add every day at 08:30 America/Chicago"))
    assert "Schedule #1 added" in reply and "every day at 08:30 America/Chicago (all categories)" in reply
    assert "Next post" in reply
    preview = texts(await chat.say(mod, "!prompts next"))
    upcoming_id = preview.split("(`", 1)[1].split("`)", 1)[0]
    posted = await chat.say(mod, "!prompts post")
    public = [s for s in posted if s.private_to is None]
    assert len(public) == 1 and public[0].place == chat.channel()
    library = await bot.get_cog("mindfulness").store.library(1)
    assert library[upcoming_id].title in public[0].text
    assert "does not keep your replies" in public[0].text
    log = texts(await chat.say(mod, "!prompts log"))
    assert f"**mod** posted now {upcoming_id}" in log
    assert "**mod** added schedule #1: every day at 08:30 America/Chicago" in log


async def test_schedule_list_pause_resume_and_remove(mindful):
    bot, chat, mod, _ = mindful
    await chat.say(mod, "!prompts schedule add weekdays 7pm Europe/London gratitude, sleep grace 3h")
    listing = texts(await chat.say(mod, "!prompts schedule list"))
    assert (
        "#1** Monday to Friday at 19:00 Europe/London (Gratitude, Sleep and rest) in this channel" in listing
    )
    assert "0 of 20 prompts used this cycle" in listing
    assert "paused" in texts(await chat.say(mod, "!prompts schedule pause"))
    assert await bot.scheduler.next_fire("mindfulness", "c1:s1") is None
    assert "paused" in texts(await chat.say(mod, "!prompts schedule list"))
    assert "running again" in texts(await chat.say(mod, "!prompts schedule resume 1"))
    assert await bot.scheduler.next_fire("mindfulness", "c1:s1") is not None
    assert "removed" in texts(await chat.say(mod, "!prompts schedule remove 1"))
    assert "No prompt schedules yet" in texts(await chat.say(mod, "!prompts schedule list"))


async def test_bad_schedule_lines_get_a_hint_and_create_nothing(mindful):
    bot, chat, mod, _ = mindful
    for line, hint in [
        ("every day", "Say what time"),
        ("8:30 Mars/Olympus", "not a timezone"),
        ("8:30 knitting", "could not read 'knitting'"),
        ("25:00", "not a time of day"),
        ("8:30 grace forever", "grace window"),
    ]:
        reply = texts(await chat.say(mod, f"!prompts schedule add {line}"))
        assert hint in reply, (line, reply)
    assert await bot.get_cog("mindfulness").store.schedules(1) == []
    dm = texts(await chat.dm(mod, "!prompts schedule add 8:30"))
    assert "not in a DM" in dm


async def test_members_cannot_run_moderator_commands(mindful):
    bot, chat, mod, member = mindful
    for line in [
        "!prompts schedule add 8:30",
        "!prompts post",
        "!prompts add sleep A | long enough text",
        "!prompts log",
        "!prompts approve 1",
        "!prompts import [[prompts]]",
    ]:
        reply = texts(await chat.say(member, line))
        assert "is for moderators" in reply, line
    assert await bot.get_cog("mindfulness").store.schedules(1) == []
    assert chat.in_place(chat.channel()) == []


async def test_rotation_through_the_cog_pin_skip_and_a_new_cycle(mindful):
    bot, chat, mod, _ = mindful
    await chat.say(mod, "!prompts schedule add 9:00 breathing")
    cog = bot.get_cog("mindfulness")
    schedule = (await cog.store.schedules(1))[0]
    posted = []
    for _ in range(10):
        prompt = await cog.post(schedule, actor=None)
        posted.append(prompt.id)
    assert len(set(posted)) == 10 and all(p.startswith("breathing-") for p in posted)
    await chat.say(mod, "!prompts pin breathing-box")
    assert "(`breathing-box`)" in texts(await chat.say(mod, "!prompts next"))
    assert (await cog.post(schedule, actor=None)).id == "breathing-box"
    preview = texts(await chat.say(mod, "!prompts next"))
    upcoming = preview.split("(`", 1)[1].split("`)", 1)[0]
    skipped = texts(await chat.say(mod, "!prompts skip"))
    assert f"Skipped `{upcoming}`" in skipped
    assert (await cog.post(schedule, actor=None)).id != upcoming
    pin_outside = texts(await chat.say(mod, "!prompts pin sleep-wind-down"))
    assert "not in the categories of schedule #1" in pin_outside


async def test_post_opens_a_thread_where_the_platform_has_threads(tmp_path, clock):
    class ThreadedAdapter(MemoryAdapter):
        def __init__(self):
            super().__init__(capabilities=Capabilities(buttons=True, threads=True))
            self.threads = []

        async def create_thread(self, ref, name):
            self.threads.append((ref, name))
            return PlaceRef(self.platform, f"thread-{ref.message_id}", scope_id=self.scope_id)

    async with make_test_bot(tmp_path, cogs=COGS, adapters=[ThreadedAdapter()], clock=clock) as (bot, chat):
        mod = chat.user("mod", moderator=True)
        await chat.say(mod, "!prompts schedule add 9:00 gratitude")
        await chat.say(mod, "!prompts post")
        post = chat.in_place(chat.channel())[-1]
        assert chat.threads == [(post.ref, chat.threads[0][1])]
        assert chat.threads[0][1] in post.text
        assert "Share in the thread below" in post.text


async def test_scheduled_post_is_logged_with_the_schedule_as_actor(mindful, clock):
    bot, chat, mod, _ = mindful
    clock.set(datetime(2026, 11, 27, 14, 0, tzinfo=UTC))
    await chat.say(mod, "!prompts schedule add 9:00 America/Chicago")
    clock.set(datetime(2026, 11, 28, 15, 0, tzinfo=UTC))  # 09:00 in Chicago (CST, UTC-6)
    assert await catch_up(bot, chat) == 1
    assert len(chat.in_place(chat.channel())) == 1
    assert "**schedule #1** posted" in texts(await chat.say(mod, "!prompts log"))
