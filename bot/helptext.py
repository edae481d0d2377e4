"""The text of `!help`, generated from the command declarations.

`!help` fits one screen: what to do in a crisis first, then one line per area (a cog, or cogs sharing a
title), each naming `!help AREA` for its commands; moderators get a short section of their own. Members
see only what they may run: moderator-only commands are listed for moderators alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from bot.commands import PREFIX, Access, Command
from bot.model import Content
from bot.text import nearest

if TYPE_CHECKING:
    from bot.commands import Context, Router

MODERATORS_AREA = "moderators"


@dataclass
class Area:
    """A heading of `!help`: the cogs sharing a title and their commands."""

    title: str
    key: str
    line: str
    order: int
    names: set[str] = field(default_factory=set)  # what members may type after `!help` for it
    commands: list[Command] = field(default_factory=list)

    def for_members(self) -> list[Command]:
        return [c for c in self.commands if c.access is not Access.MODERATOR]

    def for_moderators(self) -> list[Command]:
        return [c for c in self.commands if c.access is Access.MODERATOR]


def _plain(word: str) -> str:
    return re.sub(r"[\s_\-]", "", word.lower())


def areas(router: Router) -> list[Area]:
    """Every area with commands, in help order (built once per set of cogs)."""
    return router.derived("help areas", lambda: _areas(router))


def _areas(router: Router) -> list[Area]:
    by_title: dict[str, Area] = {}
    for command in sorted(router.commands.values(), key=lambda c: c.name):
        cog = command.cog
        title = getattr(cog, "title", "") or "General"
        area = by_title.get(title)
        if area is None:
            key = getattr(cog, "help_area", "") or getattr(cog, "name", "") or _plain(title)
            area = by_title[title] = Area(
                title, key, getattr(cog, "help_line", ""), getattr(cog, "help_order", 50)
            )
        area.line = area.line or getattr(cog, "help_line", "")
        area.order = min(area.order, getattr(cog, "help_order", 50))
        area.commands.append(command)
        area.names |= {
            _plain(title),
            _plain(title.split()[0]),
            _plain(area.key),
            _plain(getattr(cog, "name", "")),
            _plain(getattr(cog, "feature", "") or ""),
            *(_plain(c.group) for c in [command] if c.group),
        }
    return sorted(by_title.values(), key=lambda a: (a.order, a.title))


def find_area(router: Router, typed: str) -> Area | None:
    wanted = _plain(typed)
    return next((a for a in areas(router) if wanted in a.names or wanted.rstrip("s") in a.names), None)


async def visible_commands(ctx: Context, group: str | None = None) -> list[Command]:
    """The commands this person may run here (all of one group's, if given), by name."""
    return _visible(ctx.bot.router, await ctx.is_moderator(), group)


def _visible(router: Router, moderator: bool, group: str | None = None) -> list[Command]:
    return [
        c
        for c in sorted(router.commands.values(), key=lambda c: c.name)
        if (c.access is not Access.MODERATOR or moderator) and (group is None or c.group == group)
    ]


async def overview(ctx: Context) -> Content:
    # The same for every member but moderators, until a cog comes or goes: built once, then shared. The
    # Content is new each time, so whoever changes it changes only their own copy.
    moderator = await ctx.is_moderator()
    router = ctx.bot.router
    text = router.derived(("help overview", moderator), lambda: _overview_text(router, moderator))
    return Content(title="What I can do", text=text)


def _overview_text(router: Router, moderator: bool) -> str:
    lines = [
        first
        for cog in {c.cog for c in router.commands.values()}
        if (first := getattr(cog, "help_first", ""))
    ]
    for area in areas(router):
        members = area.for_members()
        if not members or area.key == "help":
            continue
        what = area.line or ", ".join(f"`{PREFIX}{c.name}`" for c in members[:3])
        lines.append(f"**{area.title}**: {what.rstrip('.')} · `{PREFIX}help {area.key}`")
    if moderator:
        lines.append(f"\n**For moderators** (`{PREFIX}help {MODERATORS_AREA}` lists them all):")
        for area in areas(router):
            if mine := area.for_moderators():
                shown = ", ".join(f"`{PREFIX}{c.name}`" for c in mine[:3]) + (", …" if len(mine) > 3 else "")
                lines.append(f"{area.title}: {shown}")
    lines.append(f"\nType `{PREFIX}help AREA` for an area's commands, or `{PREFIX}help COMMAND` for one.")
    return "\n".join(lines)


async def area_help(ctx: Context, area: Area) -> Content:
    moderator = await ctx.is_moderator()
    lines = [f"`{c.usage}`: {c.summary}" for c in area.for_members()]
    if moderator and area.for_moderators():
        lines.append("\n**For moderators:**")
        lines += [f"`{c.usage}`: {c.summary}" for c in area.for_moderators()]
    if not lines:
        return Content(
            text=f"{area.title} commands are for moderators. Type `{PREFIX}help` to see what you can use."
        )
    lines.append(
        f"\nType `{PREFIX}help COMMAND` for more on one, e.g. `{PREFIX}help {area.commands[0].name}`."
    )
    return Content(title=area.title, text="\n".join(lines))


async def moderators_help(ctx: Context) -> Content:
    if not await ctx.is_moderator():
        return Content(
            text=f"Those commands are for moderators. Type `{PREFIX}help` to see what you can use."
        )
    lines = []
    for area in areas(ctx.bot.router):
        if mine := area.for_moderators():
            lines.append(f"**{area.title}**")
            lines += [f"`{c.usage}`: {c.summary}" for c in mine]
    return Content(title="For moderators", text="\n".join(lines))


def command_help(command: Command) -> Content:
    lines = [command.help or command.summary, "", f"Usage: `{command.usage}`"]
    for p in command.params:
        optional = "" if p.required else " (optional)"
        kind = f"one of {', '.join(p.choices)}" if p.choices else p.type.value
        lines.append(f"- `{p.name}`{optional}: {p.help or kind}")
    if command.file:
        lines.append(f"- a file, attached: {command.file}")
    if command.examples:
        lines.append("Examples: " + ", ".join(f"`{e}`" for e in command.examples))
    if command.access is Access.MODERATOR:
        lines.append("_Moderators only._")
    return Content(title=f"{PREFIX}{command.name}", text="\n".join(lines))


async def group_help(ctx: Context, group: str) -> str:
    """The group's commands this person may run; a group only moderators can use says so."""
    shown = await visible_commands(ctx, group)
    if not shown:
        return f"`{PREFIX}{group}` commands are for moderators. Type `{PREFIX}help` to see what you can use."
    marker = {True: " (moderators)", False: ""}
    lines = [f"`{PREFIX}{group}` has these commands:"]
    lines += [f"`{c.usage}`: {c.summary}{marker[c.access is Access.MODERATOR]}" for c in shown]
    return "\n".join(lines)


def typed_name(name: str) -> str:
    """A command name as asked about: `!Checkin start`, `/checkin start` and `checkin start` alike."""
    return " ".join(name.strip().lstrip("!/").lower().split())


def lookup(router: Router, name: str) -> Command | None:
    return router.commands.get(typed_name(name))


async def answer(ctx: Context, asked: str) -> Content | str:
    """`!help WORDS`: one command, an area, the moderators' list, a group, or the nearest of them."""
    router = ctx.bot.router
    if (command := lookup(router, asked)) is not None:
        return command_help(command)
    name = typed_name(asked)
    if name == MODERATORS_AREA or name == "moderator":
        return await moderators_help(ctx)
    if name in router.groups() and not await visible_commands(ctx, name):
        return await group_help(ctx, name)  # says the group is for moderators
    if (area := find_area(router, name)) is not None:
        return await area_help(ctx, area)
    if name in router.groups():
        return await group_help(ctx, name)
    close = nearest(name, [c.name for c in await visible_commands(ctx)] + [a.key for a in areas(router)])
    hint = f" Did you mean `{PREFIX}help {close}`?" if close else ""
    return f"There is no command or area called `{name}`.{hint} Type `{PREFIX}help` to see them all."
