"""Fixtures for Discord tests: a fresh local Discord API double per test, with discord.py pointed at it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the double's modules, for the bench as for the tests

from discord_double import DiscordDouble, point_discord_py_at


@pytest.fixture
async def discord_double():
    double = await DiscordDouble().start()
    with point_discord_py_at(double):
        yield double
    await double.stop()
    # A bug in the double answers 400, which would otherwise pass for Discord refusing the call.
    assert not double.errors, double.errors


@pytest.fixture
def start_kindred(tmp_path, discord_double):
    """Start Kindred on Discord (the double), with the probe cog; call again for a restart on the same DB."""
    from bot.adapters.discord import DiscordAdapter
    from bot.config import CommunitySettings, DiscordSettings
    from bot.testing import make_test_bot, settings_for_tests

    def start(cogs: list[str] | None = None, **discord_overrides):
        options = dict(
            token=discord_double.token,
            api_base=discord_double.api_base,
            gateway_url=discord_double.gateway_url,
            moderator_role="Peer Moderator",
        )
        options.update(discord_overrides)
        # The double's server is the community's (an unmapped server is no community's: docs/security.md).
        settings = settings_for_tests(
            tmp_path,
            discord=DiscordSettings(**options),
            community=CommunitySettings(discord_guilds=[str(discord_double.guild_id)]),
        )
        adapter = DiscordAdapter(settings, guild_ready_timeout=0.05)
        return make_test_bot(
            tmp_path, cogs=cogs or ["cogs.privacy", "probe_cog"], adapters=[adapter], settings=settings
        )

    return start


@pytest.fixture
async def kindred(start_kindred, discord_double):
    """(bot, adapter, double) with Kindred logged in to the double and ready."""
    async with start_kindred() as (bot, adapter):
        yield bot, adapter, discord_double
