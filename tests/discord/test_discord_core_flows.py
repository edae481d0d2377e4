"""The core's own member flows on Discord: consent, export and erasure, all privately."""

from __future__ import annotations

import json

from bot.model import UserRef


async def test_consent_export_and_erasure_stay_private(start_kindred, discord_double):
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy", "cogs.meetups"]) as (bot, _adapter):
        asked = await double.wait_reply(await double.slash(double.alex, double.general_id, "optin",
                                                           {"feature": "meetups"}))
        assert asked.ephemeral and asked.embeds[0]["title"] == "Before we start"
        agree = next(i for i in asked.custom_ids if i.startswith("kindred:c:consent:agree"))
        await double.wait_reply(await double.press(double.alex, asked.id, agree))
        alex = UserRef("discord", str(double.alex.id))
        assert await bot.members.lookup(alex) is not None

        export = await double.wait_reply(await double.slash(double.alex, double.general_id, "mydata"))
        assert export.ephemeral and export.files[0].filename == "kindred-my-data.json"
        assert f"discord:{double.alex.id}" in json.dumps(json.loads(export.files[0].data))

        confirm = await double.wait_reply(await double.slash(double.alex, double.general_id, "forgetme"))
        assert confirm.ephemeral and confirm.custom_ids == ["kindred:c:privacy.forget:yes",
                                                            "kindred:c:privacy.forget:no"]
        erased = await double.wait_reply(await double.press(double.alex, confirm.id, "kindred:c:privacy.forget:yes"))
        assert erased.content.startswith("Done.") and erased.ephemeral
        assert await bot.members.lookup(alex) is None
        assert all(m.channel_id != double.general_id or m.ephemeral for m in double.sent)  # nothing public


async def test_crisis_on_discord_answers_privately_and_alerts_moderators(start_kindred, discord_double):
    """A member in distress in a public channel: a private reply, an alert without their words, a claim."""
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy", "cogs.crisis"]):
        set_up = await double.wait_reply(await double.slash(double.morgan, double.moderators_id, "crisisadmin alerts"))
        assert set_up.ephemeral

        words = "i keep thinking about killing myself"
        await double.user_says(double.alex, double.general_id, words)
        alert = await double.wait_for_message(
            lambda m: m.channel_id == double.moderators_id and any(i.startswith("kindred:c:crisis.ack:")
                                                                    for i in m.custom_ids), "the alert")
        assert words not in alert.text() and not alert.mentions.everyone
        dm = double.dm_channels[double.alex.id]
        assert any(m.channel_id == dm for m in double.sent)  # the member was answered privately
        assert not any(m.channel_id == double.general_id for m in double.sent)  # and nothing public

        (ack,) = [i for i in alert.custom_ids if i.startswith("kindred:c:crisis.ack:")]
        await double.wait_answered(await double.press(double.morgan, alert.id, ack))
        await double.wait_until(lambda: alert.edits == 1, "the alert marked as taken")
        assert alert.custom_ids == [] and "Acknowledged by Morgan" in alert.text()
