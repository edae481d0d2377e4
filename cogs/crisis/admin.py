"""`!crisisadmin ...`: what moderators choose for their community (stored per community)."""

from __future__ import annotations

from bot.commands import Access, Context, Param, ParamType, command
from bot.text import plural

from .helplines import known_codes, lines_for, normalize_country
from .texts import DEFAULTS

DEFAULT_COOLDOWN_MINUTES = 60


class AdminMixin:
    """Mixed into CrisisCog (needs self.settings())."""

    @command("crisisadmin show", access=Access.MODERATOR, private=True)
    async def admin_show(self, ctx: Context) -> None:
        """Show this community's crisis settings."""
        settings = await self.settings(ctx.community.id)
        values = await settings.all()
        alert = values.get("alert_place")
        mode = values.get("monitor_mode", "all")
        monitored = ", ".join(f"`{p}`" for p in values.get("monitored", [])) or "none"
        texts = values.get("texts", {})
        if alert:
            alerts_to = f"`{alert['place_id']}` on {alert['platform']}"
        else:
            alerts_to = "moderators privately (set a channel with `!crisisadmin alerts`)"
        lines = [
            f"**Monitored:** {'every channel' if mode == 'all' else 'no channels' if mode == 'off' else monitored}"
            " (direct messages with the bot always are)",
            f"**Alerts go to:** {alerts_to}",
            f"**Cooldown:** {plural(values.get('cooldown_minutes', DEFAULT_COOLDOWN_MINUTES), 'minute')}",
            f"**Re-alert:** {_realert_words(values.get('realert_minutes', 15))}",
            f"**Community country:** {lines_for(ctx.community.country).name} ({ctx.community.country})",
            f"**Reply texts changed:** {', '.join(sorted(texts)) or 'none'}",
            f"**Reply texts you can change** (`!crisisadmin text KEY TEXT`): {', '.join(DEFAULTS)}",
        ]
        await ctx.reply("\n".join(lines), private=True)

    @command(
        "crisisadmin monitor",
        access=Access.MODERATOR,
        private=True,
        params=[Param("mode", ParamType.CHOICE, choices=("all", "add", "remove", "off"),
                      help="all channels, add or remove THIS channel, or off (DMs are always watched)")],
        examples=["!crisisadmin monitor add", "!crisisadmin monitor all"],
    )
    async def admin_monitor(self, ctx: Context, mode: str) -> None:
        """Choose where crisis detection listens: every channel, a list of channels, or none."""
        settings = await self.settings(ctx.community.id)
        monitored: list[str] = await settings.get("monitored", [])
        if mode in ("all", "off"):
            await settings.set("monitor_mode", mode)
            said = "every channel" if mode == "all" else "no channels (direct messages still)"
            await ctx.reply(f"Crisis detection now listens in {said}.", private=True)
            return
        if ctx.place.is_direct:
            await ctx.reply("Run `!crisisadmin monitor add` inside the channel you want to add.", private=True)
            return
        key = ctx.place.key
        if mode == "add" and key not in monitored:
            monitored.append(key)
        if mode == "remove" and key in monitored:
            monitored.remove(key)
        await settings.set("monitored", monitored)
        await settings.set("monitor_mode", "list")
        await ctx.reply(f"Crisis detection now listens in {len(monitored)} chosen channel(s).", private=True)

    @command("crisisadmin alerts", access=Access.MODERATOR, private=True, examples=["!crisisadmin alerts"])
    async def admin_alerts(self, ctx: Context) -> None:
        """Send crisis alerts to THIS channel (run it in your moderators-only channel)."""
        if ctx.place.is_direct:
            await ctx.reply("Run `!crisisadmin alerts` in the moderators' channel, not in a direct message.",
                            private=True)
            return
        settings = await self.settings(ctx.community.id)
        await settings.set("alert_place", {"platform": ctx.place.platform, "place_id": ctx.place.place_id,
                                           "scope_id": ctx.place.scope_id})
        await ctx.reply("Crisis alerts will come to this channel. Make sure only moderators can read it.",
                        private=True)

    @command(
        "crisisadmin cooldown",
        access=Access.MODERATOR,
        private=True,
        params=[Param("minutes", ParamType.INTEGER, min=5, max=1440, help="5 to 1440")],
        examples=["!crisisadmin cooldown 60"],
    )
    async def admin_cooldown(self, ctx: Context, minutes: int) -> None:
        """How long after a crisis reply the same member gets no second one (unless it gets worse)."""
        await (await self.settings(ctx.community.id)).set("cooldown_minutes", minutes)
        await ctx.reply(f"Cooldown set to {plural(minutes, 'minute')}.", private=True)

    @command(
        "crisisadmin realert",
        access=Access.MODERATOR,
        private=True,
        params=[Param("minutes", ParamType.INTEGER, min=0, max=1440, help="0 for never, else 1 to 1440")],
        examples=["!crisisadmin realert 15"],
    )
    async def admin_realert(self, ctx: Context, minutes: int) -> None:
        """Repeat an alert nobody acknowledged after this many minutes (0: never)."""
        await (await self.settings(ctx.community.id)).set("realert_minutes", minutes)
        await ctx.reply(f"Unacknowledged alerts: {_realert_words(minutes)}.", private=True)

    @command(
        "crisisadmin country",
        access=Access.MODERATOR,
        private=True,
        params=[Param("country", ParamType.TEXT, help="two-letter code or name, e.g. GB or Ireland")],
        examples=["!crisisadmin country GB"],
    )
    async def admin_country(self, ctx: Context, country: str) -> None:
        """The community's country: whose helplines members see unless they chose their own."""
        code = normalize_country(country)
        if code is None:
            await ctx.reply(f"I don't have helplines for '{country}'. Use one of: {', '.join(known_codes())}.",
                            private=True)
            return
        await ctx.bot.communities.update(ctx.community.id, country=code)
        await ctx.reply(f"Community country set to {lines_for(code).name}.", private=True)

    @command(
        "crisisadmin text",
        access=Access.MODERATOR,
        private=True,
        params=[Param("key", ParamType.WORD, help="which text: see `!crisisadmin show` for the list"),
                Param("text", ParamType.TEXT, required=False, help="the new wording; leave empty to restore")],
        examples=["!crisisadmin text closing You are not alone. Type !helpline any time."],
    )
    async def admin_text(self, ctx: Context, key: str, text: str | None = None) -> None:
        """Change (or translate) one of the crisis reply texts; without TEXT, restore the original."""
        key = key.lower()
        if key not in DEFAULTS:
            await ctx.reply(f"There is no reply text called '{key}'. Use one of: {', '.join(DEFAULTS)}. "
                            "For example: `!crisisadmin text closing You are not alone.`", private=True)
            return
        settings = await self.settings(ctx.community.id)
        texts = await settings.get("texts", {})
        if text:
            texts[key] = text.strip()
            said = "changed"
        else:
            texts.pop(key, None)
            said = "restored to the original"
        await settings.set("texts", texts)
        await ctx.reply(f"Text `{key}` {said}. Original for reference:\n> {DEFAULTS[key]}", private=True)


def _realert_words(minutes: int) -> str:
    """"repeated after 15 minutes if nobody acknowledges them", or "never repeated"."""
    return f"repeated after {plural(minutes, 'minute')} if nobody acknowledges them" if minutes else "never repeated"
