"""A bare discord.py bot answering /help, the yardstick for Kindred's Discord round trip.

It does what a minimal hand-written bot does: one slash command, an ephemeral embed answer, no
database, no router. bench/bench_discord.py runs it next to Kindred against the same Discord double.

    python bench/discord_bare_bot.py --token T --api-base http://127.0.0.1:PORT/api/v10 \
        --gateway-url ws://127.0.0.1:PORT/gateway
"""

from __future__ import annotations

import argparse
import asyncio
import logging

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

HELP_TEXT = "**General**\n`!help [COMMAND]`: List what I can do, or explain one command."


def make_bare_bot() -> tuple[discord.Client, app_commands.CommandTree]:
    intents = discord.Intents.none()
    intents.guilds = True
    client = discord.Client(intents=intents, allowed_mentions=discord.AllowedMentions.none(),
                            guild_ready_timeout=0.05)
    tree = app_commands.CommandTree(client)

    @tree.command(name="help", description="List what I can do, or explain one command.")
    async def help_command(interaction: discord.Interaction, command: str | None = None) -> None:
        embed = discord.Embed(title="What I can do", description=HELP_TEXT)
        await interaction.response.send_message(embed=embed, ephemeral=True)

    @client.event
    async def setup_hook() -> None:
        await tree.sync()

    return client, tree


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--token", required=True)
    parser.add_argument("--api-base", required=True)
    parser.add_argument("--gateway-url", required=True)
    args = parser.parse_args()
    Route.BASE = args.api_base.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(args.gateway_url)
    logging.basicConfig(level=logging.WARNING)
    client, _tree = make_bare_bot()
    async with client:
        await client.start(args.token)


if __name__ == "__main__":
    asyncio.run(main())
