"""A started bot with the privacy and crisis cogs, a moderator, and an alert channel set up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core import RateLimiter
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot


@pytest.fixture
def clock() -> FrozenClock:
    # A fixed moment (Thursday 3 December 2026, 22:00 UTC: late evening, when crises often come);
    # re-alerts fall due only when a test moves it and calls `scheduler.run_due()`.
    return FrozenClock(datetime(2026, 12, 3, 22, 0, tzinfo=UTC))


@pytest.fixture
async def crisis_bot(tmp_path, clock):
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[MemoryAdapter()], clock=clock
    ) as (bot, chat):
        # These flows take more steps than the per-member limit of 12 per 30 s (tested in core).
        bot.rate_limiter = RateLimiter(limit=1000)
        mod = chat.user("mo", moderator=True)
        await chat.say(mod, "!crisisadmin alerts", place=chat.channel("mods"))
        yield bot, chat, mod
