"""What a cog may use of the bot: the narrow, typed surface cogs are written against.

`Cog.bot` and `Context.bot` are typed as `BotServices`, not as the whole `Kindred`, so a reader sees
in one place what a feature can reach (time, storage, schedules, members and consent, communities,
sending), and mypy refuses a cog that reaches for anything else. `Kindred` provides it structurally
(no inheritance); `tests/core/test_services.py` checks that it still does. A cog that needs more asks
for it here, on purpose, rather than reaching into the core.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from bot.adapters.base import Adapter, Responder
    from bot.clock import Clock
    from bot.cog import Cog
    from bot.commands import Context, Router
    from bot.communities import Communities, CommunitySettingsStore
    from bot.config import Settings
    from bot.limits import Outreach
    from bot.members import Consent, Members
    from bot.model import Content, PlaceRef, SentRef, UserRef
    from bot.outbox import Outbox
    from bot.pending import Pending
    from bot.scheduler import Scheduler
    from bot.storage import Database
    from bot.vault import Vault
    from bot.workers import CpuWorkers


class BotServices(Protocol):
    # Read-only properties: a cog reads these, it never replaces them.
    @property
    def settings(self) -> Settings: ...
    @property
    def clock(self) -> Clock: ...  # the one source of time (never datetime.now)
    @property
    def db(self) -> Database: ...
    @property
    def vault(self) -> Vault: ...  # seal/open what members write
    @property
    def scheduler(self) -> Scheduler: ...
    @property
    def members(self) -> Members: ...
    @property
    def consent(self) -> Consent: ...
    @property
    def communities(self) -> Communities: ...
    @property
    def pending(self) -> Pending: ...  # questions waiting for a typed answer (privacy forgets them)
    @property
    def outreach(self) -> Outreach: ...  # at most one unasked-for message a day to anyone
    @property
    def cpu(self) -> CpuWorkers: ...  # long CPU work (a member's chart) in a worker process, off the loop
    @property
    def router(self) -> Router: ...  # `for_person`: ids only one member can answer
    @property
    def cogs(self) -> Mapping[str, Cog]: ...  # the privacy cog asks every cog to export and erase
    @property
    def adapters(self) -> Mapping[str, Adapter]: ...  # which platforms are connected
    @property
    def outbox(self) -> Outbox: ...  # sends kept to once across crashes: batches, intents, forgetting

    def get_cog(self, name: str) -> Any: ...
    def community_settings(self, community_id: int, component: str) -> CommunitySettingsStore: ...
    async def send(
        self, place: PlaceRef, content: Content | str, reader: UserRef | None = None, key: str | None = None
    ) -> SentRef: ...
    async def send_private(
        self, user: UserRef, content: Content | str, key: str | None = None
    ) -> SentRef: ...
    async def send_to_member(self, member_id: int, content: Content | str) -> SentRef | None: ...
    async def edit(self, ref: SentRef, content: Content | str) -> None: ...
    async def is_moderator(
        self, user: UserRef, community_id: int, adapter: Adapter | None = None
    ) -> bool: ...
    async def forget_user(self, user: UserRef) -> None: ...  # !forgetme: its open questions and files
    async def forget_files(self, user: UserRef) -> None: ...  # leaving a feature: files written for them
    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]: ...
    # An event's context built by hand (the crisis cog finishing an alert after a restart).
    def context(
        self,
        adapter: Adapter | None,
        user: UserRef,
        place: PlaceRef,
        responder: Responder | None,
        message_id: str = "",
        link: str | None = None,
    ) -> Context: ...
