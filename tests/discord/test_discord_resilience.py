"""Kindred on Discord when Discord misbehaves, and across restarts."""

from __future__ import annotations

import asyncio
import logging

import discord
import pytest

from bot.adapters.discord import DeliveryFailed
from bot.model import PlaceRef

MESSAGES_ROUTE = r"^/channels/\d+/messages$"


def channel(double) -> PlaceRef:
    return PlaceRef("discord", str(double.general_id), scope_id=str(double.guild_id))


async def test_rate_limited_send_is_retried_and_arrives_once(kindred):
    bot, _adapter, double = kindred
    double.fail_next("POST", MESSAGES_ROUTE, status=429, retry_after=0.1)
    await bot.send(channel(double), "Today's reflection is up.")
    attempts = [r.status for r in double.requests if r.method == "POST" and r.path.endswith("/messages")]
    assert attempts == [429, 200]
    assert [m.content for m in double.sent].count("Today's reflection is up.") == 1


async def test_rate_limited_interaction_answer_still_arrives(kindred):
    _bot, _adapter, double = kindred
    double.fail_next("POST", r"/callback$", status=429, retry_after=0.1)
    reply = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe secret"))
    assert reply.content == "Only you can see this."


async def test_failed_send_is_reported_not_lost(kindred, caplog):
    bot, _adapter, double = kindred
    double.fail_next("POST", MESSAGES_ROUTE, status=400)
    with caplog.at_level(logging.ERROR), pytest.raises(DeliveryFailed):
        await bot.send(channel(double), "A reminder nobody will see")
    assert any(r.message == "discord rejected" for r in caplog.records)
    assert all("A reminder" not in r.getMessage() for r in caplog.records)  # never log message content

    double.fail_next("POST", MESSAGES_ROUTE, status=403)
    with pytest.raises(discord.Forbidden):  # a missing permission is for the caller to explain
        await bot.send(channel(double), "No permission here")


async def test_closed_dms_are_explained_in_the_channel(kindred):
    _bot, _adapter, double = kindred
    double.fail_next("POST", MESSAGES_ROUTE, status=403)  # the DM is refused (Discord: code 50007)
    await double.user_says(double.alex, double.general_id, "!probe secret")
    notice = await double.wait_for_message(lambda m: "direct messages are closed" in m.content, "the notice")
    assert notice.channel_id == double.general_id and "Only you can see this" not in notice.content
    assert notice.mentions.users == [double.alex.id]


async def test_closed_gateway_is_resumed_and_the_bot_keeps_working(kindred):
    _bot, _adapter, double = kindred
    await double.close_gateway()
    await double.wait_until(lambda: double.resumes == 1, "the RESUME", within=10)
    reply = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe secret"))
    assert reply.content == "Only you can see this."
    assert len(double.identify_payloads) == 1  # resumed the session, did not log in again


async def test_commands_sync_only_when_changed_and_buttons_survive_a_restart(start_kindred, discord_double):
    double = discord_double
    async with start_kindred() as (_bot, adapter):
        assert adapter.synced_on_start and double.command_syncs == 1
        question = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe mood"))

    async with start_kindred() as (_bot, adapter):
        assert not adapter.synced_on_start and double.command_syncs == 1  # same declarations: no upload
        answer = await double.wait_reply(
            await double.press(double.alex, question.id, "kindred:c:probe.mood:good")
        )
        assert answer.content == "Noted: good."

    async with start_kindred(cogs=["cogs.privacy"]) as (_bot, adapter):  # the probe cog removed
        assert adapter.synced_on_start and double.command_syncs == 2
        assert "probe" not in {c["name"] for c in double.global_commands}


async def test_without_message_content_intent_slash_commands_and_mentions_still_work(
    start_kindred, discord_double
):
    double = discord_double
    async with start_kindred(message_content=False):
        assert not discord.Intents._from_value(double.intents).message_content
        reply = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe secret"))
        assert reply.content == "Only you can see this."
        # A typed command reaches the bot empty; one that mentions it arrives whole and is answered.
        await double.user_says(double.alex, double.general_id, "!probe echo unread")
        await double.user_says(
            double.alex, double.general_id, f"<@{double.bot_user.id}> probe echo by mention"
        )
        await double.wait_for_message(
            lambda m: m.kind == "channel" and "by mention" in m.text(), "the answer"
        )
        assert not any("unread" in m.text() for m in double.sent)


async def test_setup_mistakes_are_explained(tmp_path, discord_double):
    from bot.adapters.discord import DiscordAdapter, DiscordSetupError
    from bot.config import DiscordSettings
    from bot.core import Kindred
    from bot.testing import settings_for_tests

    discord_double.message_content_allowed = False  # the portal switch left off
    for token, explanation in [
        ("not-the-token", "refused the bot token"),
        (discord_double.token, "Message Content Intent"),
    ]:
        settings = settings_for_tests(
            tmp_path,
            discord=DiscordSettings(
                token=token, api_base=discord_double.api_base, gateway_url=discord_double.gateway_url
            ),
        )
        bot = Kindred(settings)
        bot.add_adapter(DiscordAdapter(settings, guild_ready_timeout=0.05))
        try:
            with pytest.raises(DiscordSetupError, match=explanation):
                await asyncio.wait_for(bot.start(cogs=["cogs.privacy"]), 10)
        finally:
            await bot.close()


async def test_a_connection_lost_for_good_is_reported(kindred, caplog):
    _bot, adapter, double = kindred
    double.token = "revoked"  # the token was reset in the portal: resuming and identifying both fail
    with caplog.at_level(logging.CRITICAL):
        await double.close_gateway()
        await double.wait_until(
            lambda: any(r.message == "discord connection lost for good" for r in caplog.records),
            "the critical log line",
            within=10,
        )
