"""Many messages at once on Discord: each member's DM channel is remembered (one request per DM after the
first, across restarts), and the bot keeps under Discord's global request limit, which the double
enforces here as Discord does (429 with "global": true past 20 requests a second in this test)."""

from __future__ import annotations

import asyncio

import pytest
from discord_double import DiscordDouble, point_discord_py_at

from bot.model import UserRef

LIMIT = 20  # requests a second, for this test (Discord's is 50)


@pytest.fixture
async def discord_double():
    double = await DiscordDouble(latency=0.01, global_limit=LIMIT).start()
    with point_discord_py_at(double):
        yield double
    await double.stop()
    assert not double.errors, double.errors


def requests_of(double, since: int) -> list[str]:
    return [
        f"{r.method} {'/users/@me/channels' if r.path == '/users/@me/channels' else r.path.split('/')[-1]}"
        for r in double.requests[since:]
        if r.status < 400
    ]


async def test_a_members_dm_channel_is_opened_once_and_remembered_across_a_restart(
    start_kindred, discord_double
):
    double = discord_double
    people = [double.add_member(f"member{n}") for n in range(3)]
    users = [UserRef("discord", str(person.id), person.username) for person in people]
    async with start_kindred(cogs=["cogs.privacy"], requests_per_second=LIMIT) as (bot, _adapter):
        for user in users[:2]:  # two members (the third stays a stranger)
            await bot.consent.record(user, "checkins", "Check-ins keep your answers.")
        before = len(double.requests)
        for user in users:
            await bot.send_private(user, "first")
        assert requests_of(double, before).count("POST /users/@me/channels") == 3
        before = len(double.requests)
        for user in users:
            await bot.send_private(user, "second")
        assert requests_of(double, before) == ["POST messages"] * 3  # one request each
        kept = {row[0] for row in await bot.db.fetchall("SELECT direct_place FROM identities")}
        assert kept == {str(double.dm_channels[person.id]) for person in people[:2]}  # members' only
    async with start_kindred(cogs=["cogs.privacy"], requests_per_second=LIMIT) as (bot, _adapter):
        before = len(double.requests)
        for user in users:
            await bot.send_private(user, "after a restart")
        # The members' channels came back with them; the stranger's was never kept.
        assert requests_of(double, before) == [
            "POST messages",
            "POST messages",
            "POST /users/@me/channels",
            "POST messages",
        ]
    received = [m.text() for m in double.sent if m.channel_id == double.dm_channels[people[0].id]]
    assert received == ["first", "second", "after a restart"]


async def test_many_messages_at_once_stay_under_discords_global_limit(start_kindred, discord_double):
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy"], requests_per_second=LIMIT) as (bot, adapter):
        place = adapter.place_ref(double.general_id, double.guild_id)
        before = len(double.sent)
        await asyncio.wait_for(
            asyncio.gather(*(bot.send(place, f"message {n}") for n in range(2 * LIMIT))), 30
        )
        assert len(double.sent) - before == 2 * LIMIT
        assert double.global_refusals == 0  # paced, never refused


async def test_without_the_pace_the_double_refuses_as_discord_would(start_kindred, discord_double):
    """The same burst with the adapter's pace lifted: the double answers 429s (discord.py then waits
    them out), so the test above would see them if the bot did not keep under the limit."""
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy"], requests_per_second=LIMIT) as (bot, adapter):
        adapter.pace.limit = 10**6
        place = adapter.place_ref(double.general_id, double.guild_id)
        await asyncio.wait_for(
            asyncio.gather(*(bot.send(place, f"message {n}") for n in range(2 * LIMIT))), 30
        )
        assert double.global_refusals > 0
