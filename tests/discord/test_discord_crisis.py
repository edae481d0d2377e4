"""Issue 15's flows 1-3 on Discord: the real discord.py client against the local API double."""

from __future__ import annotations

PILLS = "i have the pills in front of me"


def in_dm_of(double, user):
    return lambda m: m.channel_id == double.dm_channels.get(user.id)


def alerts_in_dm(double, user):
    return [
        m
        for m in double.sent
        if m.channel_id == double.dm_channels.get(user.id)
        and any(i.startswith("kindred:c:crisis.ack:") for i in m.custom_ids)
    ]


async def reply_in_dm(double, user, what: str, after: int = 0):
    return await double.wait_for_message(
        lambda m: in_dm_of(double, user)(m) and m.id > after and "Are you safe right now?" in m.text(), what
    )


async def test_flow_1_with_no_alert_channel_the_owner_is_told_privately_and_the_member_hears_it(
    start_kindred, discord_double
):
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy", "cogs.crisis"]):
        await double.user_says(double.alex, double.general_id, PILLS)
        alert = await double.wait_for_message(
            lambda m: in_dm_of(double, double.owner)(m) and "Crisis alert" in m.text(),
            "the alert to the owner",
        )
        assert "alex" in alert.text().lower() and PILLS not in alert.text()
        reply = await reply_in_dm(double, double.alex, "the private reply")
        assert "I've let the moderators know" in reply.text()
        not_safe = next(i for i in reply.custom_ids if i.startswith("kindred:c:crisis.safe:no"))
        answer = await double.wait_reply(await double.press(double.alex, reply.id, not_safe))
        assert "I've told the moderators it's urgent" in answer.text() and "911" in answer.text()
        await double.wait_for_message(
            lambda m: in_dm_of(double, double.owner)(m) and "NOT safe" in m.text(),
            "the urgent alert to the owner",
        )
        assert not any(m.channel_id == double.general_id for m in double.sent), "nothing public"


async def test_with_the_members_intent_every_moderator_is_told_privately(start_kindred, discord_double):
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy", "cogs.crisis"], members_intent=True):
        assert double.intents & (1 << 1), "the bot asked for the member list"
        await double.user_says(double.alex, double.general_id, PILLS)
        for moderator in (double.owner, double.morgan, double.sam):  # owner, Manage Server, the role
            await double.wait_for_message(
                lambda m, who=moderator: in_dm_of(double, who)(m) and "Crisis alert" in m.text(),
                f"the alert to {moderator.username}",
            )
        assert not alerts_in_dm(double, double.alex)
        (mine,) = alerts_in_dm(double, double.morgan)
        ack = next(i for i in mine.custom_ids if i.startswith("kindred:c:crisis.ack:"))
        await double.wait_reply(await double.press(double.morgan, mine.id, ack))
        await double.wait_for_message(
            lambda m: in_dm_of(double, double.sam)(m) and "acknowledged by morgan" in m.text().lower(),
            "the others told it was taken",
        )


async def test_flow_2_getting_worse_inside_the_cooldown_is_answered(start_kindred, discord_double):
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy", "cogs.crisis"]):
        await double.user_says(
            double.alex, double.general_id, "I relapsed last night and I feel like such a failure"
        )
        first = await reply_in_dm(double, double.alex, "the reply about the relapse")
        assert "SAMHSA" in first.text()
        await double.user_says(double.alex, double.general_id, "honestly i want to die")
        second = await reply_in_dm(double, double.alex, "the reply when it got worse", after=first.id)
        assert "988" in second.text()
        await double.wait_until(lambda: len(alerts_in_dm(double, double.owner)) == 2, "two alerts")
        assert "suicidal thoughts" in alerts_in_dm(double, double.owner)[-1].text()


async def test_flow_3_the_alert_channel_still_hears_members_and_show_tells_the_truth(
    start_kindred, discord_double
):
    double = discord_double
    async with start_kindred(cogs=["cogs.privacy", "cogs.crisis"]):
        set_up = await double.wait_reply(
            await double.slash(double.morgan, double.general_id, "crisisadmin alerts")
        )
        assert set_up.ephemeral and "Members writing here are still watched" in set_up.text()
        await double.user_says(double.alex, double.general_id, PILLS)
        reply = await reply_in_dm(double, double.alex, "the private reply")
        assert "I've let the moderators know" in reply.text()
        # Written in the alert channel itself, so the alert names alex privately, not in front of everyone.
        await double.wait_for_message(
            lambda m: in_dm_of(double, double.morgan)(m) and "alex" in m.text().lower(),
            "the alert to morgan privately",
        )
        assert not any(m.channel_id == double.general_id and not m.ephemeral for m in double.sent)
        shown = await double.wait_reply(
            await double.slash(double.morgan, double.general_id, "crisisadmin show")
        )
        assert shown.ephemeral and "**Watching:** every channel" in shown.text()
        assert f"the channel `{double.general_id}` on discord" in shown.text()
        off = await double.wait_reply(
            await double.slash(double.morgan, double.general_id, "crisisadmin alerts", {"where": "off"})
        )
        assert "every moderator privately, as there is no alert channel: Morgan, Founder" in off.text()
