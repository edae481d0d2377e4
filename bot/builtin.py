"""Commands the core always has: help, generated from the declarations."""

from __future__ import annotations

from bot import helptext as help_text
from bot.cog import Cog
from bot.commands import Context, Param, ParamType, command


class HelpCog(Cog):
    name = "help"
    title = "General"
    help_order = 0

    @command(
        "help",
        params=[Param("command", ParamType.TEXT, required=False, help="a command name, e.g. checkin start")],
        examples=["!help", "!help mydata"],
    )
    async def help(self, ctx: Context, command: str | None = None) -> None:
        """List what I can do, or explain one command."""
        if command is None:
            await ctx.reply(await help_text.overview(ctx))
            return
        found = help_text.lookup(ctx.bot.router, command)
        if found is not None:
            await ctx.reply(help_text.command_help(found))
        elif (group := help_text.typed_name(command)) in ctx.bot.router.groups():
            await ctx.reply(await help_text.group_help(ctx, group))
        else:
            await ctx.reply(f"There is no command called `{help_text.typed_name(command)}`. "
                            "Type `!help` to see them all.")

    async def export_member_data(self, member_id: int) -> dict:
        return {}

    async def delete_member_data(self, member_id: int) -> None:
        return None
