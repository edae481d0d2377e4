"""Fixtures for Discord tests: a fresh local Discord API double per test, with discord.py pointed at it."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # the double's modules, for the bench as for the tests

from discord_double import DiscordDouble, point_discord_py_at


@pytest.fixture
async def discord_double():
    double = await DiscordDouble().start()
    with point_discord_py_at(double):
        yield double
    await double.stop()
