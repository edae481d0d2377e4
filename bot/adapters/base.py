"""What an adapter must do, and what it may be able to do.

An adapter turns one platform's events into neutral ones (bot.model) and renders neutral content back.
Only modules under bot/adapters/ may import a platform library.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import TYPE_CHECKING

from bot.commands import PREFIX
from bot.model import Content, PlaceRef, SentRef, UserRef
from bot.text import retarget_commands

if TYPE_CHECKING:
    from bot.core import Kindred


@dataclass(frozen=True)
class Capabilities:
    # What cogs ask before choosing how to say something; an adapter handles the rest of its
    # platform's differences (ephemeral answers, modals, reactions, timestamps) itself.
    buttons: bool = False  # choices render as tappable buttons (else numbered, answered by typing)
    threads: bool = False  # a post can get a thread under it
    edits: bool = False  # a sent message can be edited in place


class Responder:
    """Answers one incoming event, publicly in its place or privately to its author.

    Adapters subclass this where the platform has a better private channel (Discord's ephemeral
    interaction replies); the default sends a DM for private answers.
    """

    def __init__(self, adapter: Adapter, place: PlaceRef, author: UserRef):
        self.adapter = adapter
        self.place = place
        self.author = author

    async def reply(self, content: Content, private: bool) -> SentRef | None:
        # Through the bot, so the answer is sent once however often the event comes (bot/outbox.py).
        if private and not self.place.is_direct:
            return await self.adapter.bot.send_private(self.author, content)
        return await self.adapter.bot.send(self.place, content, reader=self.author)


class Adapter(ABC):
    platform: str
    capabilities: Capabilities = Capabilities()
    # What members type before a command here. Cogs and the core write hints as `!name`; an adapter
    # with another prefix shows them its way through `localize_commands` when it renders content.
    command_prefix: str = PREFIX
    # How a member sends a file with a command here, added to errors that ask for one (ends with a space).
    attach_hint: str = ""
    # Whether members' commands here are held to the rate limit (platforms open to many people are).
    rate_limited: bool = True
    # True where strangers can bring the bot into their own rooms or servers (Discord, Matrix): there only
    # places the config maps belong to a community. A local adapter (the console) has one operator.
    mapped_places_only: bool = False
    # How long the platform recognises a resend of a message by its token and answers with the message
    # it already made instead of a new one (Matrix: transaction ids; Discord: nonces). An unconfirmed
    # message is sent again after a restart only within this time, else given up (bot/outbox.py).
    # None: the platform keeps no such record (the console): an unconfirmed message is shown again.
    resend_window: timedelta | None = None
    # How many messages of one batch (a check-in sweep's) may be in flight at once here. Network
    # platforms take many side by side, their own limits setting the pace (Discord's global request
    # limit, a homeserver's 429s); a local one shows them one after another.
    send_concurrency: int = 1

    def __init__(self) -> None:
        self._bot: Kindred | None = None

    def attach(self, bot: Kindred) -> None:
        self._bot = bot

    @property
    def attached(self) -> bool:
        return self._bot is not None

    @property
    def bot(self) -> Kindred:
        """The bot this adapter delivers events to (`Kindred.add_adapter` attaches it before start)."""
        if self._bot is None:
            raise RuntimeError(f"{type(self).__name__} is not attached to a bot yet")
        return self._bot

    @abstractmethod
    async def start(self) -> None:
        """Connect and begin delivering events to the bot. Returns once connected."""

    @abstractmethod
    async def stop(self) -> None: ...

    @abstractmethod
    async def send(self, place: PlaceRef, content: Content, token: str | None = None) -> SentRef:
        """Send; `token` (from the outbox) makes a resend of the same message show it once."""

    @abstractmethod
    async def send_private(self, user: UserRef, content: Content, token: str | None = None) -> SentRef: ...

    @abstractmethod
    async def edit(self, ref: SentRef, content: Content) -> None: ...

    @abstractmethod
    async def is_moderator(self, user: UserRef, community_id: int) -> bool:
        """What the platform says in the community's own mapped places (never in rooms nobody mapped)."""

    async def list_moderators(self, community_id: int) -> list[UserRef]:
        """The community's moderators on this platform whom the bot can message privately (a crisis
        alert with no alert channel goes to each of them). Empty where the platform cannot say."""
        return []

    def command_names(self) -> frozenset[str]:
        """First words of the commands members can type here (`checkin` for `checkin start`)."""
        if not self.attached:
            return frozenset()
        router = self.bot.router
        return router.derived("first words", lambda: frozenset(name.split()[0] for name in router.commands))

    def localize_commands(self, content: Content) -> Content:
        """The content with its `!command` hints in this platform's prefix (the same content where it is `!`)."""
        if self.command_prefix == PREFIX:
            return content
        names = self.command_names()

        def local(text: str) -> str:
            return retarget_commands(text, names, self.command_prefix) if text else text

        return replace(
            content,
            text=local(content.text),
            title=content.title and local(content.title),
            footer=content.footer and local(content.footer),
            fields=[(local(name), local(value)) for name, value in content.fields],
        )

    def parse_user(self, text: str) -> UserRef | None:
        """A user named in a command argument (a mention, an id); None if it names nobody."""
        return None

    async def create_thread(self, ref: SentRef, name: str) -> PlaceRef | None:
        """Open a thread under a message where the platform allows it; None where it does not."""
        return None

    async def forget_files(self, user: UserRef) -> None:
        """Delete the files this adapter wrote outside the database for a person (the console saves the
        exports and charts sent to them). Called when their data is erased or they leave a feature."""
        return None

    def responder(self, place: PlaceRef, author: UserRef) -> Responder:
        return Responder(self, place, author)

    async def run_forever(self) -> None:
        """For adapters that own the process's input (the console); others return at once."""
        return None
