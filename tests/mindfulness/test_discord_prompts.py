"""A prompt posted on Discord (the real discord.py client against the local API double).

Checks what members would notice: the post lands in the channel with a thread under it, and text
that tries to ping @everyone, @here or a role pings nobody.
"""

from __future__ import annotations

from cogs.mindfulness.library import Prompt

COGS = ["cogs.privacy", "cogs.mindfulness"]


def shown(message) -> str:
    embeds = message.payload.get("embeds") or []
    parts = [message.content]
    for embed in embeds:
        parts += [
            embed.get("title", ""),
            embed.get("description", ""),
            (embed.get("footer") or {}).get("text", ""),
        ]
        parts += [f"{field['name']} {field['value']}" for field in embed.get("fields", [])]
    return " ".join(parts)


async def test_prompt_post_has_a_thread_and_cannot_ping_anyone(start_kindred, discord_double):
    double = discord_double
    async with start_kindred(cogs=COGS) as (bot, _adapter):
        hostile = Prompt(
            "ping-all",
            "breathing",
            "Ping @everyone",
            origin="custom",
            text=f"Breathe slowly @here and <@&{double.moderator_role_id}> then rest a while.",
        )
        await bot.get_cog("mindfulness").store.save_prompts(1, [hostile])
        await double.user_says(double.morgan, double.general_id, "!prompts schedule add 9:00 breathing")
        await double.wait_for_message(lambda m: "Schedule #1 added" in shown(m), "the schedule confirmation")
        await double.user_says(double.morgan, double.general_id, "!prompts pin ping-all")
        await double.wait_for_message(lambda m: "will be the next prompt" in shown(m), "the pin confirmation")
        await double.user_says(double.morgan, double.general_id, "!prompts post")
        post = await double.wait_for_message(
            lambda m: m.channel_id == double.general_id and "Breathe slowly" in shown(m), "the prompt post"
        )
        assert not post.mentions.everyone and post.mentions.roles == [] and post.mentions.users == []
        assert "Share in the thread below" in shown(post)
        await double.wait_for_message(lambda m: "Posted `ping-all`" in shown(m), "the post confirmation")
        threads = [c for c in double.channels.values() if c.get("type") == 11]
        assert [(int(t["parent_id"]), int(t["id"])) for t in threads] == [(double.general_id, post.id)]


async def test_members_are_refused_moderator_prompt_commands_on_discord(start_kindred, discord_double):
    double = discord_double
    async with start_kindred(cogs=COGS) as (bot, _adapter):
        await double.user_says(double.alex, double.general_id, "!prompts schedule add 9:00")
        await double.wait_for_message(lambda m: "is for moderators" in shown(m), "the refusal")
        assert await bot.get_cog("mindfulness").store.schedules(1) == []
