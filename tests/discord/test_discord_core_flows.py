"""The core's own member flows on Discord: consent, export and erasure, all privately."""

from __future__ import annotations

import json

from bot.model import UserRef


async def test_consent_export_and_erasure_stay_private(start_kindred, discord_double):
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy", "cogs.meetups"]) as (bot, _adapter):
        asked = await double.wait_reply(
            await double.slash(double.alex, double.general_id, "optin", {"feature": "meetups"})
        )
        assert asked.ephemeral and asked.embeds[0]["title"] == "Before we start"
        agree = next(i for i in asked.custom_ids if i.startswith("kindred:c:consent:agree"))
        await double.wait_reply(await double.press(double.alex, asked.id, agree))
        alex = UserRef("discord", str(double.alex.id))
        assert await bot.members.lookup(alex) is not None

        export = await double.wait_reply(await double.slash(double.alex, double.general_id, "mydata"))
        assert export.ephemeral and export.files[0].filename == "kindred-my-data.json"
        assert f"discord:{double.alex.id}" in json.dumps(json.loads(export.files[0].data))

        confirm = await double.wait_reply(await double.slash(double.alex, double.general_id, "forgetme"))
        assert confirm.ephemeral and confirm.custom_ids == [
            "kindred:c:privacy.forget:yes",
            "kindred:c:privacy.forget:no",
        ]
        erased = await double.wait_reply(
            await double.press(double.alex, confirm.id, "kindred:c:privacy.forget:yes")
        )
        assert erased.content.startswith("Done.") and erased.ephemeral
        assert await bot.members.lookup(alex) is None
        assert all(m.channel_id != double.general_id or m.ephemeral for m in double.sent)  # nothing public


async def test_crisis_on_discord_answers_privately_and_alerts_moderators(start_kindred, discord_double):
    """A member in distress in a public channel: a private reply, an alert without their words, a claim."""
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy", "cogs.crisis"]):
        set_up = await double.wait_reply(
            await double.slash(double.morgan, double.moderators_id, "crisisadmin alerts")
        )
        assert set_up.ephemeral

        words = "i keep thinking about killing myself"
        await double.user_says(double.alex, double.general_id, words)
        alert = await double.wait_for_message(
            lambda m: (
                m.channel_id == double.moderators_id
                and any(i.startswith("kindred:c:crisis.ack:") for i in m.custom_ids)
            ),
            "the alert",
        )
        assert words not in alert.text() and not alert.mentions.everyone
        await double.wait_for_message(
            lambda m: m.channel_id == double.dm_channels.get(double.alex.id),
            "the private answer to the member",
        )
        assert not any(m.channel_id == double.general_id for m in double.sent)  # and nothing public

        (ack,) = [i for i in alert.custom_ids if i.startswith("kindred:c:crisis.ack:")]
        pressed = await double.press(double.morgan, alert.id, ack)
        # The other moderators see who took it (an edit of the alert, or a note under it)...
        await double.wait_for_message(
            lambda m: m.channel_id == double.moderators_id and "acknowledged by morgan" in m.text().lower(),
            "the alert marked as taken",
        )
        # ...and whoever pressed gets a private word; nothing of it is public.
        assert (await double.wait_reply(pressed)).ephemeral
        assert not any(m.channel_id == double.general_id for m in double.sent)
