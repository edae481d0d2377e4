"""Commands declared once, routed the same way on every platform.

A cog declares a command with `@command(...)`: its name, help, typed parameters, who may run it and
whether the answer is private. The router parses `!name args` (console, Matrix); the Discord adapter
builds slash commands from `router.commands` and calls `router.invoke` with the options it received.
Permission checks and argument errors live here, never in the handlers.
"""

from __future__ import annotations

import hmac
import inspect
import logging
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.guards import Guard
from bot.model import Community, Content, IncomingFile, PlaceRef, SentRef, UserRef
from bot.params import ArgumentError, Param, ParamType, convert, parse_arguments
from bot.text import nearest

if TYPE_CHECKING:
    from bot.adapters.base import Adapter, Responder
    from bot.core import Kindred
    from bot.services import BotServices

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


@dataclass(frozen=True)
class Answer:
    """A cog's handler for presses of choices "prefix:value" (kind "choice", handler gets (ctx, value))
    or for typed answers to questions "prefix:value" (kind "text", handler gets (ctx, value, text))."""

    kind: str
    prefix: str
    owner_only: bool = False
    rate_limited: bool = True
    guard: Guard[Any] | None = None  # the value names one object; see bot/guards.py
    handler: Callable[..., Awaitable[Any]] | None = None
    cog: Any = None


def on_choice(
    prefix: str, *, owner_only: bool = False, rate_limited: bool = True, guard: Guard[Any] | None = None
):
    """Handle presses of choices whose id is "prefix:value"; the handler gets (ctx, value).

    `owner_only`: each such choice belongs to the person it was made for (`router.for_person`), and the
    router refuses anyone else's press or typed answer before the handler runs.
    `rate_limited=False` for answers to a crisis question: they go through whatever else was pressed.
    `guard`: the value names one object; the router loads it and checks who may act on it first, and
    the handler gets it as a keyword argument too (bot/guards.py)."""

    def decorate(func):
        func.__kindred_choice__ = Answer("choice", prefix, owner_only, rate_limited, guard)
        return func

    return decorate


def on_text(
    prefix: str, *, owner_only: bool = False, rate_limited: bool = True, guard: Guard[Any] | None = None
):
    """Handle free-text answers to a TextRequest with id "prefix:value"; handler gets (ctx, value, text).
    `owner_only`, `rate_limited` and `guard` as for on_choice."""

    def decorate(func):
        func.__kindred_text__ = Answer("text", prefix, owner_only, rate_limited, guard)
        return func

    return decorate


class DeclarationError(ValueError):
    """A cog's declarations do not fit its code (a Param naming no argument, a prefix another cog
    holds, an autocomplete method that does not exist). Raised when the cog is added, so the mistake
    stops the bot at start instead of answering members "Sorry, something went wrong"."""


# What `Router._guarded` returns when the member was refused (None is a possible object: "nothing named").
REFUSED = object()

# Separates a choice's value from the tag that binds it to one person ("crisis.safe:no:12~9f2c...").
OWNER_MARK = "~"


class Context:
    """Everything a handler needs to answer one event."""

    def __init__(
        self,
        bot: BotServices,
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
                self.author, self.community.id, self.adapter
            )
        return self._is_moderator

    async def member_id(self) -> int | None:
        return await self.bot.members.lookup(self.author)

    def local_now(self) -> datetime:
        return self.bot.clock.now().astimezone(ZoneInfo(self.community.timezone))

    async def reply(self, content: Content | str, private: bool | None = None) -> SentRef | None:
        if private is None:
            private = self.command.private if self.command else self.place.is_direct
        content = Content.of(content)
        sent: SentRef | None
        if self.responder is None:
            sent = await self.bot.send_private(self.author, content)
        else:
            sent = await self.responder.reply(content, private)
        return sent


