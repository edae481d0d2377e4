"""The crisis cog: notice, answer privately with local help, bring a human in.

Every ordinary message in a monitored place (and every DM to the bot) goes through the detector.
At CONCERN or IMMINENT the member gets a private, warm reply (ephemeral or DM) and the moderators
get an alert with an Acknowledge button. Nothing about the message is stored: not its text, not
its score; the alert row keeps level, category, where and who acknowledged it, never who the member
is, and goes after ALERT_RETENTION. Cooldowns live in memory, so a restart errs on the side of replying again.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.cog import Cog, DataStatement, SealedColumn
from bot.commands import Context, Param, ParamType, command, on_choice
from bot.model import Choice, Content, IncomingMessage
from bot.text import timestamp

from . import helplines
from .admin import DEFAULT_COOLDOWN_MINUTES, AdminMixin
from .alerts import REALERT_HANDLER, AlertsMixin
from .detector import Assessment, Category, Level, assess
from .safetyplan import PLAN_CONTEXT, SafetyPlanMixin
from .store import MIGRATIONS, CrisisStore
from .texts import Texts

log = logging.getLogger(__name__)

# Moderators follow an alert up within days; its row (never the member or the words) is kept a while for
# their records, then goes.
ALERT_RETENTION = timedelta(days=90)

CONSENT_STATEMENT = (
    "**What it stores:** your country, if you set one with `!mycountry` (to show you the right helplines), "
    "and your safety plan if you write one, encrypted.\n"
    "**Why:** so help that fits you is there when things are hard.\n"
    "**For how long:** until you change or delete it, `!optout crisis`, or `!forgetme`.\n"
    "**Who can see it:** only you. Moderators never see your plan.\n"
    "Crisis detection itself never stores what you write, whether or not you join."
)


class CrisisCog(SafetyPlanMixin, AlertsMixin, AdminMixin, Cog):
    name = "crisis"
    title = "Crisis support"
    feature = "crisis"
    migrations = MIGRATIONS
    consent_statement = CONSENT_STATEMENT
    sealed_columns = [SealedColumn("crisis_safety_plans", "sealed", PLAN_CONTEXT)]
    data_statement = DataStatement(
        stores="your country (if you set one) and your safety plan (if you write one), encrypted",
        why="to show you the right help and your own plan, and so a moderator can reach you",
        retention="until you change or delete them, !optout crisis or !forgetme",
        who_can_see="you; moderators see alerts (level, kind, where), never your messages or plan",
    )

    def __init__(self, bot):
        super().__init__(bot)
        self.store = CrisisStore(bot.db)
        self.recent: dict[str, tuple[Level, datetime]] = {}  # user key -> (level replied at, until)
        self.after_consent: dict[str, tuple[str, str]] = {}  # what a member asked for before agreeing

    async def cog_load(self) -> None:
        self.bot.scheduler.register_handler(REALERT_HANDLER, self.realert)
        helplines.lines_for(None)  # read the table now, not during someone's crisis

    async def settings(self, community_id: int):
        return self.bot.community_settings(community_id, "crisis")

    async def texts(self, community_id: int) -> Texts:
        return Texts(await (await self.settings(community_id)).get("texts", {}))

    # --- detection --------------------------------------------------------------------------------

    async def on_message(self, message: IncomingMessage, ctx: Context) -> None:
        # The detector (tens of microseconds, no I/O) goes first: nearly every message is ordinary,
        # and only a worrying one needs the community's monitoring settings read.
        result = assess(message.text)
        if result.is_crisis and await self._monitored(ctx):
            await self.crisis_flow(ctx, result, link=message.link)
        elif result.answering and not ctx.place.is_direct and await self._monitored(ctx):
            await self.note_conversation(ctx, link=message.link)

    async def _monitored(self, ctx: Context) -> bool:
        if ctx.place.is_direct:
            return True
        settings = await self.settings(ctx.community.id)
        alert_place = await settings.get("alert_place")
        if alert_place and alert_place.get("place_id") == ctx.place.place_id:
            return False  # moderators discussing an alert must not raise another
        mode = await settings.get("monitor_mode", "all")
        if mode == "all":
            return True
        if mode == "off":
            return False
        return ctx.place.key in await settings.get("monitored", [])

    async def crisis_flow(self, ctx: Context, result: Assessment, link: str | None = None,
                          where: str | None = None) -> bool:
        """Reply privately and alert the moderators, unless this member was just answered at this level."""
        now = self.bot.clock.now()
        previous = self.recent.get(ctx.author.key)
        if previous and now < previous[1] and result.level <= previous[0]:
            log.info("crisis reply held back by cooldown", extra={"level": result.level.name})
            return False
        minutes = await (await self.settings(ctx.community.id)).get("cooldown_minutes", DEFAULT_COOLDOWN_MINUTES)
        if len(self.recent) > 1000:
            self.recent = {key: value for key, value in self.recent.items() if value[1] > now}
        self.recent[ctx.author.key] = (result.level, now + timedelta(minutes=minutes))
        # The alert goes first: the reply's "are you safe?" buttons carry its id, and the moderators
        # must hear even if the member cannot be reached.
        alert_id = await self.raise_alert(ctx, result, link, where=where)
        try:
            await ctx.reply(await self.reply_content(ctx, result, alert_id), private=True)
        except Exception:
            log.exception("crisis reply could not be delivered", extra={"alert": alert_id})
            await self.note_undelivered_reply(alert_id, ctx.community.id)
        return True

    async def note_conversation(self, ctx: Context, link: str | None) -> None:
        """A peer is answering someone who may be in crisis: tell the moderators where, once per place and cooldown.

        The peer is not asked if they are safe and is not named: the note is about the conversation, not them.
        """
        now = self.bot.clock.now()
        key = f"conversation:{ctx.place.key}"
        if key in self.recent and now < self.recent[key][1]:
            return
        minutes = await (await self.settings(ctx.community.id)).get("cooldown_minutes", DEFAULT_COOLDOWN_MINUTES)
        self.recent[key] = (Level.NONE, now + timedelta(minutes=minutes))
        texts = await self.texts(ctx.community.id)
        where = f"channel `{ctx.place.place_id}`" + (f" ([open the message]({link}))" if link else "")
        await self.deliver_alert(ctx.community.id, Content(
            title="A conversation may need a moderator", text=texts.get("alert_conversation"),
            fields=[("Where", where), ("When", timestamp(now, "f"))],
            footer="The message itself is not copied here or stored anywhere."))
        log.info("crisis conversation noted")

    async def screen_private_text(self, ctx: Context, text: str) -> bool:
        """For other cogs (a check-in note, a journal line): run the crisis flow if the text needs it.

        Returns True if it did. The text is assessed in memory only and never stored or logged here.
        """
        result = assess(text)
        if not result.is_crisis:
            return False
        feature = ctx.command.name if ctx.command else "a private note"
        return await self.crisis_flow(ctx, result, where=f"something written privately to the bot ({feature})")

    async def substance_use_resources(self, ctx: Context) -> str:
        """Markdown: the substance-use line for the member's own country, else the community's."""
        return helplines.substance_use_markdown(await self.country_for(ctx))

    # --- the reply --------------------------------------------------------------------------------

    async def country_for(self, ctx: Context) -> str | None:
        member_id = await ctx.member_id()
        own = None
        if member_id is not None and await self.bot.consent.has(member_id, self.feature):
            own = await self.store.country(member_id)
        return own or ctx.community.country

    async def reply_content(self, ctx: Context, result: Assessment, alert_id: int) -> Content:
        texts = await self.texts(ctx.community.id)
        country = await self.country_for(ctx)
        lines = helplines.lines_for(country)
        emergency = lines.emergency.contact
        imminent = result.level is Level.IMMINENT
        if await self.has_alert_destination(ctx.community.id):
            opening = "opening_dm" if ctx.place.is_direct else "opening"
        else:
            opening = "opening_no_moderators"
        parts = [texts.get(opening, name=ctx.author.name)]
        special = {Category.OVERDOSE: "overdose", Category.MEDICAL: "medical",
                   Category.VIOLENCE_ABUSE: "violence", Category.RELAPSE: "relapse"}.get(result.category)
        if special:
            parts.append(texts.get(special, emergency=emergency))
        if imminent and special not in ("overdose", "medical", "violence"):
            parts.append(texts.get("imminent", emergency=emergency))
        parts.append(texts.get("safe_question"))
        picked = helplines.pick(country, result.category, imminent)
        parts.append(texts.get("resources_heading") + "\n" + "\n".join(f"- {line.markdown()}" for line in picked))
        parts.append(texts.get("grounding"))
        plan = await self.member_plan(await ctx.member_id())
        if plan:
            parts.append(texts.get("plan_heading") + "\n" + self.plan_markdown(plan))
        parts.append(texts.get("closing"))

        def mine(choice_id: str) -> str:  # only this member may answer about their own alert
            return self.bot.router.for_person(choice_id, ctx.author)

        return Content(
            text="\n\n".join(parts),
            choices=[Choice(mine(f"crisis.safe:yes:{alert_id}"), "I'm safe for now", "success"),
                     Choice(mine(f"crisis.safe:no:{alert_id}"), "I'm not safe", "danger"),
                     Choice(mine(f"crisis.safe:talk:{alert_id}"), "I'd like to talk to someone", "primary")],
        )

    @on_choice("crisis.safe", owner_only=True)  # a member's own answer about their own alert
    async def safe_answer(self, ctx: Context, value: str) -> None:
        """The member's answer to "are you safe right now?"; the moderators hear about it."""
        answer, _, alert_ref = value.partition(":")
        texts = await self.texts(ctx.community.id)
        emergency = helplines.lines_for(await self.country_for(ctx)).emergency.contact
        alert = await self.store.alert(int(alert_ref)) if alert_ref.isdigit() else None
        if answer == "no":
            if alert is None:
                await self.raise_alert(ctx, None, None, requested=True, urgent=True)
            else:
                await self.store.mark_urgent(alert["id"])
                row = await self.store.alert(alert["id"])
                await self.deliver_alert(row["community_id"], self.alert_content(row, ctx.author, texts))
            await ctx.reply(texts.get("answer_not_safe", emergency=emergency), private=True)
        elif answer == "talk":
            if alert is None:
                await self.raise_alert(ctx, None, None, requested=True)
            else:
                await self.deliver_alert(alert["community_id"], Content(
                    text=f"{texts.get('alert_requested')} ({ctx.author.name}, {ctx.author.key}, alert #{alert['id']})",
                    choices=[Choice(f"crisis.ack:{alert['id']}", "Acknowledge", "primary")]))
            await ctx.reply(texts.get("answer_talk"), private=True)
        else:
            await ctx.reply(texts.get("answer_safe", emergency=emergency), private=True)

    # --- commands ---------------------------------------------------------------------------------

    @command(
        "helpline",
        private=True,
        params=[Param("country", ParamType.TEXT, required=False, help="two-letter code or name, e.g. GB, Ireland")],
        examples=["!helpline", "!helpline GB", "!helpline new zealand"],
    )
    async def helpline(self, ctx: Context, country: str | None = None) -> None:
        """Helplines for your country (or the one you name): crisis, text, drugs and alcohol, emergency."""
        if country and helplines.normalize_country(country) is None:
            await ctx.reply(
                f"I don't have checked numbers for '{country}'. Try a two-letter code such as "
                f"{', '.join(helplines.known_codes())}.\n\n" + helplines.full_card(None),
                private=True,
            )
            return
        await ctx.reply(helplines.full_card(country or await self.country_for(ctx)), private=True)

    @command("crisis", private=True, examples=["!crisis"])
    async def crisis(self, ctx: Context) -> None:
        """Help right now, privately: who to call or text, a grounding exercise, and your safety plan."""
        texts = await self.texts(ctx.community.id)
        country = await self.country_for(ctx)
        picked = helplines.pick(country, None, imminent=True)
        parts = [texts.get("crisis_command"), texts.get("safe_question"),
                 texts.get("resources_heading") + "\n" + "\n".join(f"- {line.markdown()}" for line in picked),
                 texts.get("grounding")]
        plan = await self.member_plan(await ctx.member_id())
        if plan:
            parts.append(texts.get("plan_heading") + "\n" + self.plan_markdown(plan))
        parts.append("Type `!helpline` for every number I know for your country.")
        await ctx.reply(Content(text="\n\n".join(parts),
                                choices=[Choice(self.bot.router.for_person("crisis.safe:talk", ctx.author),
                                                "Ask a moderator to reach out", "primary"),
                                         Choice(self.bot.router.for_person("crisis.safe:no", ctx.author),
                                                "I'm not safe", "danger")]),
                        private=True)

    @command(
        "mycountry",
        private=True,
        params=[Param("country", ParamType.TEXT, required=False, help="two-letter code or name; 'clear' to remove")],
        examples=["!mycountry GB", "!mycountry clear"],
    )
    async def mycountry(self, ctx: Context, country: str | None = None) -> None:
        """Set the country whose helplines you see (stored only if you agree)."""
        member_id = await ctx.member_id()
        consented = await self.bot.consent.has(member_id, self.feature)
        if not country:
            current = await self.store.country(member_id) if consented else None
            shown = helplines.lines_for(current).name if current else f"not set (using the community's: {ctx.community.country})"
            await ctx.reply(f"Your country: {shown}. Set it with `!mycountry GB`.", private=True)
            return
        clear = country.strip().lower() in ("clear", "none", "remove")
        code = None if clear else helplines.normalize_country(country)
        if not clear and code is None:
            await ctx.reply(f"I don't have helplines for '{country}'. Use a two-letter code such as "
                            f"{', '.join(helplines.known_codes())}.", private=True)
            return
        if not consented:
            if clear:
                await ctx.reply("You have no country stored.", private=True)
                return
            self.after_consent[ctx.author.key] = ("country", code)
            await self.bot.consent.ask(ctx, self.feature, self.consent_statement)
            return
        await self._save_country(ctx, member_id, code)

    async def _save_country(self, ctx: Context, member_id: int, code: str | None) -> None:
        await self.store.set_country(member_id, code, self.bot.clock.now().isoformat())
        said = f"set to {helplines.lines_for(code).name}" if code else "cleared"
        await ctx.reply(f"Your country is {said}. `!helpline` now shows its numbers.", private=True)

    async def on_consent(self, ctx: Context) -> None:
        intent, value = self.after_consent.pop(ctx.author.key, ("", ""))
        member_id = await ctx.member_id()
        if intent == "country":
            await self._save_country(ctx, member_id, value)
        elif intent == "plan":
            await self._ask_section(ctx, 0, {})
        else:
            await ctx.reply("Thank you. Type `!safetyplan write` or `!mycountry CODE` to use it.", private=True)

    # --- privacy ----------------------------------------------------------------------------------

    async def export_member_data(self, member_id: int) -> dict:
        country = await self.store.country(member_id)
        plan = await self._plan(member_id)
        data: dict = {}
        if country:
            data["country"] = country
        if plan:
            data["safety_plan"] = plan
        return data

    async def delete_member_data(self, member_id: int) -> None:
        await self.store.delete_member(member_id)

    async def forget_identities(self, users) -> int:
        return await self.store.anonymise_acknowledger([user.key for user in users])

    async def enforce_retention(self, now: datetime) -> int:
        return await self.store.forget_alerts_before((now - ALERT_RETENTION).isoformat())
