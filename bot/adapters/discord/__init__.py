"""The Discord adapter (discord.py 2.7). See docs/discord.md."""

from bot.adapters.discord.adapter import DeliveryFailed, DiscordAdapter, DiscordSetupError

__all__ = ["DeliveryFailed", "DiscordAdapter", "DiscordSetupError"]
