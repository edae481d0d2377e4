"""The crisis cog as other cogs use it: a worrying check-in note gets the crisis reply and an alert."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.testing import FrozenClock, MemoryAdapter, make_test_bot
from tests.checkins.conftest import choice, join, sweep_at

EVENING = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


async def test_a_check_in_note_is_screened_without_storing_it_in_crisis_tables(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    async with make_test_bot(
        tmp_path,
        cogs=["cogs.privacy", "cogs.checkins", "cogs.crisis"],
        adapters=[MemoryAdapter()],
        clock=clock,
    ) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        mod = chat.user("mo", moderator=True)
        mods = chat.channel("mods")
        await chat.say(mod, "!crisisadmin alerts", place=mods)
        await chat.say(mod, "!crisisadmin realert 0", place=mods)  # this test's clock is not the real one
        lee = chat.user("lee")
        await join(chat, lee)
        await sweep_at(bot, clock, EVENING)
        sent = await chat.press(lee, choice(chat.last(lee), "2"))
        sent = await chat.press(lee, choice(sent[-1], "3"))
        sent = await chat.press(lee, choice(sent[-1], "Yes"))
        await chat.press(lee, choice(sent[-1], "Skip"))
        await asyncio.wait_for(
            chat.answer(lee, "honestly everyone would be better off without me"), timeout=10
        )
        crisis_reply = [s for s in chat.to(lee) if "Are you safe right now?" in s.text]
        assert len(crisis_reply) == 1
        alert = chat.in_place(mods)[-1]
        assert "written privately to the bot" in dict(alert.content.fields)["Where"]
        assert "better off" not in alert.text
        rows = await bot.db.fetchall("SELECT * FROM crisis_alerts")
        assert len(rows) == 1 and all("better off" not in str(value) for value in dict(rows[0]).values())


async def test_a_slip_shows_the_drugs_and_alcohol_line_of_the_members_own_country(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    async with make_test_bot(
        tmp_path,
        cogs=["cogs.privacy", "cogs.checkins", "cogs.crisis"],
        adapters=[MemoryAdapter()],
        clock=clock,
    ) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        niamh = chat.user("niamh")  # in a US community, living in Ireland
        asked = await chat.say(niamh, "!mycountry ireland")
        await chat.press(niamh, choice(asked[-1], "I agree"))
        await join(chat, niamh)
        await sweep_at(bot, clock, EVENING)
        sent = await chat.press(niamh, choice(chat.last(niamh), "3"))
        sent = await chat.press(niamh, choice(sent[-1], "2"))
        support = (await chat.press(niamh, choice(sent[-1], "Had a slip")))[-1]
        assert "HSE Drugs and Alcohol Helpline" in support.text and "SAMHSA" not in support.text


async def test_sos_asks_partners_and_always_gives_the_members_own_lines(tmp_path):
    from tests.checkins.test_people import pair

    clock = FrozenClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    async with make_test_bot(
        tmp_path,
        cogs=["cogs.privacy", "cogs.checkins", "cogs.crisis"],
        adapters=[MemoryAdapter()],
        clock=clock,
    ) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        lou, max_ = chat.user("lou"), chat.user("max")
        asked = await chat.say(lou, "!mycountry GB")
        await chat.press(lou, choice(asked[-1], "I agree"))
        await join(chat, lou)
        await join(chat, max_)
        await pair(chat, lou, max_)
        reply = (await chat.say(lou, "!sos"))[-1]
        assert "I've asked max to reach out to you now" in reply.text
        assert "999 or 112" in reply.text and "Samaritans" in reply.text, (
            "lou's own country, not the community's"
        )
        assert [c.label for c in reply.content.choices] == ["Ask a moderator to reach out", "I'm not safe"]
        alert = chat.last(max_)
        assert alert.private_to == max_ and "lou is asking you to reach out" in alert.text
        before = len(chat.to(max_))
        ended = (await chat.say(lou, "!partner end @max"))[-1]
        assert "won't get a message" in ended.text and len(chat.to(max_)) == before
        alone = (await chat.say(lou, "!sos"))[-1].text
        assert "don't have a check-in partner yet" in alone and "999 or 112" in alone
        assert "local emergency number" not in alone
