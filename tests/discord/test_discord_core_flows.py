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
