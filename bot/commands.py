"""Commands declared once, routed the same way on every platform.

A cog declares a command with `@command(...)`: its name, help, typed parameters, who may run it and
whether the answer is private. The router parses `!name args` (console, Matrix); the Discord adapter
builds slash commands from `router.commands` and calls `router.invoke` with the options it received.
Permission checks and argument errors live here, never in the handlers.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.model import Community, Content, IncomingFile, PlaceRef, SentRef, UserRef
from bot.params import ArgumentError, Param, ParamType, convert, parse_arguments
from bot.text import nearest

if TYPE_CHECKING:
    from bot.adapters.base import Adapter, Responder
    from bot.core import Kindred

log = logging.getLogger(__name__)

PREFIX = "!"


class Access(StrEnum):
    EVERYONE = "everyone"
    PARTICIPANT = "participant"  # opted in to the command's feature
    MODERATOR = "moderator"


@dataclass
class Command:
    name: str
    help: str
    params: list[Param] = field(default_factory=list)
    access: Access = Access.EVERYONE
    feature: str | None = None
    private: bool = False
    examples: list[str] = field(default_factory=list)
    # What a member who has not opted in should type instead (for PARTICIPANT commands).
    join_hint: str = ""
    # `!group WORDS` that names no subcommand runs this one with WORDS (e.g. `!meetup Alumni coffee`
    # runs `meetup show`). Discord still sees only `/group show`.
    group_default: bool = False
    # What file the command reads from ctx.attachments, if any ("a .toml or .json prompts file"): Discord
    # offers it as an attachment option of the slash command; elsewhere members attach it to the message.
    file: str = ""
    # Acts for a community (its moderators, its meetups, its prompts) rather than for the member alone:
    # refused in rooms no community mapped. None: moderator commands and a cog's `community_feature`.
    community: bool | None = None
    # False for help in a crisis (`!crisis`, `!helpline`, `!sos`): it must answer whatever else the
    # member has just done, so it neither counts toward nor waits for the per-member limit.
    rate_limited: bool = True
    handler: Callable[..., Awaitable[Any]] | None = None
    cog: Any = None

    @property
    def usage(self) -> str:
        return " ".join([f"{PREFIX}{self.name}", *(p.placeholder for p in self.params)])

    @property
    def summary(self) -> str:
        return self.help.strip().splitlines()[0] if self.help else ""

    @property
    def group(self) -> str | None:
        return self.name.split()[0] if " " in self.name else None


def command(
    name: str,
    *,
    help: str = "",
    params: list[Param] | None = None,
    access: Access = Access.EVERYONE,
    feature: str | None = None,
    private: bool = False,
    examples: list[str] | None = None,
    join_hint: str = "",
    group_default: bool = False,
    file: str = "",
    community: bool | None = None,
    rate_limited: bool = True,
):
    """Declare a cog method as a command. The method's docstring is the help when `help` is empty."""

    def decorate(func):
        func.__kindred_command__ = Command(
            name=name,
            help=help or (func.__doc__ or "").strip(),
            params=list(params or []),
            access=access,
            feature=feature,
            private=private,
            examples=list(examples or []),
            join_hint=join_hint,
            group_default=group_default,
            file=file,
            community=community,
            rate_limited=rate_limited,
        )
        return func

    return decorate


def on_choice(prefix: str, *, owner_only: bool = False, rate_limited: bool = True):
    """Handle presses of choices whose id is "prefix:value"; the handler gets (ctx, value).

    `owner_only`: each such choice belongs to the person it was made for (`router.for_person`), and the
    router refuses anyone else's press or typed answer before the handler runs.
    `rate_limited=False` for answers to a crisis question: they go through whatever else was pressed."""

    def decorate(func):
        func.__kindred_choice__ = prefix
        func.__kindred_owner_only__ = owner_only
        func.__kindred_rate_limited__ = rate_limited
        return func

    return decorate


def on_text(prefix: str, *, owner_only: bool = False, rate_limited: bool = True):
    """Handle free-text answers to a TextRequest with id "prefix:value"; handler gets (ctx, value, text).
    `owner_only` and `rate_limited` as for on_choice."""

    def decorate(func):
        func.__kindred_text__ = prefix
        func.__kindred_owner_only__ = owner_only
        func.__kindred_rate_limited__ = rate_limited
        return func

    return decorate


# Separates a choice's value from the tag that binds it to one person ("crisis.safe:no:12~9f2c...").
OWNER_MARK = "~"


