"""The crisis cog: notice, answer privately with local help, bring a human in.

Every ordinary message in a watched place (and every DM to the bot) goes through the detector. At
CONCERN or IMMINENT an alert goes to the moderators first (see alerts.py), then the member gets a
private, warm reply (ephemeral or DM) that says a moderator was told only if one was. Nothing about the
message is stored: not its text, not its score; the alert row keeps level, category, where and who
acknowledged it, never who the member is, and goes after ALERT_RETENTION.

Cooldown: the same member at the same level and of the same kind is answered once per cooldown
(default 60 minutes); a higher level, another kind, or anything IMMINENT always gets through (why:
docs/crisis.md). Cooldowns are kept on disk under a digest of the account, so a restart does not
answer a repeat again; a message delivered again (Matrix, after a crash) is never held back by the
cooldown its own first handling recorded.

Once per message, whatever the crash point: the alert is unique per source event, every message of
the flow is sent once by the outbox (bot/outbox.py), and an alert whose first delivery a crash cut
short is finished after the restart (alerts.py, FINISH_HANDLER), even where the platform never
delivers the message again (Discord).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.cog import Cog, DataStatement, SealedColumn
from bot.commands import Context, Param, ParamType, command, on_choice
from bot.communities import CommunitySettingsStore
from bot.model import Choice, Content, IncomingMessage, PlaceRef, UserRef
from bot.outbox import GaveUp, current_scope, delivery_scope
from bot.params import whole_number
from bot.scheduler import Occurrence
from bot.text import timestamp

from . import helplines
from .admin import DEFAULT_COOLDOWN_MINUTES, AdminMixin, Monitoring, PendingNarrowing
from .alerts import (
    FINISH_HANDLER,
    PENDING_CONTEXT,
    PRIVATE_FROM_ROUND,
    REALERT_HANDLER,
    AlertsMixin,
    Delivery,
)
from .detector import Assessment, Category, Level, assess
from .model import get_model
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
KEPT_AFTER_OPTOUT = (
    "your safety plan and your country stay stored (the plan encrypted), and only you can see them. You "
    "can still read and change them (`!safetyplan`, `!safetyplan edit`, `!mycountry`), and a crisis reply "
    "still shows your plan and your country's lines. Delete them any time with `!safetyplan delete` and "
    "`!mycountry clear`, or everything with `!forgetme`. (Crisis replies and `!crisis` never needed you to "
    "join: they store nothing.)"
)

# The extra words a reply carries for a kind of crisis (keys of texts.DEFAULTS), by category name.
KIND_TEXTS = {
    "overdose": "overdose",
    "medical": "medical",
    "violence_abuse": "violence",
    "self_harm": "self_harm",
}
BODY_IN_DANGER = {"overdose", "medical", "violence"}  # their own text already says to call now


def kind_text(category: Category | None) -> str | None:
    if helplines.is_relapse(category):
        return "relapse"
    return KIND_TEXTS.get(category.value) if category is not None else None


@dataclass(frozen=True)
class Answered:
    """What a member was last answered about, until when a repeat of it stays quiet, and which event
    (its delivery scope) was answered."""

    level: Level
    kinds: frozenset[str | None]
    until: datetime
    source_event: str | None = None

    @classmethod
    def of(cls, row) -> Answered | None:
        if row is None:
            return None
        return cls(
            Level[row["level"]],
            frozenset(json.loads(row["kinds"])),
            datetime.fromisoformat(row["until"]),
            row["source_event"],
        )

    def holds_back(self, result: Assessment, now: datetime, source_event: str | None = None) -> bool:
        if now >= self.until or result.level is Level.IMMINENT:
            return False  # IMMINENT is never silenced
        if source_event is not None and source_event == self.source_event:
            return False  # the same message, delivered again: its own answer must still go out
        category = result.category.value if result.category else None
        return result.level <= self.level and category in self.kinds


class CrisisCog(SafetyPlanMixin, AlertsMixin, AdminMixin, Cog):
    name = "crisis"
    title = "Crisis support"
    help_order = 40
    help_line = "helplines for your country, and your own safety plan."
    help_first = (
        "**Struggling right now?** `!crisis` gets you help privately, any time. `!helpline` lists "
        "people you can talk to."
    )
    feature = "crisis"
    migrations = MIGRATIONS
    consent_statement = CONSENT_STATEMENT
    kept_after_optout = KEPT_AFTER_OPTOUT
    sealed_columns = [
        SealedColumn("crisis_safety_plans", "sealed", PLAN_CONTEXT),
        SealedColumn("crisis_alerts", "pending_member", PENDING_CONTEXT),
    ]
    data_statement = DataStatement(
        stores="your country (if you set one) and your safety plan (if you write one), encrypted",
        why="to show you the right help and your own plan, and so a moderator can reach you",
        retention="until you change or delete them, !optout crisis (if you choose to erase) or !forgetme",
        who_can_see="you; moderators see alerts (level, kind, where), never your messages or plan",
    )

    def __init__(self, bot):
        super().__init__(bot)
        self.store = CrisisStore(bot.db)
        self.conversations: dict[
            str, datetime
        ] = {}  # place key -> until when a peer conversation stays noted
        self.after_consent: dict[str, tuple[str, str | None]] = {}  # what a member asked for before agreeing
        self.pending_narrowing: dict[str, PendingNarrowing] = {}  # moderator key -> change awaiting a yes

    async def cog_load(self) -> None:
        self.bot.scheduler.register_handler(REALERT_HANDLER, self.realert, on_give_up=self.realert_given_up)
        self.bot.scheduler.register_handler(FINISH_HANDLER, self.finish_alert)
        self.bot.outbox.on_give_up("schedule:crisis:realert:", self.realert_send_given_up)
        helplines.lines_for(None)  # read the table now, not during someone's crisis
        get_model()  # and the model (40-60 ms of parsing): on the first message it would hold up everyone

    async def settings(self, community_id: int) -> CommunitySettingsStore:
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
        values = await (await self.settings(ctx.community.id)).all()
        alert_place = values.get("alert_place")
        if (
            alert_place
            and alert_place.get("platform", ctx.place.platform) == ctx.place.platform
            and alert_place.get("place_id") == ctx.place.place_id
            and await ctx.is_moderator()
        ):
            return False  # moderators discussing an alert must not raise another; members there are watched
        return Monitoring.of(values).watches(ctx.place.key)

    async def crisis_flow(
        self, ctx: Context, result: Assessment, link: str | None = None, where: str | None = None
    ) -> bool:
        """Alert the moderators and reply privately, unless this repeats what the member was just answered."""
        now = self.bot.clock.now()
        scope = current_scope()
        source = scope.key if scope is not None else None
        who = self.cooldown_key(ctx.author)
        previous = Answered.of(await self.store.cooldown(who))
        if previous and previous.holds_back(result, now, source):
            log.info("crisis reply held back by cooldown", extra={"level": result.level.name})
            return False
        minutes = await (await self.settings(ctx.community.id)).get(
            "cooldown_minutes", DEFAULT_COOLDOWN_MINUTES
        )
        category = result.category.value if result.category else None
        earlier = previous if previous and now < previous.until else None
        await self.store.set_cooldown(
            who,
            (max(result.level, earlier.level) if earlier else result.level).name,
            sorted((earlier.kinds if earlier else frozenset()) | {category}, key=str),
            (now + timedelta(minutes=minutes)).isoformat(),
            source,
        )
        # The alert goes first: the reply must say truthfully whether a moderator was told, and its
        # "are you safe?" buttons carry the alert's id.
        texts = await self.texts(ctx.community.id)
        alert_id, delivery = await self.raise_alert(ctx, result, link, texts, where=where, finish_later=True)
        await self.reply_after_alert(ctx, result, alert_id, delivery, texts)
        await self.settle(alert_id)
        return True

    async def reply_after_alert(
        self, ctx: Context, result: Assessment, alert_id: int, delivery: Delivery, texts
    ) -> None:
        try:
            content = await self.reply_content(ctx, result, alert_id, texts, told=delivery.ok)
        except Exception:
            log.exception("crisis reply could not be built; sending the short one", extra={"alert": alert_id})
            content = self.short_reply(ctx.author, alert_id, told=delivery.ok)
        try:
            await ctx.reply(content, private=True)
        except GaveUp:
            log.error("crisis reply unconfirmed after a restart", extra={"alert": alert_id})
            await self.note_undelivered_reply(
                alert_id, "the bot restarted while sending it, and could not tell whether it arrived"
            )
        except Exception as error:
            log.error(
                "crisis reply could not be delivered",
                extra={"alert": alert_id, "error": type(error).__name__},
            )
            await self.note_undelivered_reply(
                alert_id,
                f"the platform refused the private message: "
                f"{type(error).__name__}; their direct messages may be closed",
            )

    async def settle(self, alert_id: int) -> None:
        """The alert and the member's reply are out: whom it was about goes, and so does its finishing run."""
        await self.store.settle_alert(alert_id)
        await self.bot.scheduler.remove("crisis", f"finish:{alert_id}")

    async def finish_alert(self, occurrence: Occurrence) -> None:
        """After a restart: the first delivery of an alert a crash cut short, in its event's own delivery
        scope, so the moderators' copies and the member's reply that had gone out are not sent again."""
        row = await self.store.alert(occurrence.payload["alert_id"])
        if row is None or row["pending_member"] is None:
            return  # finished by the flow itself (or by the event handled again), or gone
        pending = json.loads(self.bot.vault.open(row["pending_member"], PENDING_CONTEXT))
        user, place = UserRef(*pending["user"]), PlaceRef(*pending["place"])
        adapter = self.bot.adapters.get(user.platform)
        if adapter is None:
            log.warning(
                "crisis alert left unfinished: its platform is not connected", extra={"alert": row["id"]}
            )
            return
        ctx = self.bot.context(adapter, user, place, None, link=row["link"])  # answers privately, by DM
        result = Assessment(
            Level[row["level"]], Category(row["category"]) if row["category"] else None, 0.0, ()
        )
        texts = await self.texts(ctx.community.id)
        with delivery_scope(occurrence.payload["scope"]):
            alert_id, delivery = await self.raise_alert(
                ctx, result, row["link"], texts, where=pending.get("where"), finish_later=True
            )
            await self.reply_after_alert(ctx, result, alert_id, delivery, texts)
        await self.settle(alert_id)
        log.info(
            "crisis alert finished after a restart", extra={"alert": alert_id, "reached": len(delivery.sent)}
        )

    def cooldown_key(self, user: UserRef) -> str:
        """Cool-downs are kept under a keyed digest of the account, never the account itself."""
        return self.bot.vault.tag(f"crisis.cooldown:{user.key}")

    async def note_conversation(self, ctx: Context, link: str | None) -> None:
        """A peer is answering someone who may be in crisis: tell the moderators where, once per place and cooldown.

        The peer is not asked if they are safe and is not named: the note is about the conversation, not them.
        """
        now = self.bot.clock.now()
        key = ctx.place.key
        if now < self.conversations.get(key, now):
            return
        minutes = await (await self.settings(ctx.community.id)).get(
            "cooldown_minutes", DEFAULT_COOLDOWN_MINUTES
        )
        if len(self.conversations) > 1000:
            self.conversations = {place: until for place, until in self.conversations.items() if until > now}
        self.conversations[key] = now + timedelta(minutes=minutes)
        texts = await self.texts(ctx.community.id)
        where = f"channel `{ctx.place.place_id}`" + (f" ([open the message]({link}))" if link else "")
        await self.deliver_note(
            ctx.community.id,
            Content(
                title="A conversation may need a moderator",
                text=texts.get("alert_conversation"),
                fields=[("Where", where), ("When", timestamp(now, "f"))],
                footer="The message itself is not copied here or stored anywhere.",
            ),
        )
        log.info("crisis conversation noted")

    async def screen_private_text(self, ctx: Context, text: str) -> bool:
        """For other cogs (a check-in note, a journal line): run the crisis flow if the text needs it.

        Returns True if it did. The text is assessed in memory only and never stored or logged here.
        """
        result = assess(text)
        if not result.is_crisis:
            return False
        feature = ctx.command.name if ctx.command else "a private note"
        return await self.crisis_flow(
            ctx, result, where=f"something written privately to the bot ({feature})"
        )

    async def substance_use_resources(self, ctx: Context) -> str:
        """Markdown: the substance-use line for the member's own country, else the community's."""
        return helplines.substance_use_markdown(await self.country_for(ctx))

    # --- the reply --------------------------------------------------------------------------------

    async def country_for(self, ctx: Context) -> str | None:
        """The member's own country if they keep one (joined, or left and kept their data), else the community's."""
        own = await self.store.country(await ctx.member_id())
        return own or ctx.community.country

    @staticmethod
    def resources(country: str | None, category: Category | None, imminent: bool, texts: Texts) -> str:
        picked = helplines.pick(country, category, imminent)
        return texts.get("resources_heading") + "\n" + "\n".join(f"- {line.markdown()}" for line in picked)

    async def reply_content(
        self, ctx: Context, result: Assessment, alert_id: int, texts: Texts, told: bool
    ) -> Content:
        country = await self.country_for(ctx)
        emergency = helplines.lines_for(country).emergency.contact
        imminent = result.level is Level.IMMINENT
        if told:
            opening = "opening_dm" if ctx.place.is_direct else "opening"
        else:
            opening = "opening_no_moderators"
        parts = [texts.get(opening, name=ctx.author.name)]
        kind = kind_text(result.category)
        if kind:
            parts.append(texts.get(kind, emergency=emergency))
        if imminent and kind not in BODY_IN_DANGER:
            parts.append(texts.get("imminent", emergency=emergency))
        parts.append(texts.get("safe_question"))
        parts.append(self.resources(country, result.category, imminent, texts))
        parts.append(texts.get("grounding"))
        plan = await self.member_plan(await ctx.member_id())
        if plan:
            parts.append(texts.get("plan_heading") + "\n" + self.plan_markdown(plan))
        parts.append(texts.get("closing"))
        return Content(text="\n\n".join(parts), choices=self.safe_choices(alert_id, ctx.author))

    def safe_choices(self, alert_id: int | None, person: UserRef) -> list[Choice]:
        """The "are you safe?" answers: only this member may give them (the router checks)."""
        ref = f":{alert_id}" if alert_id is not None else ""
        mine = lambda choice_id: self.bot.router.for_person(choice_id, person)  # noqa: E731
        return [
            Choice(mine(f"crisis.safe:yes{ref}"), "I'm safe for now", "success"),
            Choice(mine(f"crisis.safe:no{ref}"), "I'm not safe", "danger"),
            Choice(mine(f"crisis.safe:talk{ref}"), "I'd like to talk to someone", "primary"),
        ]

    def short_reply(self, person: UserRef, alert_id: int, told: bool) -> Content:
        """Built from nothing that can fail (no settings, no country): the reply of last resort."""
        texts = Texts()
        opening = texts.get("opening" if told else "opening_no_moderators", name=person.name)
        card = helplines.full_card(None)
        return Content(
            text=f"{opening}\n\n{texts.get('safe_question')}\n\n{card}",
            choices=self.safe_choices(alert_id, person),
        )

    @on_choice(
        "crisis.safe", owner_only=True, rate_limited=False
    )  # a member's own answer about their own alert
    async def safe_answer(self, ctx: Context, value: str) -> None:
        """The member's answer to "are you safe right now?"; the moderators hear about it."""
        answer, _, alert_ref = value.partition(":")
        texts = await self.texts(ctx.community.id)
        country = await self.country_for(ctx)
        emergency = helplines.lines_for(country).emergency.contact
        alert = await self.store.alert(number) if (number := whole_number(alert_ref)) is not None else None
        if answer == "no":
            if alert is None:
                _, delivery = await self.raise_alert(ctx, None, None, texts, requested=True, urgent=True)
            else:
                await self.store.mark_urgent(alert["id"])
                row = await self.store.alert(alert["id"])
                delivery = await self.deliver_alert(
                    row, self.alert_content(row, ctx.author, texts), PRIVATE_FROM_ROUND
                )
            if delivery.ok:
                await ctx.reply(texts.get("answer_not_safe", emergency=emergency), private=True)
            else:
                await ctx.reply(
                    texts.get("answer_not_safe_unreached", emergency=emergency)
                    + "\n\n"
                    + self.resources(country, None, True, texts),
                    private=True,
                )
        elif answer == "talk":
            if alert is None:
                _, delivery = await self.raise_alert(ctx, None, None, texts, requested=True)
            else:
                delivery = await self.tell_alert_recipients(
                    alert,
                    Content(
                        text=f"{texts.get('alert_requested')} ({ctx.author.name}, {ctx.author.key}, alert #{alert['id']})",
                        choices=[Choice(f"crisis.ack:{alert['id']}", "Acknowledge", "primary")],
                    ),
                )
            if delivery.ok:
                await ctx.reply(texts.get("answer_talk"), private=True)
            else:
                await ctx.reply(
                    texts.get("answer_talk_unreached")
                    + "\n"
                    + "\n".join(f"- {line.markdown()}" for line in helplines.pick(country, None, False)),
                    private=True,
                )
        else:
            await ctx.reply(texts.get("answer_safe", emergency=emergency), private=True)

    # --- commands ---------------------------------------------------------------------------------
    # Help in a crisis is never rate-limited: it answers whatever else the member has just done.

    @command(
        "helpline",
        private=True,
        params=[
            Param("country", ParamType.TEXT, required=False, help="two-letter code or name, e.g. GB, Ireland")
        ],
        examples=["!helpline", "!helpline GB", "!helpline new zealand"],
        rate_limited=False,
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

    @command("crisis", private=True, examples=["!crisis"], rate_limited=False)
    async def crisis(self, ctx: Context) -> None:
        """Help right now, privately: who to call or text, a grounding exercise, and your safety plan."""
        texts = await self.texts(ctx.community.id)
        parts = [
            texts.get("crisis_command"),
            texts.get("safe_question"),
            self.resources(await self.country_for(ctx), None, True, texts),
            texts.get("grounding"),
        ]
        plan = await self.member_plan(await ctx.member_id())
        if plan:
            parts.append(texts.get("plan_heading") + "\n" + self.plan_markdown(plan))
        parts.append("Type `!helpline` for every number I know for your country.")
        await ctx.reply(
            Content(text="\n\n".join(parts), choices=self.ask_a_person_choices(ctx.author)), private=True
        )

    def ask_a_person_choices(self, person: UserRef) -> list[Choice]:
        return [
            Choice(
                self.bot.router.for_person("crisis.safe:talk", person),
                "Ask a moderator to reach out",
                "primary",
            ),
            Choice(self.bot.router.for_person("crisis.safe:no", person), "I'm not safe", "danger"),
        ]

    @command("sos", private=True, examples=["!sos"], rate_limited=False)
    async def sos(self, ctx: Context) -> None:
        """Need someone now: your check-in partners are asked to reach out, with help you can call right away."""
        texts = await self.texts(ctx.community.id)
        parts = []
        checkins = self.bot.get_cog("checkins")
        told = None
        if checkins is not None:
            try:
                told = await checkins.partners_sos(ctx)
            except Exception:
                log.exception("check-in partners could not be asked to reach out")
        if told:
            parts.append(f"I've asked {told} to reach out to you now.")
        elif told == "":
            parts.append(
                "You don't have a check-in partner yet (`!partner invite @name` asks someone), "
                "so I haven't messaged anyone."
            )
        parts.append(texts.get("crisis_command"))
        parts.append(self.resources(await self.country_for(ctx), None, True, texts))
        plan = await self.member_plan(await ctx.member_id())
        if plan:
            parts.append(texts.get("plan_heading") + "\n" + self.plan_markdown(plan))
        parts.append(
            "Would you like a moderator to reach out to you? They are told only if you press the button."
        )
        await ctx.reply(
            Content(text="\n\n".join(parts), choices=self.ask_a_person_choices(ctx.author)), private=True
        )

    @command(
        "mycountry",
        private=True,
        params=[
            Param(
                "country", ParamType.TEXT, required=False, help="two-letter code or name; 'clear' to remove"
            )
        ],
        examples=["!mycountry GB", "!mycountry clear"],
        rate_limited=False,
    )
    async def mycountry(self, ctx: Context, country: str | None = None) -> None:
        """Set the country whose helplines you see (stored only if you agree)."""
        member_id = await ctx.member_id()
        if not country:
            current = await self.store.country(member_id)
            shown = (
                helplines.lines_for(current).name
                if current
                else f"not set (using the community's: {ctx.community.country})"
            )
            await ctx.reply(f"Your country: {shown}. Set it with `!mycountry GB`.", private=True)
            return
        clear = country.strip().lower() in ("clear", "none", "remove")
        code = None if clear else helplines.normalize_country(country)
        if not clear and code is None:
            await ctx.reply(
                f"I don't have helplines for '{country}'. Use a two-letter code such as "
                f"{', '.join(helplines.known_codes())}.",
                private=True,
            )
            return
        if member_id is None or not await self.may_keep_data(member_id):
            if clear:
                await ctx.reply("You have no country stored.", private=True)
                return
            self.after_consent[ctx.author.key] = ("country", code)
            await self.bot.consent.ask(ctx, self.feature, self.consent_statement)
            return
        await self._save_country(ctx, member_id, code)

    async def may_keep_data(self, member_id: int | None) -> bool:
        """Joined crisis support, or left it and chose to keep their plan and country (KEPT_AFTER_OPTOUT)."""
        if member_id is None:
            return False
        return await self.bot.consent.has(member_id, self.feature) or await self.store.holds_data(member_id)

    async def _save_country(self, ctx: Context, member_id: int, code: str | None) -> None:
        await self.store.set_country(member_id, code, self.bot.clock.now().isoformat())
        said = f"set to {helplines.lines_for(code).name}" if code else "cleared"
        await ctx.reply(f"Your country is {said}. `!helpline` now shows its numbers.", private=True)

    async def on_consent(self, ctx: Context) -> None:
        intent, value = self.after_consent.pop(ctx.author.key, ("", ""))
        member_id = await ctx.member_id()
        assert member_id is not None  # they have just agreed, so they are a member now
        if intent == "country":
            await self._save_country(ctx, member_id, value)
        elif intent == "plan":
            await self._ask_section(ctx, 0, {})
        else:
            await ctx.reply(
                "Thank you. Type `!safetyplan write` or `!mycountry CODE` to use it.", private=True
            )

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
        await self.store.forget_cooldowns([self.cooldown_key(user) for user in users])  # not "data held"
        return await self.store.anonymise_acknowledger([user.key for user in users])

    async def enforce_retention(self, now: datetime) -> int:
        ended = await self.store.forget_cooldowns([], ended_by=now.isoformat())
        return ended + await self.store.forget_alerts_before((now - ALERT_RETENTION).isoformat())
