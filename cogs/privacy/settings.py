"""A member's own settings: for now their timezone, for the times they are shown.

Discord shows every time in each viewer's own zone by itself. The console and Matrix cannot, so there a
time is written in the zone the member chose here, else in the community's. Like everything else about
a member, it is kept only after they agree, and goes with `!optout settings` or `!forgetme`.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.cog import Cog, DataStatement
from bot.commands import Context, Param, ParamType, command
from bot.model import Content, UserRef
from bot.params import parse_timezone, suggest_timezones
from bot.storage import Migration

FEATURE = "settings"
OFF_WORDS = ("off", "clear", "none", "community")

CONSENT = """To show you times in your own zone, Kindred keeps **the timezone you choose**.
**Who sees it:** only you. **For how long:** until you change it (`!settings timezone off`), leave \
(`!optout settings`), or erase everything with `!forgetme`."""


class MemberSettingsCog(Cog):
    name = "settings"
    title = "Your data"
    help_area = "data"
    help_line = "what is kept (`!privacy`), a copy (`!mydata`), erase it all (`!forgetme`), your settings."
    help_order = 92
    feature = FEATURE
    consent_statement = CONSENT
    migrations = [
        Migration(
            1,
            "a member's own settings (their timezone)",
            """
        CREATE TABLE member_settings (
            member_id INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
            timezone  TEXT
        );
        """,
        )
    ]
    data_statement = DataStatement(
        stores="the timezone you chose for the times you are shown",
        why="so times on the console and Matrix are in your own time",
        retention="until you change it, !optout settings or !forgetme",
        who_can_see="only you",
    )

    def __init__(self, bot):
        super().__init__(bot)
        self.waiting: dict[str, str] = {}  # a zone asked for before agreeing (memory only)

    @command("settings show", private=True, examples=["!settings show"])
    async def settings(self, ctx: Context) -> None:
        """Your own settings: the timezone your times are shown in."""
        zone = await self.timezone_of(ctx.author)
        shown = zone or f"not set: times are shown in the community's, {ctx.community.timezone}"
        await ctx.reply(
            Content(
                title="Your settings",
                fields=[("Timezone", shown)],
                footer="Change it with !settings timezone ZONE, e.g. Europe/London.",
            ),
            private=True,
        )

    @command(
        "settings timezone",
        params=[
            Param(
                "zone",
                ParamType.TEXT,
                "like Europe/London, or off",
                max_length=60,
                autocomplete="zone_suggestions",
            )
        ],
        private=True,
        examples=["!settings timezone Europe/London", "!settings timezone off"],
    )
    async def set_timezone(self, ctx: Context, zone: str) -> None:
        """The timezone your times are shown in (on the console and Matrix; Discord shows yours already)."""
        member_id = await ctx.member_id()
        consented = await self.bot.consent.has(member_id, FEATURE)
        if zone.strip().lower() in OFF_WORDS:
            if consented:
                await self._save(member_id, None)
            await ctx.reply(
                f"Times are shown in the community's timezone, {ctx.community.timezone}.", private=True
            )
            return
        chosen = parse_timezone(zone)
        if not consented:
            self.waiting[ctx.author.key] = chosen
            await self.bot.consent.ask(ctx, FEATURE, CONSENT)
            return
        await self._save(member_id, chosen)
        await ctx.reply(self._saved(ctx, chosen), private=True)

    async def zone_suggestions(self, ctx: Context, partial: str) -> list[str]:
        return suggest_timezones(partial)

    async def on_consent(self, ctx: Context) -> None:
        chosen = self.waiting.pop(ctx.author.key, None)
        if chosen is None:
            await ctx.reply(
                "Thank you. Set your timezone with `!settings timezone Europe/London`.", private=True
            )
            return
        await self._save(await ctx.member_id(), chosen)
        await ctx.reply(self._saved(ctx, chosen), private=True)

    def _saved(self, ctx: Context, zone: str) -> str:
        now = self.bot.clock.now().astimezone(ZoneInfo(zone))
        return (
            f"Your timezone is {zone} (it's {now:%H:%M} there). I'll show you times in it on the console and "
            "Matrix; Discord already shows each person their own."
        )

    async def _save(self, member_id: int | None, zone: str | None) -> None:
        if member_id is None:  # (only members who agreed get here)
            return
        await self.bot.db.execute(
            "INSERT INTO member_settings (member_id, timezone) VALUES (?, ?) "
            "ON CONFLICT (member_id) DO UPDATE SET timezone = excluded.timezone",
            (member_id, zone),
        )

    async def timezone_of(self, user: UserRef) -> str | None:
        """The zone this person chose, if they did (one keyed read; adapters ask it per private message)."""
        return await self.bot.db.fetchval(
            """SELECT s.timezone FROM identities i JOIN member_settings s ON s.member_id = i.member_id
               WHERE i.platform = ? AND i.user_id = ?""",
            (user.platform, user.user_id),
        )

    async def export_member_data(self, member_id: int) -> dict:
        zone = await self.bot.db.fetchval(
            "SELECT timezone FROM member_settings WHERE member_id = ?", (member_id,)
        )
        return {"timezone": zone} if zone else {}

    async def delete_member_data(self, member_id: int) -> None:
        await self.bot.db.execute("DELETE FROM member_settings WHERE member_id = ?", (member_id,))

    async def on_optout(self, member_id: int) -> None:
        await self.delete_member_data(member_id)  # the only thing it keeps is the setting itself
