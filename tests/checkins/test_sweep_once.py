"""The sweep across a crash (issue 18): its claim moves every due member on and writes their messages'
intents in the same transaction, so a process that dies half way through sending loses none of them
and, after the restart, sends none twice. The crash is staged in one process: a send hangs (before
the platform has it, or after), the sweep is stopped there, and the bot starts again on the same
database and platform (the test kit's adapter, which answers a resend by its token as Discord and
Matrix do)."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.outbox import STALE_AFTER
from bot.testing import MemoryAdapter, crash_when_stalled
from tests.checkins.conftest import checkin_bot, join

EVENING = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
CHECK_IN = "Your daily check-in"
NUDGE = "Just a gentle nudge"
NAMES = ("ana", "ben", "cai")


def restart_after(clock, engine: str, platform: MemoryAdapter, seconds: int = 40) -> None:
    """The bot comes back `seconds` later. On a database replicas share (PostgreSQL), what a dead
    process left is taken as a dead replica's only once it is STALE_AFTER old (a live one may still be
    sending it), so the restart finishes it after that; the platform here recognises resends that long
    (as Matrix does, for a day)."""
    if engine == "postgresql":
        clock.advance(seconds=STALE_AFTER.total_seconds())
        platform.resend_window = timedelta(hours=23)
    clock.advance(seconds=seconds)


def received(platform: MemoryAdapter, what: str) -> Counter:
    """By member (their account's id, "ana-id": a message built again after a crash has no display name)."""
    return Counter(
        s.private_to.user_id.removesuffix("-id")
        for s in platform.sent
        if s.private_to and (s.content.title == what or s.content.text.startswith(what))
    )


async def crash_in_evening_sweep(tmp_path, clock, platform, stalled: str, before: bool, then=None) -> None:
    """Three members join; the evening's sweep is killed when its message to `stalled` hangs."""
    async with checkin_bot(tmp_path, clock, platform) as (bot, chat):
        for name in NAMES:
            await join(chat, chat.user(name))
        clock.set(EVENING)
        platform.stall(stalled, before)
        await crash_when_stalled(platform, bot.get_cog("checkins").sweep())
        if then is not None:
            await then(bot, chat)


@pytest.mark.parametrize("before", [True, False], ids=["request-lost", "answer-lost"])
async def test_a_sweep_killed_half_way_sends_each_check_in_once_after_the_restart(
    tmp_path, clock, before, engine
):
    platform = MemoryAdapter()
    await crash_in_evening_sweep(tmp_path, clock, platform, "ben-id", before)
    assert received(platform, CHECK_IN) == Counter({"ana": 1} if before else {"ana": 1, "ben": 1})

    restart_after(clock, engine, platform)
    async with checkin_bot(tmp_path, clock, platform) as (bot, chat):
        assert received(platform, CHECK_IN) == Counter(dict.fromkeys(NAMES, 1))
        assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE status != 'sent'") == 0
        assert (await bot.get_cog("checkins").sweep()).checkins == 0  # and nothing is claimed again


async def test_a_reminder_sweep_killed_half_way_nudges_each_member_once(tmp_path, clock, engine):
    platform = MemoryAdapter()
    async with checkin_bot(tmp_path, clock, platform) as (bot, chat):
        for name in NAMES:
            await join(chat, chat.user(name))
        clock.set(EVENING)
        await bot.get_cog("checkins").sweep()
        clock.set(EVENING + timedelta(hours=3))
        platform.stall("ana-id", before=True)
        await crash_when_stalled(platform, bot.get_cog("checkins").sweep())
    assert received(platform, NUDGE) == Counter()

    restart_after(clock, engine, platform, seconds=60)
    async with checkin_bot(tmp_path, clock, platform):
        assert received(platform, NUDGE) == Counter(dict.fromkeys(NAMES, 1))


async def test_a_claimed_check_in_is_not_sent_after_a_restart_to_someone_who_left_meanwhile(
    tmp_path, clock, engine
):
    platform = MemoryAdapter()

    async def cai_leaves(bot, chat):
        await bot.consent.revoke(await bot.members.lookup(chat.user("cai")), "checkins")

    await crash_in_evening_sweep(tmp_path, clock, platform, "ana-id", True, then=cai_leaves)
    restart_after(clock, engine, platform)
    async with checkin_bot(tmp_path, clock, platform) as (bot, chat):
        assert received(platform, CHECK_IN) == Counter({"ana": 1, "ben": 1})


async def test_past_the_sweeps_grace_a_claimed_check_in_is_not_sent_late(tmp_path, clock):
    platform = MemoryAdapter()
    await crash_in_evening_sweep(tmp_path, clock, platform, "ana-id", True)
    clock.advance(hours=5)  # down overnight: a check-in at 1 am would be worse than none
    async with checkin_bot(tmp_path, clock, platform) as (bot, chat):
        assert received(platform, CHECK_IN) == Counter()
        assert (
            await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE status IN ('claimed', 'sending')") == 0
        )
