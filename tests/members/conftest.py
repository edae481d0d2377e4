"""What members meet, typed as they type it: the console adapter in-process on a frozen clock.

`console.type("!checkin now")` returns exactly what the terminal printed for that line, so a test reads
like the walk a new community took through Kindred.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.config import CommunitySettings
from bot.testing import FrozenClock, make_test_bot, settings_for_tests

# Friday 4 December 2026, 12:00 UTC.
START = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
ALL_COGS = ["cogs.privacy", "cogs.crisis", "cogs.checkins", "cogs.meetups", "cogs.mindfulness"]


class Console:
    """One terminal: type lines as the current member, read what was printed for them."""

    def __init__(self, bot, adapter: ConsoleAdapter, out: io.StringIO):
        self.bot, self.adapter, self.out = bot, adapter, out

    async def type(self, *lines: str) -> str:
        """Type each line; returns everything printed meanwhile."""
        start = len(self.out.getvalue())
        for line in lines:
            await self.adapter.handle_line(line)
        return self.out.getvalue()[start:]

    async def as_member(self, name: str) -> None:
        await self.type(f":as {name}")


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def console(tmp_path, clock):
    out = io.StringIO()
    adapter = ConsoleAdapter(stdin=io.StringIO(), stdout=out, files_dir=tmp_path / "files")
    settings = settings_for_tests(tmp_path, community=CommunitySettings(name="Kindred", timezone="UTC"))
    async with make_test_bot(tmp_path, cogs=ALL_COGS, adapters=[adapter], settings=settings, clock=clock) as (
        bot,
        _,
    ):
        bot.rate_limiter.limit = 10_000
        bot.get_cog("meetups").service.refresh_interval = 0
        yield Console(bot, adapter, out)
