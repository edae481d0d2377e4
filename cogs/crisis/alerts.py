"""Moderator alerts: where, how urgent, what kind, an Acknowledge button; who gets them, and again.

An alert never quotes or stores the message: moderators follow the link (or the member's name) and
read it where it was written.

Who gets an alert, in rounds, until a moderator presses Acknowledge (on any platform):
- at once: the community's alert channel if one is set and a send there works; otherwise every
  moderator privately (config `[community] moderators`, and whoever each platform says moderates:
  Manage Server or the moderator role on Discord, power >= 50 on Matrix, the operator on the console);
- after the re-alert time (default 10 minutes): the channel and every moderator privately;
- a round later, and after that: also the on-call people of `[crisis] on_call`, up to MAX_REALERTS rounds.
Every message an alert was sent as is recorded (place and message id, never the member), so the
"taken by ..." note reaches each of them, whatever platform the moderator pressed on.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.commands import Context, on_choice
from bot.model import Choice, Content, PlaceRef, SentRef, UserRef
from bot.outbox import current_scope
from bot.params import whole_number
from bot.schedule_specs import At
from bot.scheduler import Occurrence
from bot.text import timestamp

from .detector import Assessment, Level
from .texts import Texts

if TYPE_CHECKING:
    from bot.communities import CommunitySettingsStore
    from bot.services import BotServices

    from .store import CrisisStore

log = logging.getLogger(__name__)

MAX_REALERTS = 3
DEFAULT_REALERT_MINUTES = 10
REALERT_HANDLER = "crisis.realert"
FINISH_HANDLER = "crisis.finish"
# An alert's first delivery (the alert and the member's reply) normally takes a moment, after which its
# finishing schedule is removed. If the process dies first, the schedule runs after the restart and
# finishes it, in the event's own delivery scope: whatever had gone out is not sent twice.
FINISH_AFTER = timedelta(seconds=30)
FINISH_GRACE = timedelta(hours=1)
PENDING_CONTEXT = "crisis.pending"  # the vault context of whom an unfinished alert answers
# Which round (0 = the first alert) reaches whom.
PRIVATE_FROM_ROUND = 1  # every moderator privately, even when there is a channel
ON_CALL_FROM_ROUND = 2  # and the on-call list

LEVEL_LABELS = {
    Level.IMMINENT: "URGENT: may be happening now",
    Level.CONCERN: "concern",
    Level.CHECK_IN: "check-in",
}
CATEGORY_LABELS = {
    "suicide": "suicidal thoughts",
    "self_harm": "self-harm",
    "overdose": "possible overdose",
    "relapse_danger": "relapse danger",
    "relapse": "relapse",
    "medical": "medical emergency (e.g. withdrawal)",
    "violence_abuse": "violence or abuse",
}


def user_from_key(key: str) -> UserRef:
    platform, _, user_id = key.partition(":")
    return UserRef(platform, user_id)


def realert_round(schedule_key: str) -> int:
    """The round a re-alert schedule sends: its key is "realert:<alert id>:<rounds before it>"."""
    return int(schedule_key.rsplit(":", 1)[1]) + 1


def category_label(category: str | None, requested: bool = False) -> str:
    if category:
        return CATEGORY_LABELS.get(category, category.replace("_", " "))
    return "asked for help" if requested else "concern"


@dataclass
class Delivery:
    """Where an alert (or a note about one) arrived: each place and the message sent there."""

    sent: list[tuple[PlaceRef, SentRef]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.sent)


class AlertsMixin:
    """Mixed into CrisisCog (needs self.bot, self.store, self.settings(), self.texts())."""

    bot: BotServices
    store: CrisisStore
    settings: Callable[[int], Awaitable[CommunitySettingsStore]]
    texts: Callable[[int], Awaitable[Texts]]

    # --- who -------------------------------------------------------------------------------------

    async def moderators(self, community_id: int) -> list[UserRef]:
        """The community's moderators the bot can message privately, on every connected platform."""
        found: dict[str, UserRef] = {}
        for key in sorted(self.bot.communities.moderator_keys.get(community_id, ())):
            user = user_from_key(key)
            if user.platform in self.bot.adapters:
                found[user.key] = user
        for adapter in list(self.bot.adapters.values()):
            try:
                for user in await adapter.list_moderators(community_id):
                    found.setdefault(user.key, user)
            except Exception:
                log.exception("could not list moderators", extra={"platform": adapter.platform})
        return list(found.values())

    def on_call(self) -> list[UserRef]:
        people = [user_from_key(key) for key in self.bot.settings.crisis.on_call]
        return [user for user in people if user.platform in self.bot.adapters]

    async def alert_place(self, community_id: int) -> PlaceRef | None:
        place = await (await self.settings(community_id)).get("alert_place")
        if not place:
            return None
        return PlaceRef(place["platform"], place["place_id"], scope_id=place.get("scope_id"))

    # --- raising ---------------------------------------------------------------------------------

    async def raise_alert(
        self,
        ctx: Context,
        result: Assessment | None,
        link: str | None,
        texts: Texts,
        where: str | None = None,
        requested: bool = False,
        urgent: bool = False,
        finish_later: bool = False,
    ) -> tuple[int, Delivery]:
        """Record an alert (no text), send it to the moderators, and schedule the re-alert.

        One alert per source event (the event's delivery scope): the same event handled again (Matrix
        delivers it again after a crash) finds its alert and sends only what had not gone out.
        `finish_later`: the row also keeps, sealed, whom to answer, and a finishing run is scheduled,
        so a restart completes alert and reply even where the event never comes again (Discord); the
        caller settles the alert once its reply is out."""
        now = ctx.bot.clock.now()
        level = result.level if result else Level.IMMINENT if urgent else Level.CONCERN
        category = result.category.value if result and result.category else None
        scope = current_scope()
        source = scope.key if scope is not None else None
        pending = None
        if finish_later and source is not None:
            place = ctx.place
            pending = self.bot.vault.seal(
                json.dumps(
                    {
                        "user": [ctx.author.platform, ctx.author.user_id, ctx.author.display_name],
                        "place": [place.platform, place.place_id, place.is_direct, place.scope_id],
                        "where": where,
                    }
                ),
                PENDING_CONTEXT,
            )
        async with self.bot.db.transaction():  # the alert and its finishing run, or neither
            alert_id = await self.store.create_alert(
                community_id=ctx.community.id,
                level=level.name,
                category=category,
                source_platform=ctx.place.platform,
                source_place=None if ctx.place.is_direct else ctx.place.place_id,
                source_is_direct=int(ctx.place.is_direct),
                link=link,
                urgent=int(urgent),
                created_at=now.isoformat(),
                source_event=source,
                pending_member=pending,
            )
            if pending is not None:
                await self.bot.scheduler.add(
                    "crisis",
                    f"finish:{alert_id}",
                    At(now + FINISH_AFTER),
                    FINISH_HANDLER,
                    {"alert_id": alert_id, "scope": source},
                    grace=FINISH_GRACE,
                )
        row = await self.store.alert(alert_id)
        content = self.alert_content(row, ctx.author, texts, where=where, requested=requested)
        # A member who says they are not safe: everyone at once, not only the channel.
        delivery = await self.deliver_alert(row, content, PRIVATE_FROM_ROUND if urgent else 0)
        minutes = await (await self.settings(ctx.community.id)).get(
            "realert_minutes", DEFAULT_REALERT_MINUTES
        )
        if minutes:
            # From the alert's own time: the same event handled again schedules the same re-alert.
            first = datetime.fromisoformat(row["created_at"]) + timedelta(minutes=minutes)
            await self.bot.scheduler.add(
                "crisis",
                f"realert:{alert_id}:0",
                At(first),
                REALERT_HANDLER,
                {"alert_id": alert_id},
                grace=timedelta(hours=12),
            )
        log.info(
            "crisis alert raised",
            extra={
                "alert": alert_id,
                "level": level.name,
                "category": category,
                "reached": len(delivery.sent),
            },
        )
        return alert_id, delivery

    def alert_content(
        self,
        row,
        member: UserRef | None,
        texts: Texts,
        where: str | None = None,
        requested: bool = False,
        again: bool = False,
    ) -> Content:
        level = Level[row["level"]]
        if where is None:
            where = (
                "a direct message with the bot"
                if row["source_is_direct"]
                else f"channel `{row['source_place']}` on {row['source_platform']}"
            )
        if row["link"]:
            where += f" ([open the message]({row['link']}))"
        # The member is named in the message only; the database row never says who it is.
        who = (
            f"{member.name} ({member.key})" if member else f"named in the first message of alert #{row['id']}"
        )
        urgent = " · member said they are NOT safe" if row["urgent"] else ""
        title = f"Crisis alert #{row['id']}: {LEVEL_LABELS[level]}{urgent}"
        if again:
            title = f"Still unacknowledged ({row['realerts']}x), alert #{row['id']}: {LEVEL_LABELS[level]}{urgent}"
        created = datetime.fromisoformat(row["created_at"])
        text = texts.get("alert_requested" if requested else "alert_intro")
        if broken := texts.broken():
            # What really went wrong, so nobody looks for closed DMs when it was a typo in a text.
            text += "\n\n" + "\n".join(
                f"⚠️ This community's `{key}` text could not be used ({problem}) The member got the built-in "
                f"wording instead. Fix it with `!crisisadmin text {key} ...`."
                for key, problem in broken.items()
            )
        return Content(
            title=title,
            text=text,
            fields=[
                ("Level", LEVEL_LABELS[level]),
                ("About", category_label(row["category"], requested)),
                ("Where", where),
                ("Member", who),
                ("When", timestamp(created, "f")),
            ],
            choices=[Choice(f"crisis.ack:{row['id']}", "Acknowledge", "primary")],
            footer="The message itself is not copied here or stored anywhere.",
        )

    # --- delivering ------------------------------------------------------------------------------

    async def deliver_alert(self, row, content: Content, round_: int = 0) -> Delivery:
        """Send an alert for its round (see the module's docstring) and record where it went."""
        community_id = row["community_id"]
        delivery = Delivery()
        place = await self.alert_place(community_id)
        if place is not None and (place.platform, place.place_id) == (
            row["source_platform"],
            row["source_place"],
        ):
            # Written in the alert channel itself: members read it, so the member is not named there.
            place = None
            round_ = max(round_, PRIVATE_FROM_ROUND)
        if place is not None:
            await self._send_to_place(place, content, delivery)
        if round_ >= PRIVATE_FROM_ROUND or not delivery.ok:
            people = await self.moderators(community_id)
            if round_ >= ON_CALL_FROM_ROUND:
                people += [user for user in self.on_call() if user.key not in {p.key for p in people}]
            await self._send_privately(people, content, delivery)
        if delivery.ok:
            await self.store.add_copies(
                row["id"], [(place, sent.message_id) for place, sent in delivery.sent]
            )
        else:
            log.error(
                "crisis alert reached nobody: no alert channel worked and no moderator could be "
                "messaged; see !crisisadmin show",
                extra={"community": community_id, "alert": row["id"]},
            )
        return delivery

    async def deliver_note(self, community_id: int, content: Content) -> Delivery:
        """A note that is not an alert (a conversation that may need a moderator): the alert channel, or
        every moderator privately when there is none or it fails."""
        delivery = Delivery()
        place = await self.alert_place(community_id)
        if place is not None:
            await self._send_to_place(place, content, delivery)
        if not delivery.ok:
            await self._send_privately(await self.moderators(community_id), content, delivery)
        return delivery

    async def tell_alert_recipients(self, row, content: Content) -> Delivery:
        """A note about an alert (taken, not delivered, asked to talk) to every place the alert went."""
        delivery = Delivery()
        for place in await self.store.copy_places(row["id"]):
            await self._send_to_place(place, content, delivery)
        if not delivery.ok:  # the alert itself reached nobody, or those places are gone: try everyone now
            return await self.deliver_alert(row, content, PRIVATE_FROM_ROUND)
        return delivery

    async def _send_to_place(self, place: PlaceRef, content: Content, delivery: Delivery) -> None:
        try:
            sent = await self.bot.send(place, content)
        except Exception as error:
            log.error(
                "crisis alert could not be sent to a place",
                extra={"platform": place.platform, "error": type(error).__name__},
            )
            return
        delivery.sent.append((place, sent))

    async def _send_privately(self, people: list[UserRef], content: Content, delivery: Delivery) -> None:
        async def one(user: UserRef) -> SentRef | None:
            try:
                return await self.bot.send_private(user, content)
            except Exception as error:
                log.error(
                    "crisis alert could not reach a moderator privately",
                    extra={"platform": user.platform, "error": type(error).__name__},
                )
                return None

        # At the same time: five moderators' DMs should not take five round trips in a row.
        results = await asyncio.gather(*(one(user) for user in people))
        delivery.sent += [
            (PlaceRef(sent.platform, sent.place_id, is_direct=True), sent)
            for sent in results
            if sent is not None
        ]

    async def note_undelivered_reply(self, alert_id: int, reason: str) -> None:
        row = await self.store.alert(alert_id)
        await self.tell_alert_recipients(
            row,
            Content(
                title=f"The bot's private reply for alert #{alert_id} could NOT be delivered",
                text=f"The member in alert #{alert_id} did not receive the bot's reply ({reason}). "
                "Please reach them another way.",
                choices=[Choice(f"crisis.ack:{alert_id}", "Acknowledge", "primary")],
            ),
        )

    # --- acknowledging ---------------------------------------------------------------------------

    @on_choice("crisis.ack", rate_limited=False)
    async def acknowledge(self, ctx: Context, value: str) -> None:
        """A moderator takes the alert: record who and when, stop re-alerts, tell every copy."""
        row = await self.store.alert(number) if (number := whole_number(value)) is not None else None
        if row is None:
            await ctx.reply("That alert no longer exists.", private=True)
            return
        if not await ctx.bot.is_moderator(ctx.author, row["community_id"], ctx.adapter):
            await ctx.reply("Only moderators can acknowledge crisis alerts.", private=True)
            return
        now = ctx.bot.clock.now()
        who = f"{ctx.author.name} ({ctx.author.key})"
        if not await self.store.acknowledge(row["id"], who, now.isoformat()):
            await ctx.reply(
                f"{row['acknowledged_by']} already took this one. Thank you for checking.", private=True
            )
            return
        await ctx.bot.scheduler.remove_owner_keys("crisis", f"realert:{row['id']}:")
        # A follow-up rather than an edit: the original names the member, and the database cannot
        # rebuild that (it never stores who the alert is about).
        await self.tell_alert_recipients(
            row,
            Content(
                text=f"Alert #{row['id']} was acknowledged by {ctx.author.name} at {timestamp(now, 't')}. "
                "No more re-alerts for it."
            ),
        )
        await ctx.reply("Thank you for taking this. Please reach out privately and kindly.", private=True)
        log.info("crisis alert acknowledged", extra={"alert": row["id"]})

    async def realert(self, occurrence: Occurrence) -> None:
        alert_id = int(occurrence.payload.get("alert_id") or 0)  # (no alert has id 0)
        row = await self.store.alert(alert_id)
        if row is None or row["acknowledged_at"]:
            return
        await self.store.count_realert(alert_id, realert_round(occurrence.key))
        row = await self.store.alert(alert_id)
        texts = await self.texts(row["community_id"])
        delivery = await self.deliver_alert(
            row, self.alert_content(row, None, texts, again=True), row["realerts"]
        )
        log.info(
            "crisis alert repeated",
            extra={"alert": alert_id, "times": row["realerts"], "reached": len(delivery.sent)},
        )
        minutes = await (await self.settings(row["community_id"])).get(
            "realert_minutes", DEFAULT_REALERT_MINUTES
        )
        if minutes and row["realerts"] < MAX_REALERTS:
            await self.bot.scheduler.add(
                # A new key per round: the scheduler deletes a one-off schedule after it has run.
                "crisis",
                f"realert:{alert_id}:{row['realerts']}",
                At(self.bot.clock.now() + timedelta(minutes=minutes)),
                REALERT_HANDLER,
                {"alert_id": alert_id},
                grace=timedelta(hours=12),
            )

    async def realert_given_up(self, occurrence: Occurrence, why: str) -> None:
        """A re-alert a crash left unfinished, and that is not run again: the moderators are told."""
        await self.tell_realert_unsure(occurrence.payload.get("alert_id"), realert_round(occurrence.key), why)

    async def realert_send_given_up(self, scope: str) -> None:
        """A message of a re-alert left unconfirmed by a crash, too late to resend safely (bot/outbox.py)."""
        # The scope of an occurrence: "schedule:crisis:realert:<alert id>:<round before>:<time>".
        parts = scope.split(":")
        alert_id = whole_number(parts[3]) if len(parts) > 4 else None
        if alert_id is not None:
            await self.tell_realert_unsure(
                alert_id,
                (whole_number(parts[4]) or 0) + 1,
                "the bot restarted while sending it and could not safely send it again",
            )

    async def tell_realert_unsure(self, alert_id: int | None, round_: int, why: str) -> None:
        row = await self.store.alert(alert_id) if alert_id is not None else None
        if row is None or row["acknowledged_at"]:
            return
        log.error("crisis re-alert may not have reached everyone", extra={"alert": alert_id})
        await self.deliver_alert(
            row,
            Content(
                title=f"Crisis alert #{alert_id}: a re-alert may not have reached everyone",
                text=f"The bot could not finish re-sending crisis alert #{alert_id} ({why}). Nobody has "
                "acknowledged it yet. Please check on it now (`!crisisadmin open`), and press Acknowledge "
                "once someone has it.",
                choices=[Choice(f"crisis.ack:{alert_id}", "Acknowledge", "primary")],
            ),
            max(round_, PRIVATE_FROM_ROUND),
        )

    # --- listing ---------------------------------------------------------------------------------

    def open_alert_line(self, row, now: datetime) -> str:
        created = datetime.fromisoformat(row["created_at"])
        minutes = max(0, int((now - created).total_seconds() // 60))
        where = (
            "a direct message with the bot"
            if row["source_is_direct"]
            else f"`{row['source_place']}` on {row['source_platform']}"
        )
        if row["link"]:
            where += f" ([message]({row['link']}))"
        urgent = ", member said NOT safe" if row["urgent"] else ""
        again = f", re-sent {row['realerts']}x" if row["realerts"] else ""
        return (
            f"**#{row['id']}** {timestamp(created, 'f')} ({minutes} min ago) · {LEVEL_LABELS[Level[row['level']]]}"
            f"{urgent} · {category_label(row['category'])} · {where}{again}"
        )