class Context:
    """Everything a handler needs to answer one event."""

    def __init__(
        self,
        bot: Kindred,
        adapter: Adapter | None,
        author: UserRef,
        place: PlaceRef,
        community: Community,
        responder: Responder | None,
        command: Command | None = None,
        message_id: str = "",
        link: str | None = None,
    ):
        self.bot = bot
        self.adapter = adapter
        self.author = author
        self.place = place
        self.community = community
        self.responder = responder
        self.command = command
        self.message_id = message_id
        self.link = link
        # Files that came with the command (described only: bot.files.read_text_file fetches one).
        self.attachments: list[IncomingFile] = []
        # Said in a room or server no community mapped (set by the bot): no community acts here.
        self.unmapped = False
        self._is_moderator: bool | None = None

    @property
    def attach_hint(self) -> str:
        """How to send a file with a command on this platform, for errors asking for one ("" if plain)."""
        return self.adapter.attach_hint if self.adapter else ""

    async def is_moderator(self) -> bool:
        """A moderator of this place's community. Nobody is one in a room no community mapped."""
        if self._is_moderator is None:
            self._is_moderator = not self.unmapped and await self.bot.is_moderator(
                self.author, self.community.id, self.adapter)
        return self._is_moderator

    async def member_id(self) -> int | None:
        return await self.bot.members.lookup(self.author)

    def local_now(self) -> datetime:
        return self.bot.clock.now().astimezone(ZoneInfo(self.community.timezone))

    async def reply(self, content: Content | str, private: bool | None = None) -> SentRef | None:
        if private is None:
            private = self.command.private if self.command else self.place.is_direct
        content = Content.of(content)
        if self.responder is None:
            sent = await self.bot.send_private(self.author, content)
        else:
            sent = await self.responder.reply(content, private)
        return sent


