"""The neutral chat model every cog speaks and every adapter translates.

Cogs never see a discord.py or nio object: they see these types, and each adapter renders them in its
platform's native way (see docs/architecture.md).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from enum import StrEnum


class Platform(StrEnum):
    CONSOLE = "console"
    DISCORD = "discord"
    MATRIX = "matrix"


@dataclass(frozen=True)
class UserRef:
    """A person on one platform. `user_id` is the platform's stable id, never a display name."""

    platform: str
    user_id: str
    display_name: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.user_id}"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, UserRef) and (self.platform, self.user_id) == (other.platform, other.user_id)

    def __hash__(self) -> int:
        return hash((self.platform, self.user_id))

    @property
    def name(self) -> str:
        return self.display_name or self.user_id


@dataclass(frozen=True)
class PlaceRef:
    """Where a message was said or is to be sent: a channel, a room, a thread or a direct message.

    `scope_id` is what maps the place to a community: the Discord guild id, or the Matrix room id.
    """

    platform: str
    place_id: str
    is_direct: bool = False
    scope_id: str | None = None

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.place_id}"


@dataclass(frozen=True)
class SentRef:
    """A message the bot sent, so that it can be edited or threaded later."""

    platform: str
    place_id: str
    message_id: str
    # True when the outbox answered with a message sent before (a re-run of the same occurrence or
    # event): nothing was sent now, so nothing that follows a send (a thread under it) is done twice.
    repeated: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Choice:
    """One option the member can pick with a tap (a button, a reaction, or typing its number).

    `id` is "prefix:value": the prefix routes the press to the cog handler registered for it, so a
    choice keeps working after a restart without any state in memory.
    """

    id: str
    label: str
    style: str = "secondary"  # primary | secondary | success | danger


@dataclass(frozen=True)
class FileAttachment:
    filename: str
    data: bytes
    mime_type: str = "application/octet-stream"
    description: str = ""


@dataclass(frozen=True)
class IncomingFile:
    """A file a member sent with a message. Only its description travels with the message: the bytes
    are fetched when a command reads it (bot.files.read_text_file), so nothing is downloaded that no
    command asked for, and too-big or non-text files are refused before any download."""

    filename: str
    size: int | None  # as the platform declares it (None where it does not)
    mime_type: str
    fetch: Callable[[], Awaitable[bytes]] = field(repr=False, compare=False)

    @classmethod
    def of(cls, attachment: FileAttachment) -> IncomingFile:
        """A file already in memory (the console, tests)."""

        async def fetch() -> bytes:
            return attachment.data

        return cls(attachment.filename, len(attachment.data), attachment.mime_type, fetch)


@dataclass(frozen=True)
class TextRequest:
    """A free-text question: a modal on Discord, the member's next message elsewhere."""

    id: str
    label: str
    placeholder: str = ""
    max_length: int = 200
    multiline: bool = False


@dataclass
class Content:
    """What a cog sends: Markdown text plus optional structure the adapter renders natively."""

    text: str = ""
    title: str | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    choices: list[Choice] = field(default_factory=list)
    files: list[FileAttachment] = field(default_factory=list)
    ask: TextRequest | None = None
    footer: str | None = None
    # Users this message may notify. Everyone else named in the text is shown, never pinged.
    mention_users: list[UserRef] = field(default_factory=list)
    # What the choices or question answer, in a few words ("your mood today", "your seat at Coffee"):
    # named when a member without buttons has several questions open. Default: the title or first line.
    about: str = ""

    @classmethod
    def of(cls, content: Content | str) -> Content:
        return content if isinstance(content, Content) else cls(text=content)

    def as_plain_text(self) -> str:
        """One readable rendering, used by the console and by tests."""
        parts = []
        if self.title:
            parts.append(f"**{self.title}**")
        if self.text:
            parts.append(self.text)
        parts.extend(f"**{name}:** {value}" for name, value in self.fields)
        if self.footer:
            parts.append(f"_{self.footer}_")
        return "\n".join(parts)


@dataclass(frozen=True)
class Community:
    """One group of people, wherever they chat: a Discord guild and/or Matrix rooms."""

    id: int
    name: str
    timezone: str
    country: str


@dataclass
class IncomingMessage:
    text: str
    author: UserRef
    place: PlaceRef
    message_id: str = ""
    link: str | None = None
    # Set when the message answers one the bot sent (a Matrix reply, for instance).
    reply_to: str | None = None
    # Files sent with the message (an import file for a moderator command, for instance).
    attachments: list[IncomingFile] = field(default_factory=list)
    # The platform's own id of this event, the same if it is delivered again (a Matrix event id, a
    # Discord message id): what the bot sends for it is sent once (bot/outbox.py). "" where there is
    # none that lasts (the console).
    event_id: str = ""


@dataclass
class ChoiceEvent:
    choice_id: str
    user: UserRef
    place: PlaceRef
    message_id: str = ""  # the message the choice was on
    event_id: str = ""  # the press itself (a reaction's event id, an interaction id), as on IncomingMessage


@dataclass
class TextAnswer:
    request_id: str
    text: str
    user: UserRef
    place: PlaceRef
    event_id: str = ""  # the answer itself (a form's interaction id), as on IncomingMessage
