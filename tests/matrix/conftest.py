"""Fixtures for the Matrix adapter tests: one real Synapse per session, Kindred bots and nio members."""

from __future__ import annotations

import asyncio
import contextlib
import secrets

import pytest

from bot.adapters.matrix import MatrixAdapter
from bot.config import CommunitySettings, MatrixSettings
from bot.core import Kindred
from bot.testing import FrozenClock, settings_for_tests
from tests.matrix.member import Member
from tests.matrix.synapse import SynapseServer

START_SECONDS = 60.0


@pytest.fixture(scope="session")
def synapse(tmp_path_factory):
    """A running Synapse on 127.0.0.1 (SQLite, free port), stopped by PID at the end of the session.

    A test that stops it must start it again; the `homeserver` fixture also makes sure it runs.
    """
    server = SynapseServer(tmp_path_factory.mktemp("synapse"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def homeserver(synapse):
    synapse.start()  # idempotent: a no-op unless an earlier test left it stopped
    return synapse


class KindredOnMatrix:
    """Starts and stops real Kindred bots with the Matrix adapter, each with its own account."""

    def __init__(self, server: SynapseServer, tmp_path):
        self.server = server
        self.tmp_path = tmp_path
        self.running: list[Kindred] = []
        self.clock = FrozenClock()

    async def start(
        self,
        name: str = "bot",
        account=None,
        timezone: str = "UTC",
        cogs: tuple[str, ...] = ("cogs.privacy",),
        communities=(),
        rooms=(),
        clock=None,
        **matrix_options,
    ):
        """A started bot; pass the same name and account again to restart one on its data directory.

        `rooms` are mapped to the default community (only mapped rooms are a community's places)."""
        account = account or self.register()
        # Most tests invite the bot into rooms made on the fly; the trust tests ask for the default rule.
        matrix_options.setdefault("invites", "allowed")
        settings = settings_for_tests(
            self.tmp_path / name,
            community=CommunitySettings(timezone=timezone, matrix_rooms=list(rooms)),
            communities=list(communities),
            matrix=MatrixSettings(
                homeserver=self.server.url,
                user_id=account.user_id,
                **{"password": account.password, **matrix_options},
            ),
        )
        # The bot's own clock is frozen, as in every test (Synapse stamps events with the machine's).
        bot = Kindred(settings, clock=clock or self.clock)
        adapter = MatrixAdapter(settings)
        adapter.retry_cap_seconds = 1.0  # a restarted test server is back within seconds
        adapter.decrypt_grace_seconds = 0.5
        bot.add_adapter(adapter)
        await asyncio.wait_for(bot.start(cogs=list(cogs)), START_SECONDS)
        self.running.append(bot)
        return bot, adapter, account

    def register(self):
        """A new account for a bot (register first to create rooms for it before it starts)."""
        return self.server.register(f"kindred{secrets.token_hex(3)}")

    async def stop(self, bot: Kindred) -> None:
        self.running.remove(bot)
        await asyncio.wait_for(bot.close(), 30)


@pytest.fixture
async def kindred(homeserver, tmp_path):
    harness = KindredOnMatrix(homeserver, tmp_path)
    yield harness
    for bot in list(harness.running):
        with contextlib.suppress(Exception):
            await harness.stop(bot)


@pytest.fixture
async def new_member(homeserver, tmp_path):
    """new_member("alice") -> a started nio member with its own account and crypto store."""
    started: list[Member] = []

    async def make(name: str) -> Member:
        account = homeserver.register(f"{name}{secrets.token_hex(3)}")
        member = Member(homeserver.url, account, tmp_path / f"member-{account.localpart}")
        await member.start()
        started.append(member)
        return member

    yield make
    for member in started:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(member.close(), 10)
