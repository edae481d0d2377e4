"""A test kit: an in-memory adapter that records what the bot sent, and a bot on a temporary database.

    async with make_test_bot(tmp_path, cogs=["cogs.privacy", "cogs.checkins"]) as (bot, chat):
        alice = chat.user("alice")
        replies = await chat.say(alice, "!checkin start")
        await chat.press(alice, replies[-1].content.choices[0].id)

Cog tests use it; adapter tests use real peers (Synapse, the Discord double).
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.base import Adapter, Capabilities
from bot.clock import Clock
from bot.config import Settings, StorageSettings
from bot.core import Kindred
from bot.model import (
    ChoiceEvent,
    Content,
    FileAttachment,
    IncomingFile,
    IncomingMessage,
    PlaceRef,
    SentRef,
    TextAnswer,
    UserRef,
)


@dataclass
class Sent:
    ref: SentRef
    place: PlaceRef
    content: Content
    private_to: UserRef | None = None
    edits: list[Content] = field(default_factory=list)
    token: str | None = None  # the outbox's idempotency token, when it sent one

    @property
    def text(self) -> str:
        return (self.edits[-1] if self.edits else self.content).as_plain_text()


class FrozenClock(Clock):
    """A clock tests move by hand: `clock.advance(hours=2)`, `clock.set(moment)`.

    It starts at a fixed moment (Friday 27 November 2026, 12:00 UTC, unless the test names another)
    and never moves by itself, so nothing falls due while a test runs unless the test moves it; then
    `await bot.scheduler.run_due()` runs what fell due, or `bot.scheduler.clock_moved()` lets the
    alarm ring through APScheduler as it would in real time."""

    def __init__(self, start: datetime | None = None):
        self.moment = start or datetime(2026, 11, 27, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.moment

    def seconds_until(self, moment: datetime) -> float | None:
        return 0.0 if moment <= self.moment else None

    def set(self, moment: datetime) -> None:
        self.moment = moment.astimezone(UTC)

    def advance(self, **delta) -> datetime:
        self.moment += timedelta(**delta)
        return self.moment


class MemoryAdapter(Adapter):
    """Records every send; lets a test speak as members and press their buttons.

    Like Discord and Matrix, it gives each event it delivers an id of its own (a test may pass one
    again, to deliver the same event twice) and recognises a resend by its token within
    `resend_window`, answering with the message it already has instead of a second one. Keep one
    across restarts of a bot (pass it to `make_test_bot` again): it is the platform. `stall()` makes a
    send hang where a crash can be staged."""

    resend_window = timedelta(minutes=2)

    def __init__(
        self,
        platform: str = "memory",
        capabilities: Capabilities | None = None,
        scope_id: str = "guild",
        command_prefix: str = "!",
    ):
        super().__init__()
        self.platform = platform
        self.command_prefix = command_prefix  # "/" records what a Discord member would read
        self.capabilities = capabilities or Capabilities(buttons=True, edits=True)
        self.scope_id = scope_id
        self.sent: list[Sent] = []
        self.moderators: set[UserRef] = set()
        self.started = False
        self._ids = itertools.count(1)
        self.by_token: dict[str, SentRef] = {}
        self._stalled: dict[str, bool] = {}
        self.stalled = asyncio.Event()  # set when a stalled send hangs

    def stall(self, where: str, before: bool = False) -> None:
        """The next message to this place (its id) or person (their user id) hangs for good: `before`
        the platform has it (the request is lost) or after (the answer is lost). `stalled` is set when it
        does; the test then stops the bot there, as a crash would (cancel what awaits the send)."""
        self._stalled[where] = before

    async def _through_network(self, where: str, send):
        before = self._stalled.pop(where, None)
        if before is True:
            self.stalled.set()
            await asyncio.Event().wait()
        sent = await send()
        if before is False:
            self.stalled.set()
            await asyncio.Event().wait()
        return sent

    # --- the test's side --------------------------------------------------------------------------

    def user(self, name: str, moderator: bool = False) -> UserRef:
        user = UserRef(self.platform, f"{name}-id", name)
        if moderator:
            self.moderators.add(user)
        return user

    def channel(self, name: str = "general") -> PlaceRef:
        return PlaceRef(self.platform, name, is_direct=False, scope_id=self.scope_id)

    def dm_place(self, user: UserRef) -> PlaceRef:
        return PlaceRef(self.platform, f"dm-{user.user_id}", is_direct=True, scope_id=None)

    async def say(
        self,
        user: UserRef,
        text: str,
        place: PlaceRef | None = None,
        attachments: list[FileAttachment | IncomingFile] | None = None,
        event_id: str | None = None,
    ) -> list[Sent]:
        """Speak as a member (in #general by default), optionally with files; returns what the bot sent.
        `event_id`: deliver an event again (as Matrix does after a crash), by the id it had."""
        before = len(self.sent)
        place = place or self.channel()
        files = [IncomingFile.of(f) if isinstance(f, FileAttachment) else f for f in attachments or []]
        await self.bot.handle_message(
            IncomingMessage(
                text,
                user,
                place,
                message_id=str(next(self._ids)),
                attachments=files,
                event_id=event_id or new_event_id(),
            )
        )
        return self.sent[before:]

    async def dm(self, user: UserRef, text: str) -> list[Sent]:
        return await self.say(user, text, self.dm_place(user))

    async def press(self, user: UserRef, choice_id: str, place: PlaceRef | None = None) -> list[Sent]:
        before = len(self.sent)
        await self.bot.handle_choice(
            ChoiceEvent(choice_id, user, place or self.dm_place(user), event_id=new_event_id())
        )
        return self.sent[before:]

    async def answer(self, user: UserRef, text: str, request_id: str | None = None) -> list[Sent]:
        """Answer the latest free-text question sent to this member (or the one named)."""
        if request_id is None:
            asked = [s.content.ask for s in self.sent if s.content.ask and s.private_to in (user, None)]
            if not asked or asked[-1] is None:
                raise AssertionError(f"nothing asked {user.name} a question")
            request_id = asked[-1].id
        before = len(self.sent)
        await self.bot.handle_text_answer(
            TextAnswer(request_id, text, user, self.dm_place(user), event_id=new_event_id())
        )
        return self.sent[before:]

    def to(self, user: UserRef) -> list[Sent]:
        return [s for s in self.sent if s.private_to == user]

    def in_place(self, place: PlaceRef) -> list[Sent]:
        return [s for s in self.sent if s.private_to is None and s.place == place]

    def last(self, user: UserRef | None = None) -> Sent:
        sent = self.to(user) if user else self.sent
        if not sent:
            raise AssertionError("the bot sent nothing")
        return sent[-1]

    def find_choice(self, sent: Sent, label: str) -> str:
        for choice in sent.content.choices:
            if choice.label.lower() == label.lower():
                return choice.id
        raise AssertionError(f"no choice {label!r} in {[c.label for c in sent.content.choices]}")

    # --- the bot's side ---------------------------------------------------------------------------

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.started = False

    async def send(self, place: PlaceRef, content: Content, token: str | None = None) -> SentRef:
        async def arrive() -> SentRef:
            if token in self.by_token:
                return self.by_token[token]
            private_to = None
            if place.is_direct:
                private_to = next(
                    (s.private_to for s in self.sent if s.place == place and s.private_to), None
                )
            return await self._remembered(
                self._record(place, content, private_to, token), content, private_to
            )

        return await (self._through_network(place.place_id, arrive) if self._stalled else arrive())

    async def send_private(self, user: UserRef, content: Content, token: str | None = None) -> SentRef:
        async def arrive() -> SentRef:
            if token in self.by_token:
                return self.by_token[token]
            return await self._remembered(
                self._record(self.dm_place(user), content, user, token), content, user
            )

        return await (self._through_network(user.user_id, arrive) if self._stalled else arrive())

    async def _remembered(self, ref: SentRef, content: Content, private_to: UserRef | None) -> SentRef:
        # Without buttons, choices are answered by number, as on the console and Matrix.
        if not self.capabilities.buttons and self.attached:
            await self.bot.pending.remember(ref, content, private_to)
        return ref

    async def edit(self, ref: SentRef, content: Content) -> None:
        for sent in self.sent:
            if sent.ref == ref:
                sent.edits.append(self.localize_commands(content))
                return
        raise LookupError(f"no message {ref}")

    async def is_moderator(self, user: UserRef, community_id: int) -> bool:
        return user in self.moderators

    async def list_moderators(self, community_id: int) -> list[UserRef]:
        return sorted(self.moderators, key=lambda user: user.key)

    def parse_user(self, text: str) -> UserRef | None:
        name = text.strip().lstrip("@")
        return UserRef(
            self.platform, name if name.endswith("-id") else f"{name}-id", name.removesuffix("-id")
        )

    async def create_thread(self, ref: SentRef, name: str) -> PlaceRef | None:
        if not self.capabilities.threads:
            return None
        return PlaceRef(self.platform, f"thread-{ref.message_id}", scope_id=self.scope_id)

    def _record(
        self, place: PlaceRef, content: Content, private_to: UserRef | None, token: str | None
    ) -> SentRef:
        ref = SentRef(self.platform, place.place_id, f"m{next(self._ids)}")
        self.sent.append(Sent(ref, place, self.localize_commands(content), private_to, token=token))
        if token is not None:
            self.by_token[token] = ref
        return ref


async def crash_when_stalled(adapter: MemoryAdapter, work, within: float = 5.0) -> None:
    """Run `work` (a coroutine) until a send the test `stall()`ed hangs, then stop it there, as a crash
    would: nothing after that point runs (the test then closes the bot and starts it again)."""
    task = asyncio.ensure_future(work)
    hung = asyncio.ensure_future(adapter.stalled.wait())
    done, _ = await asyncio.wait({task, hung}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
    task.cancel()
    hung.cancel()
    try:
        await task
    except asyncio.CancelledError:
        pass
    if not adapter.stalled.is_set():
        raise AssertionError("the stalled send never came" if not done else "the work ended before the stall")
    adapter.stalled.clear()


def new_event_id() -> str:
    """An event id no other event has, in this test or any other (bots restart on the same database)."""
    return uuid.uuid4().hex


# Which database the test kit's bots use: None is a SQLite file in the test's directory; otherwise a
# function giving the PostgreSQL URL of a test directory's database (tests/conftest.py sets it for the
# tests that run on both engines).
_database_url_for: Callable[[Path], str] | None = None


def use_database(url_for: Callable[[Path], str] | None) -> None:
    """Bots made by `settings_for_tests` from now on use PostgreSQL (`url_for(directory)`), or SQLite (None)."""
    global _database_url_for
    _database_url_for = url_for


def database_for_tests(tmp_path: Path) -> str:
    """What `Database(...)` opens for a test directory: its PostgreSQL database, or its SQLite file."""
    return _database_url_for(tmp_path) if _database_url_for else str(tmp_path / "kindred.db")


def settings_for_tests(tmp_path: Path, **overrides) -> Settings:
    settings = Settings(
        storage=StorageSettings(
            path=str(tmp_path / "kindred.db"),
            url=_database_url_for(tmp_path) if _database_url_for else "",
            key_file=str(tmp_path / "kindred.key"),
        )
    )
    for key, value in overrides.items():
        setattr(settings, key, value)
    return settings


@asynccontextmanager
async def make_test_bot(
    tmp_path: Path,
    cogs: list[str] | None = None,
    adapters: list[Adapter] | None = None,
    settings: Settings | None = None,
    clock: Clock | None = None,
):
    """A started bot on a fresh database in tmp_path, with a MemoryAdapter unless adapters are given.

    Yields (bot, first adapter). Restart by opening another with the same tmp_path. Without a clock
    it runs on a new FrozenClock: time moves only by the test's hand, whatever the machine's date.
    """
    bot = Kindred(settings or settings_for_tests(tmp_path), clock=clock or FrozenClock())
    for adapter in adapters or [MemoryAdapter()]:
        bot.add_adapter(adapter)
    await bot.start(cogs=["cogs.privacy"] if cogs is None else cogs)
    try:
        yield bot, next(iter(bot.adapters.values()))
    finally:
        await bot.close()


async def stored_bytes(db) -> bytes:
    """What a copy of the database would carry: SQLite's file and write-ahead log as they are on disk;
    on PostgreSQL every row of every table, as a dump would write it."""
    if db.engine == "sqlite":
        wal = db.path.with_name(db.path.name + "-wal")
        return db.path.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
    dump = []
    for table in await db.tables():
        dump += [repr(tuple(row)) for row in await db.fetchall(f"SELECT * FROM {table}")]
    return "\n".join(dump).encode()
