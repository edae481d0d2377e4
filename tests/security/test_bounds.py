"""Nothing a member or a stranger does grows without bound: stored items have caps with kind answers,
and in-memory tables forget what is past (issue 17, item 7)."""

from __future__ import annotations

from bot.core import RateLimiter
from bot.model import UserRef
from bot.testing import make_test_bot
from cogs.mindfulness.suggestions import PENDING_PER_MEMBER


async def test_a_member_has_at_most_ten_suggestions_waiting(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=["cogs.privacy", "cogs.mindfulness"], clock=clock) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        amy = chat.user("amy")
        asked = await chat.say(amy, "!optin mindfulness")
        await chat.press(amy, chat.find_choice(asked[-1], "I agree"))
        for number in range(PENDING_PER_MEMBER + 5):
            replies = await chat.say(amy, f"!suggest What helped you today, friend number {number}?")
        assert f"You have {PENDING_PER_MEMBER} suggestions waiting already" in replies[-1].text
        assert await bot.db.fetchval("SELECT COUNT(*) FROM mindfulness_suggestions") == PENDING_PER_MEMBER


async def test_two_thousand_strangers_leave_nothing_behind(tmp_path, clock, monkeypatch):
    seconds = [0.0]
    monkeypatch.setattr("bot.core.time.monotonic", lambda: seconds[0])
    limiter = RateLimiter(limit=12, window=30.0)
    for number in range(2000):
        limiter.check(UserRef("matrix", f"@stranger{number}:example.org"))
    assert len(limiter) == 2000  # within the window they are remembered...
    seconds[0] = 61.0
    limiter.check(UserRef("matrix", "@one-more:example.org"))
    assert len(limiter) == 1  # ...and forgotten once it has passed

    async with make_test_bot(tmp_path, cogs=["cogs.privacy", "cogs.checkins"], clock=clock) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        for number in range(2000):  # asked to join, never agreed
            await chat.say(chat.user(f"stranger{number}"), "!checkin start 20:00")
        waiting = bot.get_cog("checkins").start_requests
        assert len(waiting) == 2000
        assert await bot.db.fetchval("SELECT COUNT(*) FROM members") == 0, "nothing stored before consent"
        clock.advance(days=2, minutes=1)
        await chat.say(chat.user("newcomer"), "!checkin start 20:00")
        assert len(waiting) == 1
