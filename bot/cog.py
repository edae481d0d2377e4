"""The contract every feature cog follows (after discord.py's Cog and Red's data-deletion API).

A cog lives in its own package under cogs/ with a thin `__init__.py`:

    async def setup(bot):
        await bot.add_cog(CheckinsCog(bot))

`cog_load` starts the cog's background work and `cog_unload` cancels it. Every cog must be able to
export and to erase everything it holds about one member.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.storage import Migration

if TYPE_CHECKING:
    from bot.commands import Context
    from bot.model import IncomingMessage, UserRef
    from bot.services import BotServices


@dataclass(frozen=True)
class DataStatement:
    """What a cog keeps about members, in plain words, for `!privacy` and the consent question."""

    stores: str
    why: str
    retention: str
    who_can_see: str


@dataclass(frozen=True)
class SealedColumn:
    """A column holding `bot.vault.seal(text, context)` tokens, re-encrypted by `kindred keys rotate`.

    `context` may name another column of the row, as in "checkins:{member_id}".
    """

    table: str
    column: str
    context: str

    def context_for(self, row) -> str:
        return self.context.format(**{key: row[key] for key in row.keys()})


class Cog:
    name: str = ""  # unique, lowercase; also the component name for migrations and settings
    title: str = ""  # shown as the heading in !help
    help_order: int = 50  # headings in !help go from low to high
    # One line for the cog's area in the one-screen `!help` ("a short private check-in each day, ...").
    # Cogs with the same title share an area; the first one's line and `help_area` are used.
    help_line: str = ""
    help_area: str = ""  # the word after `!help` that lists the area ("checkins"); default: the name
    # A line `!help` shows before everything else (the crisis cog's: help right now, privately).
    help_first: str = ""
    feature: str | None = None  # consent key, when the cog stores anything about members
    migrations: list[Migration] = []
    data_statement: DataStatement | None = None
    # Plain words shown before opt-in; `!optin FEATURE` and the cog's own start command use it.
    consent_statement: str = ""
    # What "Keep" keeps when a member leaves the feature with `!optout` and keeps their data, and what
    # they can still do with it. Empty: the privacy cog's general wording.
    kept_after_optout: str = ""
    sealed_columns: list[SealedColumn] = []

    def __init__(self, bot: BotServices):
        self.bot = bot  # what a cog may use of the bot (bot/services.py)

    async def cog_load(self) -> None:
        """Start background work (register scheduler handlers, open resources)."""

    async def cog_unload(self) -> None:
        """Cancel what cog_load started."""

    async def export_member_data(self, member_id: int) -> dict[str, Any]:
        raise NotImplementedError(f"{type(self).__name__} must export a member's data")

    async def delete_member_data(self, member_id: int) -> None:
        raise NotImplementedError(f"{type(self).__name__} must erase a member's data")

    async def forget_identities(self, users: list[UserRef]) -> int:
        """Erase or anonymise rows that name these platform accounts rather than a member id: what a
        person did as a moderator or organiser (a log line, an acknowledged alert, a meetup they run).
        Runs on `!forgetme` for members and for people with no member row alike; returns rows changed."""
        return 0

    async def on_consent(self, ctx: Context) -> None:
        """The member just agreed to `feature`; continue where the opt-in started."""
        await ctx.reply("Thank you, you're in.", private=True)

    async def on_optout(self, member_id: int) -> None:
        """The member withdrew consent: stop anything scheduled for them."""

    async def enforce_retention(self, now: datetime) -> int:
        """Delete what is past its retention period; returns how many records went. Runs daily."""
        return 0

    async def moderator_notice(self, ctx: Context) -> str | None:
        """Something this community's moderators must know (say, that crisis alerts have no channel),
        shown privately after a moderator's command; return None once it has been said."""
        return None

    async def on_message(self, message: IncomingMessage, ctx: Context) -> None:
        """Every message that is not a command or an answer (only cogs that need it override this)."""
