"""A started bot with the privacy and crisis cogs, a moderator, and an alert channel set up."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.core import RateLimiter
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot


@pytest.fixture
def clock() -> FrozenClock:
    # A day ahead of the real clock: APScheduler runs on real time, so one-off re-alerts scheduled
    # from this clock stay in its future and only `scheduler.run_due(clock.now())` fires them.
    return FrozenClock(datetime.now(UTC).replace(microsecond=0) + timedelta(days=1))


@pytest.fixture
async def crisis_bot(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[MemoryAdapter()],
                             clock=clock) as (bot, chat):
        # These flows take more steps than the per-member limit of 12 per 30 s (tested in core).
        bot.rate_limiter = RateLimiter(limit=1000)
        mod = chat.user("mo", moderator=True)
        await chat.say(mod, "!crisisadmin alerts", place=chat.channel("mods"))
        yield bot, chat, mod
