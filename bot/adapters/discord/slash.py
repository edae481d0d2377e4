"""Slash commands generated from the cogs' neutral declarations (bot.router.commands).

"checkin start" becomes /checkin start (a Group with a subcommand). Options get Discord types (integers
with their range, choices as a picker, users as a member picker, timezones with autocomplete). Values
are still converted and checked by the router, exactly as for `!checkin start 08:00`, so the two ways
in cannot disagree. Moderator-only commands are hidden from members by default_permissions (Manage
Server); the router checks again, since server admins can change who sees what.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Optional

import discord
from discord import app_commands

from bot.commands import Access, Command
from bot.params import Param, ParamType, suggest_timezones
from bot.text import retarget_commands

log = logging.getLogger(__name__)

# What the callback gets: (interaction, command, {param name: raw value}).
Runner = Callable[[discord.Interaction, Command, dict[str, Any]], Awaitable[None]]
# Autocomplete: (interaction, command, param, what was typed) -> suggestions.
Suggester = Callable[[discord.Interaction, Command, Param, str], Awaitable[list[str]]]

MODERATOR_PERMISSIONS = discord.Permissions(manage_guild=True)
SLASH = "/"  # what Discord members type before a command
ATTACHMENT_OPTION = "attachment"  # the file option of commands that read one (Command.file)


def description(text: str, fallback: str, names: frozenset[str] = frozenset()) -> str:
    """Discord wants 1-100 characters; `!name` hints of the named commands read `/name`."""
    text = (text or fallback).strip().splitlines()[0] if (text or fallback).strip() else fallback
    text = retarget_commands(text, names, SLASH)
    return text if len(text) <= 100 else text[:99] + "…"


def option_annotation(param: Param) -> Any:
    match param.type:
        case ParamType.INTEGER:
            low = param.min if param.min is not None else -(2**53)
            high = param.max if param.max is not None else 2**53
            return app_commands.Range[int, low, high]
        case ParamType.USER:
            return discord.User
        case _:
            return str


def build_command(
    command: Command, leaf_name: str, run: Runner, suggest: Suggester, names: frozenset[str] = frozenset()
) -> app_commands.Command:
    """One slash command whose options mirror the declaration (required options first, as Discord wants)."""
    ordered = [p for p in command.params if p.required] + [p for p in command.params if not p.required]
    python_names = {f"p{index}": param for index, param in enumerate(ordered)}

    async def callback(interaction: discord.Interaction, **values: Any) -> None:
        # The attachment option keeps its own name; the router's options are the declared params.
        await run(
            interaction,
            command,
            {python_names[key].name if key in python_names else key: value for key, value in values.items()},
        )

    parameters = [
        inspect.Parameter(
            "interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=discord.Interaction
        )
    ]
    annotations: dict[str, Any] = {"interaction": discord.Interaction}
    for key, param in python_names.items():
        annotation = option_annotation(param)
        if not param.required:
            annotation = Optional[annotation]  # noqa: UP045 (discord.py reads Optional[...] for optional options)
        annotations[key] = annotation
        parameters.append(
            inspect.Parameter(
                key,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotation,
                default=inspect.Parameter.empty if param.required else None,
            )
        )
    if command.file:  # a command that reads a file takes it as an (optional) attachment option
        if ATTACHMENT_OPTION in {p.name for p in command.params}:
            raise ValueError(f"a parameter named {ATTACHMENT_OPTION!r} would hide the file option")
        annotations[ATTACHMENT_OPTION] = Optional[discord.Attachment]  # noqa: UP045 (as above)
        parameters.append(
            inspect.Parameter(
                ATTACHMENT_OPTION,
                inspect.Parameter.KEYWORD_ONLY,
                annotation=annotations[ATTACHMENT_OPTION],
                default=None,
            )
        )
    callback.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    callback.__annotations__ = annotations

    # The public decorators, applied by hand: names, descriptions, choices and autocomplete per option.
    app_commands.rename(**{key: param.name for key, param in python_names.items()})(callback)
    described = {
        key: description(param.help, param_hint(param), names) for key, param in python_names.items()
    }
    if command.file:
        described[ATTACHMENT_OPTION] = description(command.file, "a file", names)
    app_commands.describe(**described)(callback)
    choices = {
        key: [app_commands.Choice(name=c, value=c) for c in param.choices[:25]]
        for key, param in python_names.items()
        if param.type is ParamType.CHOICE and param.choices
    }
    if choices:
        app_commands.choices(**choices)(callback)
    completers = {
        key: _completer(command, param, suggest)
        for key, param in python_names.items()
        if param.type is ParamType.TIMEZONE or param.autocomplete
    }
    if completers:
        app_commands.autocomplete(**completers)(callback)

    slash = app_commands.Command(
        name=leaf_name, description=description(command.summary, command.name, names), callback=callback
    )
    if command.access is Access.MODERATOR:
        slash.guild_only = True
        slash.default_permissions = MODERATOR_PERMISSIONS
    return slash


def param_hint(param: Param) -> str:
    return {
        ParamType.TIME: "a time of day, like 08:30 or 8:30pm",
        ParamType.DATE: "a date, like 2026-12-03, today or tomorrow",
        ParamType.DATETIME: "a date and time, like 2026-12-03 19:00 or next tuesday 7pm",
        ParamType.TIMEZONE: "a timezone, like Europe/London (start typing)",
        ParamType.COUNTRY: "a two-letter country code, like US or GB",
        ParamType.DAYS: "days, like mon-fri, tue and thu, weekdays or daily",
        ParamType.USER: "a member",
        ParamType.INTEGER: "a whole number",
    }.get(param.type, param.name)


def _completer(command: Command, param: Param, suggest: Suggester):
    async def complete(interaction: discord.Interaction, current: str) -> list[app_commands.Choice[str]]:
        if param.type is ParamType.TIMEZONE and not param.autocomplete:
            values = suggest_timezones(current, limit=25)
        else:
            values = await suggest(interaction, command, param, current)
        return [app_commands.Choice(name=v[:100], value=v[:100]) for v in values[:25]]

    return complete


def build_tree_commands(
    commands: dict[str, Command], run: Runner, suggest: Suggester
) -> list[app_commands.Command | app_commands.Group]:
    """Top-level slash commands and groups for every declared command (up to "group sub command")."""
    top: dict[str, app_commands.Command | app_commands.Group] = {}
    members_of: dict[str, list[Command]] = {}
    names = frozenset(name.split()[0] for name in commands)
    for name in sorted(commands):
        try:
            _place_command(top, members_of, commands[name], run, suggest, names)
        except (TypeError, ValueError) as error:  # a name or text Discord does not accept: text command only
            log.warning("not offered as a slash command", extra={"command": name, "error": str(error)})
    for group_name, group_commands in members_of.items():
        group = top[group_name]
        if all(c.access is Access.MODERATOR for c in group_commands):
            group.guild_only = True
            group.default_permissions = MODERATOR_PERMISSIONS
    return list(top.values())


def _place_command(
    top: dict,
    members_of: dict[str, list[Command]],
    command: Command,
    run: Runner,
    suggest: Suggester,
    names: frozenset[str],
) -> None:
    words = command.name.split()
    if len(words) > 3:
        raise ValueError("Discord nests commands at most three words deep")
    if len(words) == 1:
        if isinstance(top.get(command.name), app_commands.Group):
            raise ValueError(f"/{command.name} is also a group; Discord allows one or the other")
        top[command.name] = build_command(command, command.name, run, suggest, names)
        return
    parent = top.get(words[0])
    if isinstance(parent, app_commands.Command):
        raise ValueError(f"/{words[0]} is also a command; Discord allows one or the other")
    if parent is None:
        title = getattr(command.cog, "title", "") or words[0]
        parent = app_commands.Group(
            name=words[0], description=description(f"{title}: /{words[0]} commands", words[0])
        )
        top[words[0]] = parent
    if len(words) == 3:
        sub = parent.get_command(words[1])
        if sub is None:
            sub = app_commands.Group(name=words[1], description=f"/{words[0]} {words[1]} commands")
            parent.add_command(sub)
        parent = sub
    parent.add_command(build_command(command, words[-1], run, suggest, names))
    members_of.setdefault(words[0], []).append(command)


def declarations_hash(tree: app_commands.CommandTree) -> str:
    """A fingerprint of exactly what a sync would upload: same hash, nothing to sync."""
    payload = [command.to_dict(tree) for command in tree.get_commands()]
    encoded = json.dumps(sorted(payload, key=lambda c: c["name"]), sort_keys=True, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()
