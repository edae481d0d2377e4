"""With the real crisis cog loaded: a worrying note goes to the crisis flow, a slip gets the helpline."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.testing import MemoryAdapter, make_test_bot
from tests.checkins.conftest import ENTRY_WITH_TEXTS, choice, join, sweep_at

EVENING = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
COGS = ["cogs.privacy", "cogs.crisis", "cogs.checkins"]


async def start_check_in(bot, chat, clock, user):
    await join(chat, user)
    await sweep_at(bot, clock, EVENING)
    sent = await chat.press(user, choice(chat.last(user), "2"))
    return await chat.press(user, choice(sent[-1], "3"))


async def test_a_worrying_note_gets_the_crisis_reply_privately_and_nothing_public(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        ola = chat.user("ola")
        on_track = (await start_check_in(bot, chat, clock, ola))[-1]
        sent = await chat.press(ola, choice(on_track, "Yes"))
        await chat.press(ola, choice(sent[-1], "Skip"))
        replies = await chat.answer(ola, "going to use tonight and i dont care what happens")
        assert replies and all(r.private_to == ola for r in replies), "everything in answer goes to ola alone"
        to_ola = [r for r in replies if r.private_to == ola]
        assert (
            len(to_ola) == 1
            and "SAMHSA" in to_ola[0].text
            and "Thank you for checking in" not in to_ola[0].text
        )
        assert all("use tonight" not in r.text for r in chat.sent if r.private_to != ola)
        # The note is kept for ola, sealed; the check-in is complete.
        row = await bot.db.fetchone(ENTRY_WITH_TEXTS)
        assert row["step"] == "done" and "tonight" not in row["note"]


async def test_a_calm_note_just_finishes_the_check_in(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        pat = chat.user("pat")
        on_track = (await start_check_in(bot, chat, clock, pat))[-1]
        sent = await chat.press(pat, choice(on_track, "Yes"))
        await chat.press(pat, choice(sent[-1], "Skip"))
        done = (await chat.answer(pat, "had a good day at work"))[-1]
        assert "Thank you for checking in" in done.text


async def test_a_slip_offers_the_countrys_substance_use_helpline(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        quin = chat.user("quin")
        on_track = (await start_check_in(bot, chat, clock, quin))[-1]
        support = (await chat.press(quin, choice(on_track, "Had a slip")))[-1]
        assert "1-800-662-4357" in support.text and "doesn't define you" in support.text
