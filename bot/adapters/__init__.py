"""Platform adapters. The only package allowed to import discord.py or nio."""