class Router:
    def __init__(self, bot: Kindred):
        self.bot = bot
        self.commands: dict[str, Command] = {}
        self.choices: dict[str, Answer] = {}  # by prefix: who handles presses of "prefix:value"
        self.texts: dict[str, Answer] = {}  # by prefix: who handles typed answers to "prefix:value"
        # What is computed from the declarations alone (the help overview), kept until a cog comes or goes.
        self._derived: dict[Hashable, Any] = {}

    # --- registration -----------------------------------------------------------------------------

    def add_cog(self, cog: Any) -> None:
        """Register a cog's commands and answers, after checking every declaration (`check_cog`)."""
        commands, answers = self.check_cog(cog)
        for declared in commands:
            self.commands[declared.name] = declared
        for answer in answers:
            self._answers(answer.kind)[answer.prefix] = answer
        self._derived.clear()

    def check_cog(self, cog: Any) -> tuple[list[Command], list[Answer]]:
        """The cog's commands and answers, bound to it; DeclarationError naming the first mistake.

        Nothing is registered here, so a cog with a mistake leaves the router as it was."""
        where = f"cog {getattr(cog, 'name', '') or type(cog).__name__!r}"
        commands: list[Command] = []
        answers: list[Answer] = []
        for attr in dir(type(cog)):
            func = getattr(type(cog), attr)
            bound = getattr(cog, attr)
            if spec := getattr(func, "__kindred_command__", None):
                if spec.name in self.commands or any(c.name == spec.name for c in commands):
                    raise DeclarationError(f"{where}: command {spec.name!r} is declared twice")
                _check_params(where, spec, bound, cog)
                community = spec.community
                if community is None:
                    community = spec.access is Access.MODERATOR or bool(
                        getattr(cog, "community_feature", False)
                    )
                commands.append(
                    Command(**{**spec.__dict__, "handler": bound, "cog": cog, "community": community})
                )
            for answer in (
                getattr(func, "__kindred_choice__", None),
                getattr(func, "__kindred_text__", None),
            ):
                if answer is None:
                    continue
                holder = self._answers(answer.kind).get(answer.prefix) or next(
                    (a for a in answers if (a.kind, a.prefix) == (answer.kind, answer.prefix)), None
                )
                if holder is not None:
                    raise DeclarationError(
                        f"{where}: {answer.kind} prefix {answer.prefix!r} of {attr}() is already handled by "
                        f"cog {getattr(holder.cog, 'name', 'core')!r} ({getattr(holder.handler, '__name__', '?')}()); give it a prefix of its own, "
                        f"such as {getattr(cog, 'name', 'cog')}.{answer.prefix.rpartition('.')[2]}"
                    )
                arguments = ("ctx", "value") if answer.kind == "choice" else ("ctx", "value", "text")
                try:
                    inspect.signature(bound).bind(
                        *arguments, **({answer.guard.into: None} if answer.guard else {})
                    )
                except TypeError:
                    if answer.guard:
                        arguments += (answer.guard.into,)
                    raise DeclarationError(
                        f"{where}: {attr}() handles {answer.kind} prefix {answer.prefix!r} "
                        f"so it must take ({', '.join(arguments)})"
                    ) from None
                answers.append(Answer(**{**answer.__dict__, "handler": bound, "cog": cog}))
        return commands, answers

    def add_core_choice(self, prefix: str, handler: Callable[..., Awaitable[Any]]) -> None:
        """A choice the core itself answers (which of two open questions a bare number was for)."""
        self.choices[prefix] = Answer("choice", prefix, handler=handler)

    def _answers(self, kind: str) -> dict[str, Answer]:
        return self.choices if kind == "choice" else self.texts

    def remove_cog(self, cog: Any) -> None:
        self.commands = {name: c for name, c in self.commands.items() if c.cog is not cog}
        self.choices = {prefix: a for prefix, a in self.choices.items() if a.cog is not cog}
        self.texts = {prefix: a for prefix, a in self.texts.items() if a.cog is not cog}
        self._derived.clear()

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
            for param in command.params:
                if param.guard is None:
                    continue
                found = await self._guarded(ctx, command.cog, param.guard, args[param.name])
                if found is REFUSED:
                    outcome = "refused"
                    break
                args[param.guard.into] = found
            else:
                assert command.handler is not None  # every registered command is bound (check_cog)
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
        log.info(
            "command", extra={"command": command.name, "platform": ctx.author.platform, "outcome": outcome}
        )

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
            return (
                f"This room isn't part of a community I serve, so `{PREFIX}{command.name}` doesn't work "
                f"here. Use it in your community's rooms; in a private message I can help with your own "
                f"things (`{PREFIX}help`)."
            )
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
            await ctx.reply(
                f"I don't know `{PREFIX}{typed} {words[1]}`.{hint} `{PREFIX}help {typed}` lists what "
                f"`{PREFIX}{typed}` can do.",
                private=True,
            )
            return
        names = [c.name for c in await visible_commands(ctx)]
        close = (
            nearest(" ".join(words[:2]), [n for n in names if " " in n]) if len(words) > 1 else None
        ) or nearest(typed, {n.split()[0] for n in names})
        hint = f" Did you mean `{PREFIX}{close}`?" if close else ""
        shown = typed if typed else text.strip()
        await ctx.reply(
            f"I don't know `{PREFIX}{shown}`.{hint} Type `{PREFIX}help` to see what I can do.", private=True
        )

    # --- choices and text answers -----------------------------------------------------------------

    # --- objects that belong to one person ---------------------------------------------------------

    async def _guarded(self, ctx: Context, cog: Any, guard: Guard[Any], reference: str | None) -> Any:
        """The object `reference` names, if this person may act on it; else REFUSED, once the member
        was told why (not found: the guard's loader says so; not theirs: the guard's refusal)."""
        if reference is None:  # an optional argument left out names nothing
            return None
        target = await guard.load(cog, ctx, reference)
        if target is None:
            return REFUSED
        if not await guard.allows(cog, ctx, target):
            log.info(
                "refused an object to someone who may not act on it", extra={"cog": getattr(cog, "name", "?")}
            )
            await ctx.reply(guard.refusal, private=True)
            return REFUSED
        return target

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
        answer = self.choices.get(prefix)
        if answer is None:
            log.warning("choice with no handler", extra={"prefix": prefix})
            await ctx.reply("That button has expired. Please run the command again.", private=True)
            return False
        return await self._call(ctx, answer, choice_id, value)

    def _group_default(self, typed: str, text: str) -> tuple[Command | None, str]:
        """`!group WORDS` with no matching subcommand: the group's default command, given WORDS."""
        words = text[len(PREFIX) :].split(None, 1)
        if typed not in self.groups() or len(words) < 2:
            return None, ""
        default = next((c for c in self.commands.values() if c.group == typed and c.group_default), None)
        return default, (words[1] if default else "")

    async def dispatch_text_answer(self, ctx: Context, request_id: str, text: str) -> bool:
        prefix, _, value = request_id.partition(":")
        answer = self.texts.get(prefix)
        if answer is None:
            return False
        return await self._call(ctx, answer, request_id, value, text)

    async def _call(self, ctx: Context, answer: Answer, answer_id: str, value: str, *text: str) -> bool:
        """Run an answer's handler; False if the answer was someone else's (`owner_only`)."""
        if answer.owner_only:
            owned = self._owned_value(ctx, answer.prefix, answer_id)
            if owned is None:
                what = "button" if answer.kind == "choice" else "question"
                await ctx.reply(f"That {what} was meant for someone else, so I did nothing.", private=True)
                return False
            value = owned
        if answer.rate_limited and not await self._within_rate_limit(ctx):
            return True
        handler = answer.handler
        assert handler is not None  # every registered answer is bound (check_cog)
        try:
            found: dict[str, Any] = {}
            if answer.guard is not None:
                if (target := await self._guarded(ctx, answer.cog, answer.guard, value)) is REFUSED:
                    return True
                found[answer.guard.into] = target
            await handler(ctx, value, *text, **found)
        except ArgumentError as error:
            await ctx.reply(str(error), private=True)
        except Exception:
            log.exception("handler failed", extra={"handler": getattr(handler, "__qualname__", "?")})
            await ctx.reply("Sorry, something went wrong on my side. Please try again.", private=True)
        return True


