"""A bare discord.py bot answering /help, the yardstick for Kindred's Discord round trip.

It does what a minimal hand-written bot does: one slash command, an ephemeral embed answer, no
database, no router. bench/bench_discord.py runs it next to Kindred against the same Discord double.

    python bench/discord_bare_bot.py --token T --api-base http://127.0.0.1:PORT/api/v10 \
        --gateway-url ws://127.0.0.1:PORT/gateway [--answer-file answer.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import signal
from pathlib import Path

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

DEFAULT_ANSWER = {
    "content": "",
    "embeds": [
        {
            "title": "What I can do",
            "description": "**General**\n`!help [COMMAND]`: List what I can do, or explain one command.",
        }
    ],
    "ephemeral": False,
}


def make_bare_bot(answer: dict | None = None) -> tuple[discord.Client, app_commands.CommandTree]:
    """`answer` is {"content", "embeds" (Discord JSON), "ephemeral", "followups": [{"content", "embeds"}]}:
    the bench passes Kindred's own, so a long help goes out in as many messages as Kindred sends."""
    answer = answer or DEFAULT_ANSWER
    embeds = [discord.Embed.from_dict(e) for e in answer["embeds"]]
    followups = [
        (part["content"] or None, [discord.Embed.from_dict(e) for e in part["embeds"]])
        for part in answer.get("followups", [])
    ]
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(
        intents=intents, allowed_mentions=discord.AllowedMentions.none(), guild_ready_timeout=0.05
    )
    tree = app_commands.CommandTree(client)

    @tree.command(name="help", description="List what I can do, or explain one command.")
    async def help_command(interaction: discord.Interaction, command: str | None = None) -> None:
        await interaction.response.send_message(
            content=answer["content"] or None, embeds=embeds, ephemeral=answer["ephemeral"]
        )
        for content, more_embeds in followups:
            await interaction.followup.send(
                content=content, embeds=more_embeds, ephemeral=answer["ephemeral"]
            )

    @client.event
    async def setup_hook() -> None:
        await tree.sync()

    return client, tree


async def serve(token: str, answer: dict | None) -> None:
    client, _tree = make_bare_bot(answer)
    # Stop cleanly on SIGTERM (as Kindred does), so a profiler running the bot gets to write its figures.
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, lambda: asyncio.create_task(client.close()))
    async with client:
        await client.start(token)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--gateway-url", required=True)
    parser.add_argument("--answer-file", help="JSON of the answer to give (default: a short help embed)")
    args = parser.parse_args()
    Route.BASE = args.api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(args.gateway_url)
    logging.basicConfig(level=logging.WARNING)
    answer = json.loads(Path(args.answer_file).read_text()) if args.answer_file else None
    asyncio.run(serve(args.token, answer))


if __name__ == "__main__":
    main()
