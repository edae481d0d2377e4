"""Commands the core always has: help, generated from the declarations, and the community's settings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot import helptext as help_text
from bot.cog import Cog
from bot.commands import Access, Context, Param, ParamType, command
from bot.model import Content
from bot.params import suggest_timezones
from bot.text import quote_member_text


class HelpCog(Cog):
    name = "help"
    title = "General"
    help_order = 0

    @command(
        "help",
        params=[
            Param(
                "command",
                ParamType.TEXT,
                required=False,
                help="an area (checkins, meetups...) or a command name, e.g. checkin start",
            )
        ],
        examples=["!help", "!help checkins", "!help mydata"],
    )
    async def help(self, ctx: Context, command: str | None = None) -> None:
        """List what I can do, or explain one area or command."""
        if command is None:
            await ctx.reply(await help_text.overview(ctx))
            return
        await ctx.reply(await help_text.answer(ctx, command))

    async def export_member_data(self, member_id: int) -> dict:
        return {}

    async def delete_member_data(self, member_id: int) -> None:
        return None


class CommunityCog(Cog):
    """A community's name, timezone and country, changed by its moderators from chat (the config file
    holds the same three; see bot/communities.py for which wins)."""

    name = "community"
    title = "Community"
    help_order = 95
    help_line = "the community's name, timezone and country."

    @command("community show", access=Access.MODERATOR, private=True)
    async def show(self, ctx: Context) -> None:
        """This community's name, timezone and country."""
        community = ctx.community
        await ctx.reply(
            Content(
                title=community.name,
                fields=[
                    ("Timezone", f"{community.timezone} (now {ctx.local_now():%H:%M})"),
                    (
                        "Country",
                        f"{community.country} (whose helplines members see unless they chose their own)",
                    ),
                ],
                footer="Change them with !community timezone ZONE, !community country CC, !community name NAME.",
            ),
            private=True,
        )

    @command(
        "community timezone",
        params=[Param("zone", ParamType.TIMEZONE, "like America/Chicago", autocomplete="zone_suggestions")],
        access=Access.MODERATOR,
        private=True,
        examples=["!community timezone America/Chicago"],
    )
    async def timezone(self, ctx: Context, zone: str) -> None:
        """The community's timezone: for times shown where a platform can't show each person their own."""
        community = await ctx.bot.communities.update(ctx.community.id, timezone=zone)
        now = ctx.bot.clock.now().astimezone(ZoneInfo(zone))
        await ctx.reply(
            f"This community's timezone is now {community.timezone} (it's {now:%H:%M} there). Times "
            "are shown in it on the console and Matrix, to members who haven't set their own with "
            "`!settings timezone`; new meetups, prompt schedules and check-ins use it unless "
            "someone names another zone. What is already scheduled keeps its own zone.",
            private=True,
        )

    async def zone_suggestions(self, ctx: Context, partial: str) -> list[str]:
        return suggest_timezones(partial)

    @command(
        "community country",
        params=[Param("country", ParamType.COUNTRY, "a two-letter code, like GB")],
        access=Access.MODERATOR,
        private=True,
        examples=["!community country GB"],
    )
    async def country(self, ctx: Context, country: str) -> None:
        """The community's country: whose helplines members see unless they chose their own."""
        community = await ctx.bot.communities.update(ctx.community.id, country=country)
        await ctx.reply(
            f"This community's country is now {community.country}: members see its helplines unless "
            "they chose their own with `!mycountry`. `!helpline` shows them.",
            private=True,
        )

    @command(
        "community name",
        params=[Param("name", ParamType.TEXT, "the name members see", max_length=80)],
        access=Access.MODERATOR,
        private=True,
        examples=["!community name Riverside Alumni"],
    )
    async def rename(self, ctx: Context, name: str) -> None:
        """The community's name, as members see it."""
        community = await ctx.bot.communities.update(ctx.community.id, name=quote_member_text(name, 80))
        await ctx.reply(f"This community is now called **{community.name}**.", private=True)

    async def export_member_data(self, member_id: int) -> dict:
        return {}

    async def delete_member_data(self, member_id: int) -> None:
        return None
