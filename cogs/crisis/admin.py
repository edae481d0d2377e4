"""`!crisisadmin ...`: what moderators choose for their community (stored per community).

`show` must tell the truth: where detection listens, who an alert would reach right now, what happens
when nobody acknowledges. Anything that makes the bot watch less asks first and says what would no
longer be watched.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.commands import Access, Context, Param, ParamType, command, on_choice
from bot.model import Choice, Content
from bot.text import plural

from .alerts import DEFAULT_REALERT_MINUTES
from .helplines import known_codes, lines_for, normalize_country
from .texts import DEFAULTS, template_problem

if TYPE_CHECKING:
    from bot.communities import CommunitySettingsStore
    from bot.model import UserRef
    from bot.services import BotServices

    from .store import CrisisStore

DEFAULT_COOLDOWN_MINUTES = 60
OPEN_ALERTS_SHOWN = 10
SAY_WHERE_ALERTS_GO = ("crisisadmin show", "crisisadmin alerts")
ACK_BUTTONS_SHOWN = 5


def in_minutes(minutes: int) -> str:
    return plural(minutes, "minute")


@dataclass(frozen=True)
class Monitoring:
    """Where detection listens. Direct messages with the bot are always watched, whatever this says.

    mode "all": every channel except `places`; "list": only `places`; "off": no channel."""

    mode: str = "all"
    places: tuple[str, ...] = ()

    @classmethod
    def of(cls, settings: dict) -> Monitoring:
        mode = settings.get("monitor_mode", "all")
        places = settings.get("monitored", []) if mode == "list" else settings.get("unmonitored", [])
        return cls(mode if mode in ("all", "list", "off") else "all", tuple(places if mode != "off" else ()))

    def watches(self, place_key: str) -> bool:
        if self.mode == "all":
            return place_key not in self.places
        return self.mode == "list" and place_key in self.places

    def describe(self, here: str | None = None) -> str:
        def name(key: str) -> str:
            shown = f"`{key.partition(':')[2]}` on {key.partition(':')[0]}"
            return f"{shown} (this channel)" if key == here else shown

        if self.mode == "off":
            text = "no channel"
        elif self.mode == "list":
            text = ("only " + ", ".join(name(key) for key in self.places)) if self.places else "no channel"
        elif self.places:
            text = "every channel except " + ", ".join(name(key) for key in self.places)
        else:
            text = "every channel"
        return text + "; direct messages with the bot always"

    async def save(self, settings) -> None:
        await settings.set("monitor_mode", self.mode)
        await settings.set("monitored" if self.mode == "list" else "unmonitored", list(self.places))


@dataclass(frozen=True)
class PendingNarrowing:
    """A change that would watch less, waiting for the moderator's yes."""

    community_id: int
    monitoring: Monitoring
    no_longer: str


