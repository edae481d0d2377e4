"""Moderator alerts: where, how urgent, what kind, an Acknowledge button, and re-alerts via the scheduler.

An alert never quotes or stores the message: moderators follow the link (or the member's name) and
read it where it was written. Nobody acknowledging within the community's re-alert time brings the
alert back, up to MAX_REALERTS times; pressing Acknowledge records who took it and stops that.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from bot.commands import Context, on_choice
from bot.model import Choice, Content, PlaceRef, SentRef, UserRef
from bot.schedule_specs import At
from bot.scheduler import Occurrence
from bot.text import timestamp

from .detector import Assessment, Category, Level
from .texts import Texts

log = logging.getLogger(__name__)

MAX_REALERTS = 3
DEFAULT_REALERT_MINUTES = 15
REALERT_HANDLER = "crisis.realert"

LEVEL_LABELS = {
    Level.IMMINENT: "URGENT: may be happening now",
    Level.CONCERN: "concern",
    Level.CHECK_IN: "check-in",
}
CATEGORY_LABELS = {
    Category.SUICIDE: "suicidal thoughts",
    Category.SELF_HARM: "self-harm",
    Category.OVERDOSE: "possible overdose",
    Category.RELAPSE: "relapse danger",
    Category.MEDICAL: "medical emergency (e.g. withdrawal)",
    Category.VIOLENCE_ABUSE: "violence or abuse",
}


def user_from_key(key: str) -> UserRef:
    platform, _, user_id = key.partition(":")
    return UserRef(platform, user_id)


class AlertsMixin:
    """Mixed into CrisisCog (needs self.bot, self.store, self.settings(), self.texts())."""

    async def raise_alert(self, ctx: Context, result: Assessment | None, link: str | None,
                          where: str | None = None, requested: bool = False, urgent: bool = False) -> int:
        """Record an alert (no text), send it to the moderators, and schedule the re-alert."""
        now = ctx.bot.clock.now()
        level = result.level if result else Level.CONCERN
        category = result.category if result else None
        alert_id = await self.store.create_alert(
            community_id=ctx.community.id, level=level.name, category=category.value if category else None,
            source_platform=ctx.place.platform, source_place=None if ctx.place.is_direct else ctx.place.place_id,
            source_is_direct=int(ctx.place.is_direct), link=link, urgent=int(urgent),
            created_at=now.isoformat(),
        )
        row = await self.store.alert(alert_id)
        texts = await self.texts(ctx.community.id)
        content = self.alert_content(row, ctx.author, texts, where=where, requested=requested)
        await self.deliver_alert(ctx.community.id, content)
        minutes = await (await self.settings(ctx.community.id)).get("realert_minutes", DEFAULT_REALERT_MINUTES)
        if minutes:
            await self.bot.scheduler.add("crisis", f"realert:{alert_id}:0", At(now + timedelta(minutes=minutes)),
                                         REALERT_HANDLER, {"alert_id": alert_id}, grace=timedelta(hours=12))
        log.info("crisis alert raised", extra={"alert": alert_id, "level": level.name,
                                               "category": category.value if category else None})
        return alert_id

    def alert_content(self, row, member: UserRef | None, texts: Texts, where: str | None = None,
                      requested: bool = False, again: bool = False) -> Content:
        level = Level[row["level"]]
        category = Category(row["category"]) if row["category"] else None
        if where is None:
            where = "a direct message with the bot" if row["source_is_direct"] else f"channel `{row['source_place']}`"
        if row["link"]:
            where += f" ([open the message]({row['link']}))"
        # The member is named in the message only; the database row never says who it is.
        who = f"{member.name} ({member.key})" if member else "named in the first alert"
        urgent = " · member said they are NOT safe" if row["urgent"] else ""
        title = f"Crisis alert: {LEVEL_LABELS[level]}{urgent}"
        if again:
            title = f"Still unacknowledged ({row['realerts']}x): {LEVEL_LABELS[level]}{urgent}"
        created = datetime.fromisoformat(row["created_at"])
        return Content(
            title=title,
            text=texts.get("alert_requested" if requested else "alert_intro"),
            fields=[("Level", LEVEL_LABELS[level]),
                    ("About", CATEGORY_LABELS.get(category, "asked for help") if category or requested else "concern"),
                    ("Where", where), ("Member", who), ("When", timestamp(created, "f"))],
            choices=[Choice(f"crisis.ack:{row['id']}", "Acknowledge", "primary")],
            footer="The message itself is not copied here or stored anywhere.",
        )

    async def note_undelivered_reply(self, alert_id: int, community_id: int) -> None:
        await self.deliver_alert(community_id, Content(
            title="The bot's private reply could NOT be delivered",
            text=f"The member in alert #{alert_id} did not receive the bot's reply (private messages closed?). "
                 "Please reach them another way.",
            choices=[Choice(f"crisis.ack:{alert_id}", "Acknowledge", "primary")]))

    async def has_alert_destination(self, community_id: int) -> bool:
        """Whether an alert would reach a person: an alert place, or moderators listed in the config."""
        if await (await self.settings(community_id)).get("alert_place"):
            return True
        return bool(self.bot.communities.moderator_keys.get(community_id))

    async def deliver_alert(self, community_id: int, content: Content) -> SentRef | None:
        """To the community's alert place; without one, privately to its configured moderators."""
        place = await (await self.settings(community_id)).get("alert_place")
        if place:
            try:
                return await self.bot.send(PlaceRef(place["platform"], place["place_id"],
                                                    scope_id=place.get("scope_id")), content)
            except Exception:
                log.exception("crisis alert could not be sent to the alert place",
                              extra={"community": community_id})
        first = None
        for key in sorted(self.bot.communities.moderator_keys.get(community_id, set())):
            try:
                sent = await self.bot.send_private(user_from_key(key), content)
                first = first or sent
            except Exception:
                log.exception("crisis alert could not reach a moderator", extra={"community": community_id})
        if first is None:
            log.error("crisis alert has nowhere to go: set one with !crisisadmin alerts",
                      extra={"community": community_id})
        return first

    @on_choice("crisis.ack")
    async def acknowledge(self, ctx: Context, value: str) -> None:
        """A moderator takes the alert: record who and when, stop re-alerts, update the alert."""
        row = await self.store.alert(int(value)) if value.isdigit() else None
        if row is None:
            await ctx.reply("That alert no longer exists.", private=True)
            return
        if not await ctx.bot.is_moderator(ctx.author, row["community_id"], ctx.adapter):
            await ctx.reply("Only moderators can acknowledge crisis alerts.", private=True)
            return
        now = ctx.bot.clock.now()
        who = f"{ctx.author.name} ({ctx.author.key})"
        if not await self.store.acknowledge(row["id"], who, now.isoformat()):
            await ctx.reply(f"{row['acknowledged_by']} already took this one. Thank you for checking.", private=True)
            return
        await ctx.bot.scheduler.remove_owner_keys("crisis", f"realert:{row['id']}:")
        # A follow-up rather than an edit: the original names the member, and the database cannot
        # rebuild that (it never stores who the alert is about).
        await self.deliver_alert(row["community_id"], Content(
            text=f"Alert #{row['id']} was acknowledged by {ctx.author.name} at {timestamp(now, 't')}. "
                 "No more re-alerts for it."))
        await ctx.reply("Thank you for taking this. Please reach out privately and kindly.", private=True)
        log.info("crisis alert acknowledged", extra={"alert": row["id"]})

    async def realert(self, occurrence: Occurrence) -> None:
        alert_id = occurrence.payload.get("alert_id")
        row = await self.store.alert(alert_id)
        if row is None or row["acknowledged_at"]:
            return
        await self.store.count_realert(alert_id)
        row = await self.store.alert(alert_id)
        texts = await self.texts(row["community_id"])
        await self.deliver_alert(row["community_id"], self.alert_content(row, None, texts, again=True))
        log.info("crisis alert repeated", extra={"alert": alert_id, "times": row["realerts"]})
        minutes = await (await self.settings(row["community_id"])).get("realert_minutes", DEFAULT_REALERT_MINUTES)
        if minutes and row["realerts"] < MAX_REALERTS:
            await self.bot.scheduler.add(
                # A new key per round: the scheduler deletes a one-off schedule after it has run.
                "crisis", f"realert:{alert_id}:{row['realerts']}",
                At(self.bot.clock.now() + timedelta(minutes=minutes)), REALERT_HANDLER, {"alert_id": alert_id},
                grace=timedelta(hours=12),
            )
