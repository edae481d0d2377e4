"""One crisis alert and one reply per member message, whatever the crash point (issue 18), in one
process: the handling is stopped half way (cancelled where a crash would kill it), then the bot starts
again on the same database and the same platform (the test kit's adapter answers a resend by its
token with the message it already made, as Discord and Matrix do).

Two ways a platform behaves after a crash: Matrix delivers the message again (its sync token is saved
only after the handling), Discord never does. Both are here; the real processes are in tests/crash/."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.core import RateLimiter
from bot.testing import FrozenClock, MemoryAdapter, crash_when_stalled, make_test_bot

COGS = ["cogs.privacy", "cogs.crisis"]
CRISIS = "honestly i want to die tonight, i cant do this anymore"
CONCERN = "everyone would be better off without me"  # not imminent: a repeat of it can be held back
START = datetime(2026, 12, 3, 22, 0, tzinfo=UTC)


class Platform(MemoryAdapter):
    """Kept across restarts: what the moderators and members read."""

    def alerts(self) -> list:
        return [s for s in self.sent if (s.content.title or "").startswith("Crisis alert")]

    def realerts(self) -> list:
        return [s for s in self.sent if (s.content.title or "").startswith("Still unacknowledged")]

    def replies_to(self, name: str) -> list:
        return [
            s
            for s in self.sent
            if s.private_to and s.private_to.name == name and "Are you safe right now?" in s.text
        ]


class Community:
    """A bot with crisis support, started and stopped on one database and one platform."""

    def __init__(self, tmp_path):
        self.tmp_path, self.platform, self.clock = tmp_path, Platform(), FrozenClock(START)

    def run(self):
        return make_test_bot(self.tmp_path, cogs=COGS, adapters=[self.platform], clock=self.clock)

    async def set_up(self):
        async with self.run() as (bot, chat):
            mod = chat.user("mo", moderator=True)
            await chat.say(mod, "!crisisadmin alerts", place=chat.channel("mods"))

    async def crash_during(self, act, where: str, before: bool):
        """Start the bot, do `act(bot, chat)` until the send to `where` hangs, then stop the process there."""
        async with self.run() as (bot, chat):
            bot.rate_limiter = RateLimiter(limit=1000)
            self.platform.stall(where, before)
            await crash_when_stalled(self.platform, act(bot, chat))


def ana(chat):
    return chat.user("ana")


@pytest.mark.parametrize("stalled", ["mods", "ana-id"], ids=["during-the-alert", "during-the-reply"])
@pytest.mark.parametrize("before", [True, False], ids=["request-lost", "answer-lost"])
async def test_a_message_delivered_again_after_a_crash_raises_one_alert_and_one_reply(
    tmp_path, stalled, before
):
    """Matrix: the message comes again after the restart, with the same event id."""
    community = Community(tmp_path)
    await community.set_up()
    await community.crash_during(
        lambda bot, chat: chat.say(ana(chat), CRISIS, event_id="$ev1"), stalled, before
    )
    community.clock.advance(seconds=10)
    async with community.run() as (bot, chat):
        await chat.say(ana(chat), CRISIS, event_id="$ev1")
        assert len(community.platform.alerts()) == 1
        assert len(community.platform.replies_to("ana")) == 1
        assert await bot.db.fetchval("SELECT COUNT(*) FROM crisis_alerts") == 1
        assert (
            await bot.db.fetchval("SELECT COUNT(*) FROM crisis_alerts WHERE pending_member IS NOT NULL") == 0
        )


@pytest.mark.parametrize("stalled", ["mods", "ana-id"], ids=["during-the-alert", "during-the-reply"])
@pytest.mark.parametrize("before", [True, False], ids=["request-lost", "answer-lost"])
async def test_a_message_never_delivered_again_is_finished_after_the_restart(tmp_path, stalled, before):
    """Discord: the gateway does not deliver the message again. The alert row, written before anything
    was sent, and its finishing run complete the alert and the reply, once each."""
    community = Community(tmp_path)
    await community.set_up()
    await community.crash_during(lambda bot, chat: chat.say(ana(chat), CRISIS), stalled, before)
    community.clock.advance(minutes=1)
    async with community.run() as (bot, chat):
        assert len(community.platform.alerts()) == 1
        assert len(community.platform.replies_to("ana")) == 1
        assert (
            await bot.db.fetchval("SELECT COUNT(*) FROM crisis_alerts WHERE pending_member IS NOT NULL") == 0
        )
        assert await bot.db.fetchval("SELECT COUNT(*) FROM schedules WHERE key LIKE 'finish:%'") == 0


async def test_the_cooldown_survives_a_restart(tmp_path):
    community = Community(tmp_path)
    await community.set_up()
    async with community.run() as (bot, chat):
        await chat.say(ana(chat), CONCERN)
    community.clock.advance(minutes=5)
    async with community.run() as (bot, chat):
        assert await chat.say(ana(chat), CONCERN) == []  # a repeat within the hour stays quiet
    assert len(community.platform.alerts()) == 1
    assert len(community.platform.replies_to("ana")) == 1


async def test_the_cooldown_is_kept_under_a_digest_and_goes_with_forgetme(tmp_path):
    community = Community(tmp_path)
    await community.set_up()
    async with community.run() as (bot, chat):
        await chat.say(ana(chat), CRISIS)
        (who,) = [row[0] for row in await bot.db.fetchall("SELECT who FROM crisis_cooldowns")]
        assert "ana" not in who
        asked = await chat.dm(ana(chat), "!forgetme")
        await chat.press(ana(chat), chat.find_choice(asked[-1], "Erase everything"))
        assert await bot.db.fetchval("SELECT COUNT(*) FROM crisis_cooldowns") == 0


async def realert_cut_short(tmp_path) -> Community:
    """Ana's alert, then its first re-alert killed once the channel has it but before the answer came."""
    community = Community(tmp_path)
    await community.set_up()
    async with community.run() as (bot, chat):
        await chat.say(ana(chat), CRISIS)

    async def realert_round(bot, chat) -> None:
        community.clock.advance(minutes=10)
        await bot.scheduler.run_due()

    await community.crash_during(realert_round, "mods", before=False)
    return community


async def test_a_realert_cut_short_by_a_crash_reaches_everyone_once(tmp_path):
    community = await realert_cut_short(tmp_path)
    community.clock.advance(seconds=30)
    async with community.run() as (bot, chat):
        realerts = community.platform.realerts()
        assert sorted(s.place.place_id for s in realerts) == [
            "dm-mo-id",
            "mods",
        ]  # the channel and mo, once each
        assert all("(1x)" in s.content.title for s in realerts)
        assert await bot.db.fetchval("SELECT realerts FROM crisis_alerts") == 1


async def test_a_realert_unconfirmed_past_the_platforms_window_is_given_up_and_the_moderators_told(tmp_path):
    community = await realert_cut_short(tmp_path)
    community.clock.advance(minutes=10)  # down longer than the platform recognises a resend
    async with community.run() as (bot, chat):
        notices = [
            s for s in community.platform.sent if "may not have reached everyone" in (s.content.title or "")
        ]
        assert sorted(s.place.place_id for s in notices) == ["dm-mo-id", "mods"]
        assert "`!crisisadmin open`" in notices[0].text
        assert [s.place.place_id for s in community.platform.realerts()] == ["mods", "dm-mo-id"]
