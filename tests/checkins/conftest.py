"""A started bot with the check-ins cog on a real SQLite file, a frozen clock, and helpers to join."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from bot.testing import FrozenClock, MemoryAdapter, make_test_bot

COGS = ["cogs.privacy", "cogs.checkins"]
# A day's check-in with its texts (notes and intentions live in checkin_texts until retention deletes them).
ENTRY_WITH_TEXTS = (
    "SELECT e.*, t.intention, t.note FROM checkin_entries e "
    "LEFT JOIN checkin_texts t ON t.member_id = e.member_id AND t.day = e.day"
)


@pytest.fixture
def clock() -> FrozenClock:
    # Friday 27 November 2026, 12:00 UTC.
    return FrozenClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))


@asynccontextmanager
async def checkin_bot(tmp_path, clock, adapter=None):
    """make_test_bot with check-ins; a restart is another checkin_bot on the same tmp_path."""
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[adapter or MemoryAdapter()], clock=clock) as pair:
        # These flows press many buttons quickly; the rate limiter has its own tests in tests/core.
        pair[0].rate_limiter.limit = 10_000
        yield pair


@pytest.fixture
async def env(tmp_path, clock):
    async with checkin_bot(tmp_path, clock) as pair:
        yield pair


async def join(chat, user, args: str = "20:00 Europe/London"):
    """Opt in with `!checkin start ARGS` and agree; returns the bot's confirmation."""
    asked = await chat.say(user, f"!checkin start {args}".strip())
    assert asked[-1].content.title == "Before we start", asked[-1].text
    await chat.press(user, "consent:agree:checkins")
    confirmation = chat.last(user)
    assert "You're in" in confirmation.text, confirmation.text
    return confirmation


async def sweep_at(bot, clock, moment):
    clock.set(moment)
    return await bot.get_cog("checkins").sweep()


def choice(sent, label: str) -> str:
    for c in sent.content.choices:
        if c.label.lower() == label.lower():
            return c.id
    raise AssertionError(f"no choice {label!r} in {[c.label for c in sent.content.choices]}: {sent.text}")
