"""The Discord double checked against the real discord.py client, with no Kindred code involved.

If these pass, a failure in the adapter's tests is the adapter's, not the double's."""

from __future__ import annotations

import asyncio
import io

import discord
from discord import app_commands
from discord_double import running_client


def bare_client(double) -> tuple[discord.Client, app_commands.CommandTree, dict]:
    """A plain discord.py bot with one command of each kind the adapter needs, recording what it saw."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = True
    client = discord.Client(intents=intents, guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)
    seen: dict = {"messages": [], "interactions": [], "modal": None}

    class Note(discord.ui.Modal, title="A note"):
        note = discord.ui.TextInput(label="Your note", custom_id="note", max_length=200)

        async def on_submit(self, interaction: discord.Interaction) -> None:
            seen["modal"] = self.note.value
            await interaction.response.send_message("Saved.", ephemeral=True)

    checkin = app_commands.Group(name="checkin", description="Check-ins")

    @checkin.command(name="start", description="Start check-ins")
    @app_commands.describe(time="When, e.g. 08:00")
    async def start(interaction: discord.Interaction, time: str, days: int | None = None) -> None:
        view = discord.ui.View(timeout=None)
        view.add_item(discord.ui.Button(label="Good", custom_id="checkin.mood:good"))
        await interaction.response.send_message(f"Starting at {time} for {days} days", view=view)

    @tree.command(name="secret", description="Private answer")
    async def secret(interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Only you can see this.", ephemeral=True)

    @tree.command(name="note", description="Open a form")
    async def note(interaction: discord.Interaction) -> None:
        await interaction.response.send_modal(Note())

    @tree.command(name="slow", description="Defer then answer")
    async def slow(interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        await interaction.followup.send("Done thinking.", ephemeral=True)

    tree.add_command(checkin)

    @client.event
    async def on_message(message: discord.Message) -> None:
        if message.author.bot:
            return
        seen["messages"].append(message)
        if message.content == "!dm":
            await message.author.send("Hello in private.")
        elif message.content == "!file":
            await message.channel.send(
                "Here is your file", file=discord.File(io.BytesIO(b"BEGIN:VCALENDAR"), filename="meetup.ics")
            )
        elif message.content == "!echo":
            await message.channel.send("@everyone look", allowed_mentions=discord.AllowedMentions.none())

    @client.event
    async def on_interaction(interaction: discord.Interaction) -> None:
        seen["interactions"].append(interaction)
        if interaction.type is discord.InteractionType.component:
            await interaction.response.send_message(
                f"pressed {interaction.data['custom_id']}", ephemeral=True
            )

    return client, tree, seen


async def test_login_ready_guild_and_intents(discord_double):
    client, _tree, _seen = bare_client(discord_double)
    async with running_client(client, discord_double.token):
        guild = client.get_guild(discord_double.guild_id)
        assert guild is not None and guild.name == "Riverside Alumni"
        assert {c.name for c in guild.text_channels} == {"general", "check-ins", "moderators"}
        # Without the members intent the cache holds no members: permissions come from a REST fetch.
        assert guild.get_member(discord_double.morgan.id) is None
        morgan = await asyncio.wait_for(guild.fetch_member(discord_double.morgan.id), 5)
        assert morgan.guild_permissions.manage_guild
        alex = await asyncio.wait_for(guild.fetch_member(discord_double.alex.id), 5)
        assert not alex.guild_permissions.manage_guild
        assert discord_double.intents == client.intents.value


async def test_slash_commands_buttons_modals_and_defer(discord_double):
    double = discord_double
    client, tree, seen = bare_client(double)
    async with running_client(client, double.token):
        await asyncio.wait_for(tree.sync(), 5)
        assert {c["name"] for c in double.global_commands} == {"checkin", "secret", "note", "slow"}

        start = await double.slash(
            double.alex, double.general_id, "checkin start", {"time": "08:00", "days": 3}
        )
        reply = await double.wait_reply(start)
        assert reply.content == "Starting at 08:00 for 3 days" and not reply.ephemeral

        pressed = await double.press(double.alex, reply.id, "checkin.mood:good")
        assert (await double.wait_reply(pressed)).content == "pressed checkin.mood:good"

        secret = await double.wait_reply(await double.slash(double.alex, double.general_id, "secret"))
        assert secret.ephemeral

        opened = await double.wait_answered(await double.slash(double.alex, double.general_id, "note"))
        submitted = await double.submit_modal(double.alex, opened, {"note": "Slept well"})
        assert (await double.wait_reply(submitted)).content == "Saved."
        assert seen["modal"] == "Slept well"

        await double.slash(double.alex, double.general_id, "slow")
        await double.wait_for_message(lambda m: m.content == "Done thinking." and m.ephemeral, "the followup")


async def test_dm_file_and_allowed_mentions(discord_double):
    double = discord_double
    client, _tree, seen = bare_client(double)
    async with running_client(client, double.token):
        await double.user_says(double.alex, double.general_id, "!dm")
        dm = await double.wait_for_message(lambda m: m.content == "Hello in private.", "the DM")
        assert dm.channel_id == double.dm_channels[double.alex.id]

        await double.user_says(double.alex, double.general_id, "!file")
        sent = await double.wait_for_message(lambda m: m.files, "the file")
        assert sent.files[0].filename == "meetup.ics" and sent.files[0].data == b"BEGIN:VCALENDAR"

        await double.user_says(double.alex, double.general_id, "!echo")
        echoed = await double.wait_for_message(lambda m: "@everyone" in m.content, "the echo")
        assert not echoed.mentions.everyone
        assert seen["messages"][0].author.id == double.alex.id


async def test_rate_limit_is_retried_and_message_arrives_once(discord_double):
    double = discord_double
    client, _tree, _seen = bare_client(double)
    async with running_client(client, double.token):
        double.fail_next("POST", r"/channels/\d+/messages$", status=429, retry_after=0.05)
        channel = client.get_channel(double.general_id)
        await asyncio.wait_for(channel.send("after the limit"), 5)
        assert [r.status for r in double.requests if r.method == "POST" and "/messages" in r.path] == [
            429,
            200,
        ]
        assert [m.content for m in double.sent].count("after the limit") == 1


async def test_closed_gateway_is_resumed_and_missed_events_replayed(discord_double):
    double = discord_double
    client, _tree, seen = bare_client(double)
    async with running_client(client, double.token):
        await double.close_gateway()
        await double.user_says(double.alex, double.general_id, "sent while disconnected")
        await double.wait_until(lambda: double.resumes == 1, "the RESUME", within=10)
        await double.wait_until(lambda: seen["messages"], "the replayed message")
        assert seen["messages"][0].content == "sent while disconnected"
        assert len(double.identify_payloads) == 1  # resumed, not re-identified


async def test_the_benchmarks_bare_bot_answers_help(discord_double):
    from bench.discord_bare_bot import DEFAULT_ANSWER, make_bare_bot

    client, _tree = make_bare_bot()
    async with running_client(client, discord_double.token):  # its setup_hook syncs /help
        reply = await discord_double.wait_reply(
            await discord_double.slash(discord_double.alex, discord_double.general_id, "help")
        )
        assert reply.embeds[0]["title"] == DEFAULT_ANSWER["embeds"][0]["title"]