class Router:
    def __init__(self, bot: Kindred):
        self.bot = bot
        self.commands: dict[str, Command] = {}
        self.choice_handlers: dict[str, Callable[..., Awaitable[Any]]] = {}
        self.text_handlers: dict[str, Callable[..., Awaitable[Any]]] = {}
        self.owner_only: set[str] = set()  # choice and text prefixes whose ids are bound to a person
        # Choice and text-answer prefixes whose handlers are never rate-limited (answers to crisis questions).
        self.unlimited_prefixes: set[str] = set()
        # What is computed from the declarations alone (the help overview), kept until a cog comes or goes.
        self._derived: dict[Hashable, Any] = {}

    # --- registration -----------------------------------------------------------------------------

    def add_cog(self, cog: Any) -> None:
        for attr in dir(type(cog)):
            func = getattr(type(cog), attr)
            bound = getattr(cog, attr)
            if spec := getattr(func, "__kindred_command__", None):
                if spec.name in self.commands:
                    raise ValueError(f"command {spec.name!r} is declared twice")
                community = spec.community
                if community is None:
                    community = spec.access is Access.MODERATOR or bool(getattr(cog, "community_feature", False))
                declared = Command(**{**spec.__dict__, "handler": bound, "cog": cog, "community": community})
                self.commands[spec.name] = declared
            if prefix := getattr(func, "__kindred_choice__", None):
                self.choice_handlers[prefix] = bound
            if prefix := getattr(func, "__kindred_text__", None):
                self.text_handlers[prefix] = bound
            if getattr(func, "__kindred_owner_only__", False):
                self.owner_only.add(getattr(func, "__kindred_choice__", None) or func.__kindred_text__)
            if getattr(func, "__kindred_rate_limited__", True) is False:
                self.unlimited_prefixes.update(
                    p for p in (getattr(func, "__kindred_choice__", None), getattr(func, "__kindred_text__", None)) if p)
        self._derived.clear()

    def remove_cog(self, cog: Any) -> None:
        self.commands = {name: c for name, c in self.commands.items() if c.cog is not cog}
        self._derived.clear()
        for table in (self.choice_handlers, self.text_handlers):
            for prefix in [p for p, handler in table.items() if getattr(handler, "__self__", None) is cog]:
                del table[prefix]
                self.owner_only.discard(prefix)
                self.unlimited_prefixes.discard(prefix)

    def derived(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """`build()`, computed once for `key` until the commands change (a cog added or removed).

        For values that depend on nothing but the declarations, such as the help overview every /help shows."""
        try:
            return self._derived[key]
        except KeyError:
            value = self._derived[key] = build()
            return value

    def groups(self) -> set[str]:
        return {c.group for c in self.commands.values() if c.group}

    # --- text commands ----------------------------------------------------------------------------

    def find(self, text: str) -> tuple[Command | None, str, str]:
        """The command a line names (longest name first), the rest of the line, and the typed name."""
        words = text[len(PREFIX) :].split()
        for length in range(min(3, len(words)), 0, -1):
            name = " ".join(words[:length]).lower()
            if name in self.commands:
                rest = text[len(PREFIX) :].strip()
                for _ in range(length):
                    rest = rest.split(None, 1)[1] if len(rest.split(None, 1)) > 1 else ""
                return self.commands[name], rest, name
        return None, "", (words[0].lower() if words else "")

    async def dispatch_text(self, ctx: Context, text: str) -> None:
        command, rest, typed = self.find(text)
        if command is None:
            command, rest = self._group_default(typed, text)
        if command is None:
            await self._unknown(ctx, typed, text)
            return
        ctx.command = command
        if not await self._permitted(ctx, command):
            return
        try:
            args = parse_arguments(command.params, rest, ctx)
        except ArgumentError as error:
            await self._argument_error(ctx, command, str(error))
            return
        await self._run(ctx, command, args)

    async def invoke(self, command: Command, ctx: Context, options: dict[str, Any]) -> None:
        """Run a command with already-separated options (Discord slash commands)."""
        ctx.command = command
        if not await self._permitted(ctx, command):
            return
        args: dict[str, Any] = {}
        try:
            for param in command.params:
                raw = options.get(param.name)
                if raw is None or raw == "":
                    if param.required:
                        raise ArgumentError(f"{param.name} is missing")
                    args[param.name] = None
                else:
                    args[param.name] = convert(param, raw, ctx)
        except ArgumentError as error:
            await self._argument_error(ctx, command, str(error))
            return
        await self._run(ctx, command, args)

    async def _permitted(self, ctx: Context, command: Command) -> bool:
        # Checked before the arguments are read, so a refused command reveals nothing about its use.
        # (Most commands are for everyone: no need to ask.)
        restricted = command.access is not Access.EVERYONE or (command.community and ctx.unmapped)
        refusal = await self.refusal(ctx, command) if restricted else None
        if refusal:
            await ctx.reply(refusal, private=True)
            return False
        return not command.rate_limited or await self._within_rate_limit(ctx)

    async def _run(self, ctx: Context, command: Command, args: dict[str, Any]) -> None:
        outcome = "done"
        try:
            await command.handler(ctx, **args)
        except ArgumentError as error:
            outcome = "argument error"
            await self._argument_error(ctx, command, str(error))
        except Exception:
            outcome = "failed"
            log.exception("command failed", extra={"command": command.name})
            await ctx.reply(
                "Sorry, something went wrong on my side and nothing was changed. Please try again in a "
                "moment; if it keeps happening, let a moderator know.",
                private=True,
            )
        if outcome == "done" and command.access is Access.MODERATOR:
            await self._moderator_notices(ctx)
        # Logged once the member has their answer: writing the line (tens of µs at INFO) no longer
        # holds the answer up.
        log.info("command", extra={"command": command.name, "platform": ctx.author.platform, "outcome": outcome})

    async def _moderator_notices(self, ctx: Context) -> None:
        """After a moderator's command: what a cog needs its community's moderators to know (see
        Cog.moderator_notice), told privately to the moderator who is here."""
        for cog in list(self.bot.cogs.values()):
            try:
                notice = await cog.moderator_notice(ctx)
                if notice:
                    await ctx.reply(notice, private=True)
            except Exception:
                log.exception("moderator notice failed", extra={"cog": cog.name})

    async def _within_rate_limit(self, ctx: Context) -> bool:
        if ctx.adapter is not None and not ctx.adapter.rate_limited:
            return True  # the console: one operator at their own terminal, often running a script
        allowed, refusal = self.bot.rate_limiter.check(ctx.author)
        if refusal:
            await ctx.reply(refusal, private=True)
        return allowed

    async def refusal(self, ctx: Context, command: Command) -> str | None:
        """Why this person may not run this command here, or None."""
        if command.community and ctx.unmapped:
            return (f"This room isn't part of a community I serve, so `{PREFIX}{command.name}` doesn't work "
                    f"here. Use it in your community's rooms; in a private message I can help with your own "
                    f"things (`{PREFIX}help`).")
        if command.access is Access.MODERATOR and not await ctx.is_moderator():
            return f"`{PREFIX}{command.name}` is for moderators. Type `{PREFIX}help` to see what you can use."
        if command.access is Access.PARTICIPANT and command.feature:
            member_id = await ctx.member_id()
            if member_id is None or not await self.bot.consent.has(member_id, command.feature):
                hint = command.join_hint or f"{PREFIX}optin {command.feature}"
                return f"You have not joined {command.feature} yet. Type `{hint}` to start."
        return None

    async def _argument_error(self, ctx: Context, command: Command, problem: str) -> None:
        example = f" For example: `{command.examples[0]}`" if command.examples else ""
        end = "" if problem.endswith((".", "?", "!")) else "."
        await ctx.reply(f"{problem}{end} Type `{command.usage}`.{example}", private=True)

    async def _unknown(self, ctx: Context, typed: str, text: str) -> None:
        from bot.helptext import group_help, visible_commands  # (bot.helptext builds on this module)

        words = text[len(PREFIX) :].lower().split()
        if typed in self.groups() and len(words) == 1:
            await ctx.reply(await group_help(ctx, typed), private=True)
            return
        if typed in self.groups():
            # `!checkin strat`: the nearest of this group's commands, not the whole list.
            close = nearest(" ".join(words[:2]), [c.name for c in await visible_commands(ctx, typed)])
            hint = f" Did you mean `{PREFIX}{close}`?" if close else ""
            await ctx.reply(f"I don't know `{PREFIX}{typed} {words[1]}`.{hint} `{PREFIX}help {typed}` lists what "
                            f"`{PREFIX}{typed}` can do.", private=True)
            return
        names = [c.name for c in await visible_commands(ctx)]
        close = (nearest(" ".join(words[:2]), [n for n in names if " " in n]) if len(words) > 1 else None) \
            or nearest(typed, {n.split()[0] for n in names})
        hint = f" Did you mean `{PREFIX}{close}`?" if close else ""
        shown = typed if typed else text.strip()
        await ctx.reply(f"I don't know `{PREFIX}{shown}`.{hint} Type `{PREFIX}help` to see what I can do.", private=True)

    # --- choices and text answers -----------------------------------------------------------------

    # --- objects that belong to one person ---------------------------------------------------------

    def for_person(self, choice_id: str, user: UserRef) -> str:
        """A choice or question id only `user` can answer (for handlers declared `owner_only`)."""
        return f"{choice_id}{OWNER_MARK}{self.bot.vault.tag(f'{choice_id}|{user.key}')}"

    def _owned_value(self, ctx: Context, prefix: str, choice_id: str) -> str | None:
        """The id without its tag, if the tag says it was made for the person answering; else None."""
        bare, mark, tag = choice_id.rpartition(OWNER_MARK)
        if not mark or not hmac.compare_digest(tag, self.bot.vault.tag(f"{bare}|{ctx.author.key}")):
            log.info("refused an answer made for someone else", extra={"prefix": prefix})
            return None
        return bare.partition(":")[2]

    async def dispatch_choice(self, ctx: Context, choice_id: str) -> bool:
        prefix, _, value = choice_id.partition(":")
        handler = self.choice_handlers.get(prefix)
        if handler is None:
            log.warning("choice with no handler", extra={"prefix": prefix})
            await ctx.reply("That button has expired. Please run the command again.", private=True)
            return False
        if prefix in self.owner_only and (value := self._owned_value(ctx, prefix, choice_id)) is None:
            await ctx.reply("That button was meant for someone else, so I did nothing.", private=True)
            return False
        await self._call(ctx, handler, prefix, value)
        return True

    def _group_default(self, typed: str, text: str) -> tuple[Command | None, str]:
        """`!group WORDS` with no matching subcommand: the group's default command, given WORDS."""
        words = text[len(PREFIX) :].split(None, 1)
        if typed not in self.groups() or len(words) < 2:
            return None, ""
        default = next((c for c in self.commands.values() if c.group == typed and c.group_default), None)
        return default, (words[1] if default else "")

    async def dispatch_text_answer(self, ctx: Context, request_id: str, text: str) -> bool:
        prefix, _, value = request_id.partition(":")
        handler = self.text_handlers.get(prefix)
        if handler is None:
            return False
        if prefix in self.owner_only and (value := self._owned_value(ctx, prefix, request_id)) is None:
            await ctx.reply("That question was meant for someone else, so I did nothing.", private=True)
            return False
        await self._call(ctx, handler, prefix, value, text)
        return True

    async def _call(self, ctx: Context, handler, prefix: str, *args) -> None:
        if prefix not in self.unlimited_prefixes and not await self._within_rate_limit(ctx):
            return
        try:
            await handler(ctx, *args)
        except ArgumentError as error:
            await ctx.reply(str(error), private=True)
        except Exception:
            log.exception("handler failed", extra={"handler": getattr(handler, "__qualname__", "?")})
            await ctx.reply("Sorry, something went wrong on my side. Please try again.", private=True)


# Re-exported for cogs: one import gives the whole declaration vocabulary.
__all__ = ["Access", "ArgumentError", "Command", "Context", "Param", "ParamType", "command", "on_choice", "on_text"]