def _check_params(where: str, spec: Command, handler: Callable[..., Any], cog: Any) -> None:
    """Each Param names an argument of the handler, each argument without a default has a Param, and
    each autocomplete names a method of the cog."""
    arguments = dict(list(inspect.signature(handler).parameters.items())[1:])  # after ctx
    takes_any = any(a.kind is inspect.Parameter.VAR_KEYWORD for a in arguments.values())
    named = [
        a
        for a in arguments.values()
        if a.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    ]
    shown = ", ".join(a.name for a in named) or "none"
    declared = [param.name for param in spec.params]
    guarded = [param.guard.into for param in spec.params if param.guard]
    for into in guarded:
        if into not in arguments and not takes_any:
            raise DeclarationError(
                f"{where}: command {spec.name!r} guards an object it gives as {into!r}, but "
                f"{handler.__name__}() has no argument {into!r}; its arguments: {shown}"
            )
    for param in spec.params:
        if declared.count(param.name) > 1:
            raise DeclarationError(f"{where}: command {spec.name!r} declares Param({param.name!r}) twice")
        if param.name not in arguments and not takes_any:
            close = nearest(param.name, [a.name for a in named])
            hint = f" (did you mean {close!r}?)" if close else ""
            raise DeclarationError(
                f"{where}: command {spec.name!r} declares Param({param.name!r}) but "
                f"{handler.__name__}() has no argument {param.name!r}{hint}; its arguments: {shown}"
            )
        if param.autocomplete is not None and not callable(getattr(cog, param.autocomplete, None)):
            raise DeclarationError(
                f"{where}: command {spec.name!r}, Param({param.name!r}) offers values from "
                f"{param.autocomplete}(), but the cog has no such method"
            )
    for argument in named:
        if argument.default is inspect.Parameter.empty and argument.name not in declared + guarded:
            raise DeclarationError(
                f"{where}: command {spec.name!r}: {handler.__name__}() needs argument "
                f"{argument.name!r} but no Param declares it"
            )


# Re-exported for cogs: one import gives the whole declaration vocabulary.
__all__ = [
    "Access",
    "Answer",
    "ArgumentError",
    "Command",
    "DeclarationError",
    "Guard",
    "Context",
    "Param",
    "ParamType",
    "command",
    "on_choice",
    "on_text",
]
