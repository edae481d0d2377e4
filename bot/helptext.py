"""The text of `!help`, generated from the command declarations.

Members see only what they may run: moderator-only commands are listed for moderators alone, in the
overview and in a group's list alike.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.commands import PREFIX, Access, Command
from bot.model import Content

if TYPE_CHECKING:
    from bot.commands import Context, Router


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
    # The same for every member but moderators, until a cog comes or goes: built once (it took about
    # 0.1 ms, a tenth of a whole Discord round trip), then shared. The Content is new each time, so
    # whoever changes it changes only their own copy.
    moderator = await ctx.is_moderator()
    router = ctx.bot.router
    text = router.derived(("help overview", moderator), lambda: _overview_text(router, moderator))
    return Content(title="What I can do", text=text)


def _overview_text(router: Router, moderator: bool) -> str:
    lines = []
    by_title: dict[str, list[Command]] = {}
    order: dict[str, int] = {}
    for c in _visible(router, moderator):
        title = getattr(c.cog, "title", "") or "General"
        by_title.setdefault(title, []).append(c)
        order[title] = min(order.get(title, 100), getattr(c.cog, "help_order", 50))
    for title in sorted(by_title, key=order.__getitem__):
        lines.append(f"**{title}**")
        for c in by_title[title]:
            marker = " (moderators)" if c.access is Access.MODERATOR else ""
            lines.append(f"`{c.usage}`: {c.summary}{marker}")
    lines.append(f"\nType `{PREFIX}help NAME` for more on one command.")
    return "\n".join(lines)


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
