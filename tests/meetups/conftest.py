"""A started bot with the meetups cog, a London community, and members on two platforms."""

from __future__ import annotations

from contextlib import asynccontextmanager
from datetime import UTC, datetime

import pytest

from bot.config import CommunitySettings
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot, settings_for_tests

# Friday 27 November 2026, 12:00 in London (GMT).
START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
COGS = ["cogs.privacy", "cogs.meetups"]


def london_settings(tmp_path):
    return settings_for_tests(
        tmp_path, community=CommunitySettings(name="Alumni", timezone="Europe/London", country="GB")
    )


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def meetup_bot(tmp_path, clock):
    """(bot, discord, matrix): one community reached through two in-memory platforms."""
    discord, matrix = (
        MemoryAdapter("discord", scope_id="guild-1"),
        MemoryAdapter("matrix", scope_id="!room:hs"),
    )
    async with make_test_bot(
        tmp_path, cogs=COGS, adapters=[discord, matrix], settings=london_settings(tmp_path), clock=clock
    ) as (bot, _):
        bot.get_cog("meetups").service.refresh_interval = 0  # show every edit at once; bursts are in bench
        yield bot, discord, matrix


class Helpers:
    """Steps a test takes as organisers and members, kept short so tests read like the story."""

    @staticmethod
    async def create(chat: MemoryAdapter, organiser, details: str, place=None):
        """Type `!meetup create`, check it was shown back, press Save; returns (review, announcement)."""
        review = (await chat.say(organiser, f"!meetup create {details}", place=place))[-1]
        assert review.content.title == "Is this right?", review.text
        sent = await chat.press(organiser, chat.find_choice(review, "Save and announce"))
        announcements = [
            s
            for s in chat.sent
            if s.private_to is None
            and s.content.choices
            and s.content.choices[0].id.startswith("meetup.rsvp:")
        ]
        return review, announcements[-1] if announcements else None, sent

    @staticmethod
    async def two_organisers(chat: MemoryAdapter):
        """A moderator who set an announcement channel here, and Ada and Ben on the organisers list."""
        mod = chat.user("mod", moderator=True)
        ada, ben = chat.user("ada"), chat.user("ben")
        await chat.say(mod, "!meetup channel here")
        for organiser in (ada, ben):
            await chat.say(mod, f"!meetup organiser add @{organiser.name}")
        return mod, ada, ben

    @staticmethod
    async def rsvp(chat: MemoryAdapter, member, post, label: str = "Going"):
        """Press a button on the announcement; agree to the consent question the first time."""
        sent = await chat.press(member, chat.find_choice(post, label), place=post.place)
        if sent and sent[-1].content.title == "Before we start":
            sent = await chat.press(member, chat.find_choice(sent[-1], "I agree"))
        return sent


@pytest.fixture
def steps() -> Helpers:
    return Helpers()


@pytest.fixture
def open_bot(tmp_path, clock):
    """Open (and, by calling again, restart) a bot on the same database: `async with open_bot() as (bot, chat)`."""

    @asynccontextmanager
    async def opener():
        adapter = MemoryAdapter("discord", scope_id="guild-1")
        async with make_test_bot(
            tmp_path, cogs=COGS, adapters=[adapter], settings=london_settings(tmp_path), clock=clock
        ) as (bot, chat):
            bot.get_cog("meetups").service.refresh_interval = 0
            yield bot, chat

    return opener


@pytest.fixture
def london(tmp_path):
    """Settings for a bot on tmp_path whose community lives in Europe/London."""
    return london_settings(tmp_path)
