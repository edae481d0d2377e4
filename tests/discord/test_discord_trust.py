"""Who is a moderator where, on the Discord double with two servers: owning a server nobody mapped
grants nothing over the community (issue 17's escalation, as it would go on Discord)."""

from __future__ import annotations

from bot.model import UserRef


async def test_owning_a_server_nobody_mapped_makes_nobody_a_moderator(start_kindred, discord_double):
    double = discord_double
    amy = double.add_member("amy")  # a member of the community's server, no permissions there
    own_guild, own_channel = double.add_guild("Amy's server", owner=amy)  # she added the bot to hers
    async with start_kindred(cogs=["cogs.privacy", "cogs.crisis"]) as (bot, adapter):
        before = await bot.community_settings(1, "crisis").all()
        refused = await double.wait_reply(await double.slash(amy, double.general_id, "crisisadmin show"))
        assert "is for moderators" in refused.text() and refused.ephemeral

        for command in ("crisisadmin alerts", "crisisadmin show"):
            refused = await double.wait_reply(await double.slash(amy, own_channel, command))
            assert "isn't part of a community" in refused.text() and refused.ephemeral
        await double.user_says(amy, own_channel, "!crisisadmin monitor off")
        typed = await double.wait_for_message(
            lambda m: m.kind == "channel" and "isn't part of a community" in m.text(),
            "the refusal of a typed command",
        )
        assert typed.channel_id == double.dm_channel_of(amy), "refused privately, in her DM"

        assert not await adapter.is_moderator(UserRef("discord", str(amy.id)), 1)
        assert await adapter.is_moderator(UserRef("discord", str(double.morgan.id)), 1)
        assert await bot.community_settings(1, "crisis").all() == before, (
            "the community's settings are untouched"
        )

        # The community's own moderator still is one in the community's server.
        shown = await double.wait_reply(
            await double.slash(double.morgan, double.general_id, "crisisadmin show")
        )
        assert "Alerts go to" in shown.text()
        assert own_guild in {g.id for g in adapter.client.guilds}