class AdminMixin:
    """Mixed into CrisisCog (needs self.settings(), self.moderators(), self.on_call(), self.store)."""

    bot: BotServices
    store: CrisisStore
    settings: Callable[[int], Awaitable[CommunitySettingsStore]]
    moderators: Callable[[int], Awaitable[list[UserRef]]]
    on_call: Callable[[], list[UserRef]]
    open_alert_line: Callable[[Any, datetime], str]
    pending_narrowing: dict[str, PendingNarrowing]

    # --- show and open ---------------------------------------------------------------------------

    @command("crisisadmin show", access=Access.MODERATOR, private=True)
    async def admin_show(self, ctx: Context) -> None:
        """Show this community's crisis settings: what is watched, who alerts reach, open alerts."""
        settings = await self.settings(ctx.community.id)
        values = await settings.all()
        here = None if ctx.place.is_direct else ctx.place.key
        minutes = values.get("realert_minutes", DEFAULT_REALERT_MINUTES)
        on_call = ", ".join(user.key for user in self.on_call())
        if minutes:
            channel = "the alert channel and " if values.get("alert_place") else ""
            realert = f"after {in_minutes(minutes)}, to {channel}every moderator privately"
            realert += (
                f"; a round later also to the on-call list ({on_call})"
                if on_call
                else ("; no on-call list is set (`[crisis] on_call` in the config)")
            )
        else:
            realert = "never (`!crisisadmin realert 10` turns it on)"
        texts = values.get("texts", {})
        lines = [
            f"**Watching:** {Monitoring.of(values).describe(here)}.",
            f"**Alerts go to:** {await self.alert_destination_words(ctx.community.id, values)}",
            f"**Re-alert when nobody acknowledges:** {realert}.",
            f"**Open alerts:** {len(await self.store.open_alerts(ctx.community.id))} (`!crisisadmin open`)",
            f"**Cooldown:** {in_minutes(values.get('cooldown_minutes', DEFAULT_COOLDOWN_MINUTES))}: the same member "
            "at the same level and kind gets no second reply; a higher level or another kind always does.",
            f"**Community country:** {lines_for(ctx.community.country).name} ({ctx.community.country})",
            f"**Reply texts changed:** {', '.join(sorted(texts)) or 'none'}",
            f"**Reply texts you can change** (`!crisisadmin text KEY TEXT`): {', '.join(DEFAULTS)}",
        ]
        await ctx.reply("\n".join(lines), private=True)

    async def alert_destination_words(self, community_id: int, values: dict) -> str:
        moderators = await self.moderators(community_id)
        names = ", ".join(user.name for user in moderators)
        place = values.get("alert_place")
        if place:
            fallback = f"privately to {names}" if names else "nobody: I can't find a moderator to message"
            return (
                f"the channel `{place['place_id']}` on {place['platform']} "
                f"(if sending there fails: {fallback}). `!crisisadmin alerts off` sends them privately instead."
            )
        if names:
            return (
                f"every moderator privately, as there is no alert channel: {names}. "
                "To use a moderators-only channel instead, type `!crisisadmin alerts` there."
            )
        return (
            "**nobody.** There is no alert channel and I can't find a moderator to message privately, so a "
            "member in crisis is told no moderator could be reached. Type `!crisisadmin alerts` in a "
            "moderators-only channel, or list moderators in the config (`[community] moderators`)."
        )

    async def moderator_notice(self, ctx: Context) -> str | None:
        """Once per community, after a moderator's first command: alerts have no channel, so say where
        they go (or that they reach nobody)."""
        settings = await self.settings(ctx.community.id)
        values = await settings.all()
        if values.get("alert_place") or values.get("told_no_alert_place"):
            return None
        await settings.set("told_no_alert_place", True)
        if ctx.command and ctx.command.name in SAY_WHERE_ALERTS_GO:
            return None  # the command's own answer just said it
        return (
            "**About crisis alerts** (said once): alerts go to "
            f"{await self.alert_destination_words(ctx.community.id, values)} "
            "`!crisisadmin show` tells you any time."
        )

    @command("crisisadmin open", access=Access.MODERATOR, private=True, examples=["!crisisadmin open"])
    async def admin_open(self, ctx: Context) -> None:
        """Alerts nobody has acknowledged yet: when, where, level and kind (never what was written)."""
        rows = await self.store.open_alerts(ctx.community.id)
        if not rows:
            await ctx.reply("No open alerts: every crisis alert has been acknowledged.", private=True)
            return
        now = ctx.bot.clock.now()
        shown = rows[:OPEN_ALERTS_SHOWN]
        more = f"\n…and {len(rows) - len(shown)} older." if len(rows) > len(shown) else ""
        await ctx.reply(
            Content(
                title=f"Open crisis alerts: {len(rows)}",
                text="\n".join(self.open_alert_line(row, now) for row in shown) + more,
                choices=[
                    Choice(f"crisis.ack:{row['id']}", f"Acknowledge #{row['id']}", "primary")
                    for row in shown[:ACK_BUTTONS_SHOWN]
                ],
                footer="The member is named in each alert's first message; nothing they wrote is stored.",
            ),
            private=True,
        )

    # --- monitoring ------------------------------------------------------------------------------

    @command(
        "crisisadmin monitor",
        access=Access.MODERATOR,
        private=True,
        params=[
            Param(
                "mode",
                ParamType.CHOICE,
                choices=("all", "add", "remove", "off"),
                help="all channels, add or remove THIS channel, or off (DMs are always watched)",
            )
        ],
        examples=["!crisisadmin monitor all", "!crisisadmin monitor remove"],
    )
    async def admin_monitor(self, ctx: Context, mode: str) -> None:
        """Choose where crisis detection listens: every channel, chosen channels, or none (asks first)."""
        settings = await self.settings(ctx.community.id)
        now = Monitoring.of(await settings.all())
        if mode == "all":
            await Monitoring("all").save(settings)
            await ctx.reply(f"Crisis detection now listens in {Monitoring('all').describe()}.", private=True)
            return
        if mode == "off":
            await self._ask_to_narrow(
                ctx,
                Monitoring("off"),
                (
                    f"Watching now: {now.describe()}. Stop watching every channel? Members writing in crisis in any "
                    "channel would get no reply and raise no alert; only direct messages with the bot would be watched."
                ),
            )
            return
        if ctx.place.is_direct:
            await ctx.reply(f"Run `!crisisadmin monitor {mode}` inside the channel you mean.", private=True)
            return
        here = ctx.place.key
        if mode == "add":
            if now.mode == "list":
                await self._save_monitoring(
                    ctx, Monitoring("list", tuple(dict.fromkeys([*now.places, here])))
                )
            elif now.watches(here):
                await self._ask_to_narrow(
                    ctx,
                    Monitoring("list", (here,)),
                    (
                        "Every channel is watched now, this one included. Watch ONLY this channel? Every other "
                        "channel would no longer be watched (direct messages with the bot still are)."
                    ),
                )
            else:  # "all" with this channel left out, or "off"
                places = tuple(p for p in now.places if p != here) if now.mode == "all" else (here,)
                await self._save_monitoring(
                    ctx, Monitoring(now.mode if now.mode == "all" else "list", places)
                )
            return
        if not now.watches(here):
            await ctx.reply(
                f"This channel isn't watched anyway. Watching: {now.describe(here)}.", private=True
            )
            return
        if now.mode == "list":
            left = Monitoring("list", tuple(p for p in now.places if p != here))
        else:
            left = Monitoring("all", (*now.places, here))
        await self._ask_to_narrow(
            ctx,
            left,
            f"Stop watching this channel? Members writing here in crisis would "
            f"get no reply and raise no alert. Still watched: {left.describe()}.",
        )

    async def _ask_to_narrow(self, ctx: Context, monitoring: Monitoring, question: str) -> None:
        self.pending_narrowing[ctx.author.key] = PendingNarrowing(ctx.community.id, monitoring, question)
        await ctx.reply(
            Content(
                text=question,
                choices=[
                    Choice("crisis.monitor:yes", "Yes, watch less", "danger"),
                    Choice("crisis.monitor:no", "No, keep watching"),
                ],
            ),
            private=True,
        )

    @on_choice("crisis.monitor")
    async def confirm_narrowing(self, ctx: Context, value: str) -> None:
        pending = self.pending_narrowing.pop(ctx.author.key, None)
        if pending is None or not await ctx.bot.is_moderator(ctx.author, pending.community_id, ctx.adapter):
            await ctx.reply("That question has expired. Run `!crisisadmin monitor` again.", private=True)
            return
        if value != "yes":
            await ctx.reply("Nothing changed: detection listens where it did.", private=True)
            return
        settings = self.bot.community_settings(pending.community_id, "crisis")
        before = Monitoring.of(await settings.all())
        await pending.monitoring.save(settings)
        await ctx.reply(
            f"Done. Crisis detection now listens in {pending.monitoring.describe()}. "
            f"(Before: {before.describe()}.) `!crisisadmin monitor all` listens everywhere again.",
            private=True,
        )

    async def _save_monitoring(self, ctx: Context, monitoring: Monitoring) -> None:
        await monitoring.save(await self.settings(ctx.community.id))
        await ctx.reply(
            f"Crisis detection now listens in {monitoring.describe(ctx.place.key)}.", private=True
        )

    # --- alerts ----------------------------------------------------------------------------------

    @command(
        "crisisadmin alerts",
        access=Access.MODERATOR,
        private=True,
        params=[
            Param(
                "where",
                ParamType.CHOICE,
                choices=("here", "off"),
                required=False,
                help="here (the default): this channel; off: privately to every moderator",
            )
        ],
        examples=["!crisisadmin alerts", "!crisisadmin alerts off"],
    )
    async def admin_alerts(self, ctx: Context, where: str | None = None) -> None:
        """Send crisis alerts to THIS channel (run it in your moderators-only channel), or `off`: privately."""
        settings = await self.settings(ctx.community.id)
        if where == "off":
            await settings.delete("alert_place")
            values = await settings.all()
            await ctx.reply(
                f"No alert channel now. Alerts go to {await self.alert_destination_words(ctx.community.id, values)}",
                private=True,
            )
            return
        if ctx.place.is_direct:
            await ctx.reply(
                "Run `!crisisadmin alerts` in the moderators' channel, not in a direct message.", private=True
            )
            return
        await settings.set(
            "alert_place",
            {"platform": ctx.place.platform, "place_id": ctx.place.place_id, "scope_id": ctx.place.scope_id},
        )
        watched = Monitoring.of(await settings.all()).watches(ctx.place.key)
        await ctx.reply(
            "Crisis alerts will come to this channel. Make sure only moderators can read it. "
            + (
                "Members writing here are still watched (an alert about something written here goes to the "
                "moderators privately, so nobody is named in front of others); what moderators write here is "
                "not, so talking about an alert does not raise another."
                if watched
                else "This channel is not watched for crisis messages."
            )
            + " `!crisisadmin alerts off` sends alerts privately to every moderator instead.",
            private=True,
        )

    # --- the rest --------------------------------------------------------------------------------

    @command(
        "crisisadmin cooldown",
        access=Access.MODERATOR,
        private=True,
        params=[Param("minutes", ParamType.INTEGER, min=5, max=1440, help="5 to 1440")],
        examples=["!crisisadmin cooldown 60"],
    )
    async def admin_cooldown(self, ctx: Context, minutes: int) -> None:
        """How long the same member at the same level and kind gets no second reply (worse always does)."""
        await (await self.settings(ctx.community.id)).set("cooldown_minutes", minutes)
        await ctx.reply(
            f"Cooldown set to {in_minutes(minutes)}. A message at a higher level or of another kind is "
            "always answered.",
            private=True,
        )

    @command(
        "crisisadmin realert",
        access=Access.MODERATOR,
        private=True,
        params=[Param("minutes", ParamType.INTEGER, min=0, max=1440, help="0 for never, else 1 to 1440")],
        examples=["!crisisadmin realert 10"],
    )
    async def admin_realert(self, ctx: Context, minutes: int) -> None:
        """Send an alert nobody acknowledged again, to every moderator privately, after this many minutes."""
        await (await self.settings(ctx.community.id)).set("realert_minutes", minutes)
        said = (
            f"will be sent again after {in_minutes(minutes)}, to every moderator privately (then to the "
            "on-call list, if set)"
            if minutes
            else "will not be sent again"
        )
        await ctx.reply(f"Unacknowledged alerts {said}.", private=True)

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
            await ctx.reply(
                f"I don't have helplines for '{country}'. Use one of: {', '.join(known_codes())}.",
                private=True,
            )
            return
        await ctx.bot.communities.update(ctx.community.id, country=code)
        await ctx.reply(f"Community country set to {lines_for(code).name}.", private=True)

    @command(
        "crisisadmin text",
        access=Access.MODERATOR,
        private=True,
        params=[
            Param("key", ParamType.WORD, help="which text: see `!crisisadmin show` for the list"),
            Param("text", ParamType.TEXT, required=False, help="the new wording; leave empty to restore"),
        ],
        examples=["!crisisadmin text closing You are not alone. Type !helpline any time."],
    )
    async def admin_text(self, ctx: Context, key: str, text: str | None = None) -> None:
        """Change (or translate) one of the crisis reply texts; without TEXT, restore the original."""
        key = key.lower()
        if key not in DEFAULTS:
            await ctx.reply(
                f"There is no reply text called '{key}'. Use one of: {', '.join(DEFAULTS)}. "
                "For example: `!crisisadmin text closing You are not alone.`",
                private=True,
            )
            return
        if text and (problem := template_problem(key, text.strip())):
            await ctx.reply(
                f"I didn't change `{key}`: {problem} The original, for reference:\n> {DEFAULTS[key]}",
                private=True,
            )
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
