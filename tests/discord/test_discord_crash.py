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

from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest

from tests.crash.harness import T0, BotProcess, crash_and_restart, held_send, prepare, raise_alert_due_at

POINTS = ["request", "answer", "passed"]
CRISIS = "honestly i want to die tonight, i cant do this anymore"


def set_up(tmp_path: Path, double) -> tuple[Path, Path, dict]:
    """The bot's config (the double's server is the community's), its database, the moderators' channel."""
    (tmp_path / "data").mkdir()
    config = tmp_path / "kindred.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "data" / "kindred.db"}"\n\n'
        f'[community]\ndiscord_guilds = ["{double.guild_id}"]\n\n'
        f'[discord]\ntoken = "{double.token}"\napi_base = "{double.api_base}"\n'
        f'gateway_url = "{double.gateway_url}"\n'
    )
    moderators = {
        "platform": "discord",
        "place_id": str(double.moderators_id),
        "scope_id": str(double.guild_id),
    }
    return config, tmp_path / "data" / "kindred.db", moderators


@pytest.mark.parametrize("point", POINTS)
async def test_a_one_off_reminder_killed_at_its_send_reaches_the_channel_and_the_moderator_once(
    tmp_path, discord_double, point
):
    """A crisis re-alert, a one-off schedule like a meetup's reminder: the issue's "lost for good"."""
    double = discord_double
    config, database, moderators = set_up(tmp_path, double)
    await prepare(config, lambda bot: raise_alert_due_at(bot, moderators, T0))
    hold, lock = held_send(
        double.hold, "POST", rf"/channels/{double.moderators_id}/messages$", point, database
    )
    # The re-alert is due at once: the startup's catch-up sends it. The restart comes 30 s later by its clock.
    await crash_and_restart(
        BotProcess(config, tmp_path), database, hold, lock, point, restart_after=timedelta(seconds=30)
    )
    realerts = Counter(m.channel_id for m in double.sent if "Still unacknowledged (1x)" in m.text())
    assert realerts == {double.moderators_id: 1, double.dm_channels[double.owner.id]: 1}
    assert double.nonce_repeats == (0 if point == "request" else 1)


@pytest.mark.parametrize("point", POINTS)
async def test_a_crisis_message_killed_at_its_alert_gets_one_alert_and_one_reply(
    tmp_path, discord_double, point
):
    """Discord never delivers the member's message again: the alert row, written before anything was
    sent, and its finishing run complete the alert and the reply after the restart."""
    double = discord_double
    config, database, moderators = set_up(tmp_path, double)

    async def alert_channel(bot):
        await bot.community_settings(1, "crisis").set("alert_place", moderators)

    await prepare(config, alert_channel)
    hold, lock = held_send(
        double.hold, "POST", rf"/channels/{double.moderators_id}/messages$", point, database
    )
    await crash_and_restart(
        BotProcess(config, tmp_path),
        database,
        hold,
        lock,
        point,
        act=lambda: double.user_says(double.alex, double.general_id, CRISIS),
    )
    alerts = [m for m in double.sent if m.channel_id == double.moderators_id and "Crisis alert" in m.text()]
    replies = [
        m
        for m in double.sent
        if m.channel_id == double.dm_channels.get(double.alex.id) and "Are you safe right now?" in m.text()
    ]
    assert (len(alerts), len(replies)) == (1, 1)
    assert CRISIS not in alerts[0].text()
    assert len(alerts[0].custom_ids) == 1 and "crisis.ack" in alerts[0].custom_ids[0]
