"""Fixtures for the mindfulness tests: a real bot (SQLite file, APScheduler) with the cog loaded."""

from __future__ import annotations

import pytest

from bot.testing import FrozenClock, MemoryAdapter, make_test_bot
from tests.discord.conftest import discord_double, start_kindred  # noqa: F401  (the Discord double's fixtures)

COGS = ["cogs.privacy", "cogs.mindfulness"]


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def mindful(tmp_path, clock):
    """(bot, chat adapter, moderator, member) on a fresh database."""
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[MemoryAdapter()], clock=clock) as (bot, chat):
        yield bot, chat, chat.user("mod", moderator=True), chat.user("sam")


def texts(sent) -> str:
    return "\n".join(item.text for item in sent)


async def catch_up(bot, chat) -> int:
    """Run what fell due (as the bot does at startup); returns how many prompts were posted publicly."""
    before = len([s for s in chat.sent if s.private_to is None])
    await bot.scheduler.run_due()
    return len([s for s in chat.sent if s.private_to is None]) - before
