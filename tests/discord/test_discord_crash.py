"""Exactly once on Discord, with real processes (issue 18): a `kindred run` process is killed with
SIGKILL while the double holds the send the test aims at, started again, and what Discord shows is
counted. The three points:
- "request": the send never reached Discord (the process died with it in flight);
- "answer": Discord made the message, the answer never came back (killed while waiting for it);
- "passed": the answer came back, and the test held SQLite's write lock from that moment, so the bot
  could record neither the message (outbox) nor the run (ledger) before it was killed.
The double deduplicates by nonce as Discord documents it; the bot's restart comes within Discord's
window (tests/crash/harness.py: its clock starts 30 s after the first run's)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests.crash.harness import (
    SETTLE_SECONDS,
    T0,
    BotProcess,
    WriteLock,
    prepare,
    raise_alert_due_at,
    settled,
    until,
)

POINTS = ["request", "answer", "passed"]
CRISIS = "honestly i want to die tonight, i cant do this anymore"
DEADLINE = 60.0


def write_config(tmp_path: Path, double) -> Path:
    (tmp_path / "data").mkdir()
    config = tmp_path / "kindred.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "data" / "kindred.db"}"\n\n'
        f'[community]\ndiscord_guilds = ["{double.guild_id}"]\n\n'
        f'[discord]\ntoken = "{double.token}"\napi_base = "{double.api_base}"\n'
        f'gateway_url = "{double.gateway_url}"\n')
    return config


async def kill_at(point: str, bot: BotProcess, hold, lock: WriteLock) -> None:
    await until(hold.arrived.is_set, "the send the test holds", DEADLINE)
    if point != "request":
        await until(hold.answered.is_set, "Discord to make the message", DEADLINE)
    if point == "passed":
        await asyncio.sleep(0.3)  # the answer reaches the bot, which then waits on the lock the test holds
    await bot.kill()
    lock.release()
    hold.release.set()


@pytest.mark.parametrize("point", POINTS)
async def test_a_one_off_reminder_killed_at_its_send_reaches_the_channel_and_the_moderator_once(
        tmp_path, discord_double, point):
    """A crisis re-alert, a one-off schedule like a meetup's reminder: the issue's "lost for good"."""
    double = discord_double
    config = write_config(tmp_path, double)
    database = tmp_path / "data" / "kindred.db"
    moderators = {"platform": "discord", "place_id": str(double.moderators_id), "scope_id": str(double.guild_id)}
    await prepare(config, lambda bot: raise_alert_due_at(bot, moderators, T0))
    lock = WriteLock(database)
    hold = double.hold("POST", rf"/channels/{double.moderators_id}/messages$", point,
                       on_answer=lock.take if point == "passed" else None)
    bot = BotProcess(config, tmp_path)
    try:
        await bot.start(T0, wait_started=False)  # the re-alert is due at once: the startup's catch-up sends it
        await kill_at(point, bot, hold, lock)
        await bot.start(T0 + timedelta(seconds=30))
        await until(lambda: settled(database), "the restarted bot to finish what the crash left", SETTLE_SECONDS)
    finally:
        lock.release()
        await bot.stop()
    realerts = Counter(m.channel_id for m in double.sent if "Still unacknowledged (1x)" in m.text())
    assert realerts == {double.moderators_id: 1, double.dm_channels[double.owner.id]: 1}
    assert double.nonce_repeats == (0 if point == "request" else 1)


@pytest.mark.parametrize("point", POINTS)
async def test_a_crisis_message_killed_at_its_alert_gets_one_alert_and_one_reply(tmp_path, discord_double, point):
    """Discord never delivers the member's message again: the alert row, written before anything was
    sent, and its finishing run complete the alert and the reply after the restart."""
    double = discord_double
    config = write_config(tmp_path, double)
    database = tmp_path / "data" / "kindred.db"
    moderators = {"platform": "discord", "place_id": str(double.moderators_id), "scope_id": str(double.guild_id)}

    async def alert_channel(bot):
        await bot.community_settings(1, "crisis").set("alert_place", moderators)

    await prepare(config, alert_channel)
    lock = WriteLock(database)
    hold = double.hold("POST", rf"/channels/{double.moderators_id}/messages$", point,
                       on_answer=lock.take if point == "passed" else None)
    bot = BotProcess(config, tmp_path)
    try:
        await bot.start(T0)
        await double.user_says(double.alex, double.general_id, CRISIS)
        await kill_at(point, bot, hold, lock)
        await bot.start(T0 + timedelta(seconds=60))
        await until(lambda: settled(database), "the restarted bot to finish the alert", SETTLE_SECONDS)
    finally:
        lock.release()
        await bot.stop()
    alerts = [m for m in double.sent if m.channel_id == double.moderators_id and "Crisis alert" in m.text()]
    replies = [m for m in double.sent if m.channel_id == double.dm_channels.get(double.alex.id)
               and "Are you safe right now?" in m.text()]
    assert (len(alerts), len(replies)) == (1, 1)
    assert CRISIS not in alerts[0].text()
    assert len(alerts[0].custom_ids) == 1 and "crisis.ack" in alerts[0].custom_ids[0]
