"""The bot: one process, one database, every adapter the config enables, every cog.

Startup resources are opened here, in one place, and handed to the parts that use them (after
discord.py's examples/advanced_startup.py): database, vault, communities, cogs, scheduler, adapters.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from collections import defaultdict, deque
from collections.abc import Coroutine
from datetime import timedelta
from typing import Any

from bot import communities as communities_module
from bot import members as members_module
from bot import outbox as outbox_module
from bot import pending as pending_module
from bot import scheduler as scheduler_module
from bot import vault as vault_module
from bot.adapters.base import Adapter, Responder
from bot.builtin import CommunityCog, HelpCog
from bot.clock import Clock
from bot.cog import Cog, SealedColumn
from bot.commands import PREFIX, Context, Router
from bot.communities import Communities, CommunitySettingsStore
from bot.config import Settings
from bot.limits import Outreach
from bot.members import Consent, Members
from bot.model import ChoiceEvent, Community, Content, IncomingMessage, PlaceRef, SentRef, TextAnswer, UserRef
from bot.outbox import Outbox, Target, delivery_scope, event_scope
from bot.pending import WHICH, Ambiguous, Pending
from bot.schedule_specs import Cron
from bot.scheduler import Occurrence, Scheduler
from bot.storage import Database, Migration
from bot.vault import Vault, VaultError
from bot.workers import CpuWorkers

log = logging.getLogger(__name__)

# Loaded in this order; a cog may use one loaded before it.
DEFAULT_COGS = ["cogs.privacy", "cogs.crisis", "cogs.checkins", "cogs.meetups", "cogs.mindfulness"]

CORE_MIGRATIONS = {
    "core.members": members_module.MIGRATIONS,
    "core.communities": communities_module.MIGRATIONS,
    "core.scheduler": scheduler_module.MIGRATIONS,
    "core.pending": pending_module.MIGRATIONS,
    "core.vault": vault_module.MIGRATIONS,
    "core.outbox": outbox_module.MIGRATIONS,
}
# Sealed columns of the core's own tables (beside the cogs' `sealed_columns`).
CORE_SEALED_COLUMNS = [SealedColumn("outbox", "sealed", outbox_module.SEALED_CONTEXT)]


class RateLimiter:
    """At most `limit` commands per member per `window` seconds; one friendly refusal per window."""

    def __init__(self, limit: int = 12, window: float = 30.0):
        self.limit, self.window = limit, window
        self._events: dict[str, deque[float]] = defaultdict(deque)
        self._warned: dict[str, float] = {}
        self._pruned_at = time.monotonic()

    def check(self, user: UserRef) -> tuple[bool, str | None]:
        """(allowed, refusal to show). Past the limit, the refusal is shown once per window, then silence."""
        now = time.monotonic()
        if now - self._pruned_at > self.window:
            self._prune(now)
        events = self._events[user.key]
        while events and now - events[0] > self.window:
            events.popleft()
        if len(events) < self.limit:
            events.append(now)
            return True, None
        if now - self._warned.get(user.key, -self.window) < self.window:
            return False, None
        self._warned[user.key] = now
        return False, "You're going a little fast for me. Please wait half a minute, then try again."

    def _prune(self, now: float) -> None:
        """Forget everyone quiet for a whole window: 2,000 strangers leave 2,000 entries for 30 s, not forever."""
        self._events = defaultdict(
            deque,
            {
                key: events
                for key, events in self._events.items()
                if events and now - events[-1] <= self.window
            },
        )
        self._warned = {key: at for key, at in self._warned.items() if now - at < self.window}
        self._pruned_at = now

    def __len__(self) -> int:
        return len(self._events)


class _MigrationCollector:
    """Stands in for the bot in a cog's `setup()`: records the cog's migrations instead of adding it."""

    def __init__(self, bot: Kindred):
        self._bot = bot
        self.migrations: dict[str, list[Migration]] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._bot, name)  # what cog constructors read: db, clock, settings...

    async def add_cog(self, cog: Cog) -> None:
        if cog.migrations:
            self.migrations[cog.name] = list(cog.migrations)


class Kindred:
    def __init__(self, settings: Settings, clock: Clock | None = None):
        self.settings = settings
        self.clock = clock or Clock()
        self.db = Database(settings.database)
        self.router = Router(self)
        self.scheduler = Scheduler(self)
        self.outbox = Outbox(self)
        self.members = Members(self.db, self.clock)
        self.consent = Consent(self)
        self.communities = Communities(self.db, settings)
        self.pending = Pending(self.db, self.clock)
        self.router.add_core_choice(WHICH, self._which_question_answered)
        self.rate_limiter = RateLimiter()
        self.outreach = Outreach(self.clock.now)
        self._vault: Vault | None = None
        self.cpu = CpuWorkers()  # charts and other long CPU work, off the event loop (bot/workers.py)
        self.cogs: dict[str, Cog] = {}
        self.adapters: dict[str, Adapter] = {}
        self._tasks: set[asyncio.Task] = set()
        self.started = False

    @property
    def vault(self) -> Vault:
        """The data key's vault, once `open_storage` has read the key."""
        if self._vault is None:
            raise VaultError("The data key is not loaded yet: open the storage first.")
        return self._vault

    @vault.setter
    def vault(self, vault: Vault) -> None:
        self._vault = vault

    # --- life cycle -------------------------------------------------------------------------------

    def add_adapter(self, adapter: Adapter) -> None:
        adapter.attach(self)
        self.adapters[adapter.platform] = adapter

    async def open_storage(self) -> None:
        """Database, core migrations, the data key, and the communities from the config."""
        await self.db.open()
        for component, migrations in CORE_MIGRATIONS.items():
            await self.db.migrate(component, migrations)
        self.vault = await self._open_vault()
        await self.communities.sync_from_config()

    async def start(self, cogs: list[str] | None = None, start_adapters: bool = True) -> None:
        await self.open_storage()
        await self.add_cog(HelpCog(self))
        await self.add_cog(CommunityCog(self))
        for module in DEFAULT_COGS if cogs is None else cogs:
            await self.load_extension(module)
        self.scheduler.register_handler("core.retention", self.enforce_retention)
        await self.scheduler.add(
            "core", "retention", Cron(3, 17, "UTC"), "core.retention", grace=timedelta(hours=20)
        )
        # Adapters first: what a dead process left unconfirmed, and what fell due while the bot was
        # down, can only be sent once they are connected. Then the unconfirmed messages (each with its
        # own token, so the platform never shows one twice), then the scheduler's catch-up.
        if start_adapters:
            for adapter in self.adapters.values():
                await adapter.start()
            await self.outbox.recover()
        await self.scheduler.start()
        self.started = True
        log.info("kindred started", extra={"cogs": sorted(self.cogs), "adapters": sorted(self.adapters)})

    async def upgrade(self) -> None:
        """Apply every migration (core and cogs) without starting schedules or adapters."""
        await self.open_storage()
        await self.add_cog(HelpCog(self))
        for module in DEFAULT_COGS:
            await self.load_extension(module)

    async def declared_migrations(self) -> dict[str, list[Migration]]:
        """Every migration `upgrade` applies (core and default cogs), by component, without applying any.

        The cogs are built but never added: their constructors only keep references, so this needs no
        open database."""
        declared = {component: list(migrations) for component, migrations in CORE_MIGRATIONS.items()}
        collector = _MigrationCollector(self)
        for module in DEFAULT_COGS:
            await importlib.import_module(module).setup(collector)
        declared.update(collector.migrations)
        return declared

    async def rotate_key(self, new_key: bytes) -> int:
        """Re-encrypt every sealed column with a new key, in one transaction. Returns values re-sealed."""
        new_vault = Vault(new_key)
        count = 0
        async with self.db.transaction() as db:
            for sealed in (sealed for cog in self.cogs.values() for sealed in cog.sealed_columns):
                rows = await db.fetchall(
                    f"SELECT rowid AS _rowid, * FROM {sealed.table} WHERE {sealed.column} IS NOT NULL"
                )
                for row in rows:
                    context = sealed.context_for(row)
                    text = self.vault.open(row[sealed.column], context)
                    await db.execute(
                        f"UPDATE {sealed.table} SET {sealed.column} = ? WHERE rowid = ?",
                        (new_vault.seal(text, context), row["_rowid"]),
                    )
                    count += 1
            await self.outbox.rekey(new_vault)  # the bot's own messages in flight, not counted as member data
            await db.execute("DELETE FROM vault_keys")
            await db.execute(
                "INSERT INTO vault_keys (fingerprint, created_at) VALUES (?, ?)",
                (new_vault.fingerprint, self.clock.now().isoformat()),
            )
        self.vault = new_vault
        return count

    def sealed_columns(self) -> list[SealedColumn]:
        """Every column holding vault-sealed values: the core's and each cog's."""
        return [
            *CORE_SEALED_COLUMNS,
            *(sealed for cog in self.cogs.values() for sealed in cog.sealed_columns),
        ]

    async def enforce_retention(self, occurrence: Occurrence | None = None) -> int:
        """The daily sweep: every cog deletes what is past its retention period, and the core forgets
        expired questions and delivery rows no catch-up can reach."""
        removed = 0
        for cog in self.cogs.values():
            try:
                removed += await cog.enforce_retention(self.clock.now())
            except Exception:
                log.exception("retention sweep failed", extra={"cog": cog.name})
        removed += await self.pending.expire()
        removed += await self.scheduler.forget_old_deliveries()
        removed += await self.outbox.forget_before(self.clock.now() - outbox_module.KEPT)
        if removed:
            await self.db.checkpoint()
        log.info("retention sweep", extra={"removed": removed})
        return removed

    async def close(self) -> None:
        for adapter in list(self.adapters.values()):
            try:
                await adapter.stop()
            except Exception:
                log.exception("adapter stop failed", extra={"platform": adapter.platform})
        await self.scheduler.stop()
        for cog in list(self.cogs.values()):
            await cog.cog_unload()
        for task in list(self._tasks):
            task.cancel()
        self.cpu.close()
        await self.db.close()
        self.started = False

    async def _open_vault(self) -> Vault:
        has_sealed_data = bool(await self.db.fetchval("SELECT 1 FROM vault_keys LIMIT 1"))
        key = vault_module.load_key(self.settings.key_path, create=not has_sealed_data)
        if key is None:
            raise VaultError(
                f"Encrypted member data exists but no data key was found (looked for ${vault_module.KEY_ENV} "
                f"and {self.settings.key_path}). Restore the key file; without it that data cannot be read."
            )
        vault = Vault(key)
        known = {row[0] for row in await self.db.fetchall("SELECT fingerprint FROM vault_keys")}
        if known and vault.fingerprint not in known:
            raise VaultError(
                "The data key does not match the one this database was written with. Start with the "
                f"original key (${vault_module.KEY_ENV} or {self.settings.key_path})."
            )
        if not known:
            await self.db.execute(
                "INSERT INTO vault_keys (fingerprint, created_at) VALUES (?, ?)",
                (vault.fingerprint, self.clock.now().isoformat()),
            )
        return vault

    # --- cogs -------------------------------------------------------------------------------------

    async def load_extension(self, module_name: str) -> None:
        module = importlib.import_module(module_name)
        await module.setup(self)

    async def add_cog(self, cog: Cog) -> None:
        if not cog.name or cog.name in self.cogs:
            raise ValueError(f"cog needs a unique name, got {cog.name!r}")
        self.router.check_cog(cog)  # a declaration mistake stops here, before the cog's tables are made
        await self.db.migrate(cog.name, cog.migrations)
        self.router.add_cog(cog)
        self.cogs[cog.name] = cog
        await cog.cog_load()

    async def remove_cog(self, name: str) -> None:
        cog = self.cogs.pop(name)
        self.router.remove_cog(cog)
        await cog.cog_unload()

    def get_cog(self, name: str) -> Any:
        return self.cogs.get(name)

    def community_settings(self, community_id: int, component: str) -> CommunitySettingsStore:
        return self.communities.settings_for(community_id, component)

    # --- events from adapters ---------------------------------------------------------------------

    def context(
        self,
        adapter: Adapter | None,
        user: UserRef,
        place: PlaceRef,
        responder: Responder | None,
        message_id: str = "",
        link: str | None = None,
    ) -> Context:
        ctx = Context(
            self,
            adapter,
            user,
            place,
            self.communities.for_place(place),
            responder,
            message_id=message_id,
            link=link,
        )
        # A room or server nobody mapped is no community's place: personal features only (bot/communities.py).
        ctx.unmapped = bool(
            adapter
            and adapter.mapped_places_only
            and not place.is_direct
            and self.communities.mapped(place) is None
        )
        return ctx

    async def handle_message(self, message: IncomingMessage, responder: Responder | None = None) -> None:
        # What the bot sends for this event is sent once, even if the event comes again (bot/outbox.py).
        with delivery_scope(event_scope(message.place.platform, message.event_id)):
            await self._handle_message(message, responder)

    async def _handle_message(self, message: IncomingMessage, responder: Responder | None) -> None:
        adapter = self.adapters.get(message.place.platform)
        responder = responder or (adapter.responder(message.place, message.author) if adapter else None)
        ctx = self.context(
            adapter, message.author, message.place, responder, message.message_id, message.link
        )
        ctx.attachments = list(message.attachments)
        text = message.text.strip()
        if not text:
            return
        # Numbered and typed answers exist only where questions could not carry buttons.
        numbered = adapter is None or not adapter.capabilities.buttons
        if text.startswith(PREFIX) and len(text) > len(PREFIX) and not text[len(PREFIX)].isspace():
            if numbered:
                await self.pending.command_typed(message)
            await self.router.dispatch_text(ctx, text)
            return
        answer = await self.pending.resolve(message) if numbered else None
        if isinstance(answer, Ambiguous):
            await ctx.reply(answer.question(), private=True)
            return
        if isinstance(answer, ChoiceEvent):
            await self.router.dispatch_choice(ctx, answer.choice_id)
            return
        if isinstance(answer, TextAnswer):
            await self.router.dispatch_text_answer(ctx, answer.request_id, answer.text)
            return
        for cog in list(self.cogs.values()):
            if type(cog).on_message is not Cog.on_message:
                try:
                    await cog.on_message(message, ctx)
                except Exception:
                    log.exception("message listener failed", extra={"cog": cog.name})

    async def _which_question_answered(self, ctx: Context, value: str) -> None:
        """The member said which open question their earlier answer was for: apply it there."""
        answer = await self.pending.which_answered(value, ctx.author, ctx.place)
        if isinstance(answer, ChoiceEvent):
            await self.router.dispatch_choice(ctx, answer.choice_id)
        elif isinstance(answer, TextAnswer):
            await self.router.dispatch_text_answer(ctx, answer.request_id, answer.text)
        else:
            await ctx.reply(answer, private=True)

    async def handle_choice(self, event: ChoiceEvent, responder: Responder | None = None) -> None:
        adapter = self.adapters.get(event.place.platform)
        responder = responder or (adapter.responder(event.place, event.user) if adapter else None)
        ctx = self.context(adapter, event.user, event.place, responder, event.message_id)
        with delivery_scope(event_scope(event.place.platform, event.event_id)):
            await self.router.dispatch_choice(ctx, event.choice_id)

    async def handle_text_answer(self, answer: TextAnswer, responder: Responder | None = None) -> None:
        adapter = self.adapters.get(answer.place.platform)
        responder = responder or (adapter.responder(answer.place, answer.user) if adapter else None)
        ctx = self.context(adapter, answer.user, answer.place, responder)
        with delivery_scope(event_scope(answer.place.platform, answer.event_id)):
            await self.router.dispatch_text_answer(ctx, answer.request_id, answer.text)

    # --- sending ----------------------------------------------------------------------------------

    def adapter_for(self, platform: str) -> Adapter:
        try:
            return self.adapters[platform]
        except KeyError:
            raise LookupError(f"no adapter for platform {platform!r}") from None

    async def send(
        self, place: PlaceRef, content: Content | str, reader: UserRef | None = None, key: str | None = None
    ) -> SentRef:
        """Send to a place, once per idempotency key (bot/outbox.py): the current delivery scope's next,
        or `key` (a message the caller claimed as an intent). `reader`: the person a direct-message
        place belongs to, when known (the message is then kept as theirs, as `send_private` keeps it)."""
        self.adapter_for(place.platform)  # an unknown platform fails here, before anything is written
        target = Target(place.platform, place, reader if place.is_direct else None)
        return await self.outbox.deliver(target, Content.of(content), key=key)

    async def send_private(self, user: UserRef, content: Content | str, key: str | None = None) -> SentRef:
        self.adapter_for(user.platform)
        return await self.outbox.deliver(Target(user.platform, person=user), Content.of(content), key=key)

    async def send_to_member(self, member_id: int, content: Content | str) -> SentRef | None:
        """Privately, on the first of the member's accounts whose platform is connected."""
        for user in await self.members.identities(member_id):
            if user.platform in self.adapters:
                return await self.send_private(user, content)
        log.warning("member has no reachable account", extra={"member": member_id})
        return None

    async def edit(self, ref: SentRef, content: Content | str) -> None:
        await self.adapter_for(ref.platform).edit(ref, Content.of(content))

    async def forget_user(self, user: UserRef) -> None:
        """Forget one account everywhere outside the cogs' tables: its open questions, the delivery
        records of the bot's messages to it, and what its platform's adapter keeps on disk for it (the
        console's files written for it)."""
        await self.pending.forget_user(user)
        await self.outbox.forget([user])  # the bot's recent messages to it (bot/outbox.py)
        await self.forget_files(user)

    async def forget_files(self, user: UserRef) -> None:
        """Delete what the account's adapter wrote outside the database for it (leaving a feature: the
        exports and charts written for them are copies of its data)."""
        if (adapter := self.adapters.get(user.platform)) is not None:
            await adapter.forget_files(user)

    async def timezone_for(self, reader: UserRef | None, community: Community) -> str:
        """The zone to write times in for someone reading them where the platform can't localise
        (console, Matrix): the one they chose with `!settings timezone`, else the community's."""
        settings = self.get_cog("settings")
        if reader is not None and settings is not None:
            return await settings.timezone_of(reader) or community.timezone
        return community.timezone

    async def is_moderator(self, user: UserRef, community_id: int, adapter: Adapter | None = None) -> bool:
        if user.key in self.communities.moderator_keys.get(community_id, ()):
            return True
        adapter = adapter or self.adapters.get(user.platform)
        return bool(adapter and await adapter.is_moderator(user, community_id))

    def spawn(self, coro: Coroutine[Any, Any, Any]) -> asyncio.Task[Any]:
        """Run background work the bot owns; it is cancelled on close."""
        task = asyncio.create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task
