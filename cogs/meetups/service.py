"""Meetup work that is not a command: announcing on every linked platform, keeping posts current,
reminders and the roll to a series' next meeting through the durable scheduler, private notices, .ics.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from bot.model import Content, FileAttachment, PlaceRef, SentRef
from bot.params import whole_number
from bot.schedule_specs import At
from bot.scheduler import Occurrence as Firing
from bot.text import plural, quote_member_name

from . import render
from .ics import IcsEvent, build_calendar, ics_filename
from .models import Meeting, Meetup, iso
from .store import MeetupStore

if TYPE_CHECKING:
    from bot.core import Kindred

log = logging.getLogger(__name__)

OWNER = "meetups"
DEFAULT_REMINDER_HOURS = (24, 1)
# Platforms rate-limit edits (Discord: a few per channel per few seconds), so a burst of answers is
# shown with one edit at the start of the burst and one at its end rather than one per answer.
REFRESH_INTERVAL = 2.0
ICS_MIME = "text/calendar"


class MeetupService:
    def __init__(self, bot: Kindred, store: MeetupStore):
        self.bot = bot
        self.store = store
        self.refresh_interval = REFRESH_INTERVAL
        self._last_refresh: dict[int, float] = {}
        self._refresh_waiting: set[int] = set()
        self._refresh_locks: dict[int | None, asyncio.Lock] = {}

    def now(self) -> datetime:
        return self.bot.clock.now()

    def settings(self, community_id: int):
        return self.bot.community_settings(community_id, OWNER)

    # --- finding ----------------------------------------------------------------------------------

    async def find(self, community_id: int, name: str) -> list[Meetup]:
        """Active meetups matching a name: "#3", the exact title, or else titles containing the words."""
        name = name.strip()
        meetups = await self.store.active(community_id)
        if name.startswith("#") and (number := whole_number(name[1:])) is not None:
            return [m for m in meetups if m.id == number]
        exact = [m for m in meetups if m.title.lower() == name.lower()]
        if exact:
            return exact
        words = name.lower().split()
        return [m for m in meetups if words and all(w in m.title.lower() for w in words)]

    async def next_occurrence(self, meetup: Meetup) -> Meeting | None:
        found = await self.store.upcoming(meetup, self.now(), 1)
        return found[0] if found else None

    async def occurrence_from_key(self, key: str) -> Meeting | None:
        meetup_id, _, unix = key.partition(":")
        if whole_number(meetup_id) is None or whole_number(unix) is None:
            return None
        meetup = await self.store.get(int(meetup_id))
        if meetup is None:
            return None
        rule_start = datetime.fromtimestamp(int(unix), meetup.zone)
        if not meetup.is_rule_start(rule_start):
            return None
        return await self.store.occurrence(meetup, rule_start)

    # --- announcing -------------------------------------------------------------------------------

    async def announce_places(self, meetup: Meetup) -> list[PlaceRef]:
        """The community's meetup channels on every connected platform, plus where it was created."""
        channels = await self.settings(meetup.community_id).get("channels", {})
        places = [
            PlaceRef(platform, place_id, scope_id=scope)
            for platform, entries in channels.items()
            for place_id, scope in entries.items()
        ]
        if meetup.origin and not any(p.platform == meetup.origin["platform"] for p in places):
            places.append(
                PlaceRef(
                    meetup.origin["platform"],
                    meetup.origin["place_id"],
                    scope_id=meetup.origin.get("scope_id"),
                )
            )
        return [p for p in places if p.platform in self.bot.adapters]

    async def content_for(self, occ: Meeting) -> Content:
        counts = await self.store.counts(occ)
        names = None
        if await self.settings(occ.meetup.community_id).get("names_public", False):
            rows = await self.store.rsvps_with_names(occ, ("going",))
            names = [quote_member_name(row["display_name"]) or "a member" for row in rows]
        return render.announcement(occ, counts, self.now(), names)

    async def announce(self, occ: Meeting) -> int:
        """Post the meeting everywhere the community meets; returns how many posts were made."""
        content = await self.content_for(occ)
        posted = 0
        for place in await self.announce_places(occ.meetup):
            try:
                sent = await self.bot.send(place, content)
            except Exception:
                log.exception("meetup announcement failed", extra={"platform": place.platform})
                continue
            await self.store.add_post(occ, sent.platform, sent.place_id, sent.message_id)
            posted += 1
        await self.schedule(occ)
        return posted

    async def request_refresh(self, occ: Meeting) -> None:
        """Refresh the posts now, or once at the end of the current burst of answers."""
        if occ.id is None or self.refresh_interval <= 0:
            await self.refresh(occ)
            return
        if occ.id in self._refresh_waiting:
            return  # the trailing refresh will show this answer too
        since = time.monotonic() - self._last_refresh.get(occ.id, float("-inf"))
        if since >= self.refresh_interval:
            self._last_refresh[occ.id] = time.monotonic()
            await self.refresh(occ)
            return
        self._refresh_waiting.add(occ.id)
        self.bot.spawn(self._refresh_later(occ.id, self.refresh_interval - since))

    async def _refresh_later(self, occurrence_id: int, delay: float) -> None:
        try:
            await asyncio.sleep(delay)
        finally:
            self._refresh_waiting.discard(occurrence_id)
        self._last_refresh[occurrence_id] = time.monotonic()
        occ = await self.store.occurrence_by_id(occurrence_id)
        if occ is not None:
            await self.refresh(occ)

    async def refresh(self, occ: Meeting) -> None:
        """Edit every post of this meeting to the current counts and state (where the platform can)."""
        # One refresh at a time per meeting, each reading the counts inside the lock, so an older
        # reading can never be applied after a newer one.
        async with self._refresh_locks.setdefault(occ.id, asyncio.Lock()):
            await self._refresh_now(occ)

    async def _refresh_now(self, occ: Meeting) -> None:
        content = await self.content_for(occ)
        for post in await self.store.posts(occ):
            adapter = self.bot.adapters.get(post["platform"])
            if adapter is None or not adapter.capabilities.edits:
                continue
            try:
                await adapter.edit(SentRef(post["platform"], post["place_id"], post["message_id"]), content)
            except Exception:
                log.warning("could not edit a meetup post", extra={"platform": post["platform"]})

    # --- schedules --------------------------------------------------------------------------------

    def _key(self, occ: Meeting, what: str) -> str:
        return f"{occ.key}:{what}"

    async def schedule(self, occ: Meeting) -> None:
        """Reminders before the meeting and the roll to the next one at its start; idempotent."""
        now = self.now()
        hours = await self.settings(occ.meetup.community_id).get(
            "reminder_hours", list(DEFAULT_REMINDER_HOURS)
        )
        payload = {"meetup_id": occ.meetup.id, "rule_start": iso(occ.rule_start)}
        for hour in hours:
            moment = occ.start - timedelta(hours=hour)
            if moment > now:
                await self.bot.scheduler.add(
                    OWNER,
                    self._key(occ, f"remind{hour}h"),
                    At(moment),
                    "meetups.remind",
                    {**payload, "hours": hour},
                    grace=min(timedelta(hours=hour) / 2, timedelta(hours=6)),
                )
        await self.bot.scheduler.add(
            OWNER, self._key(occ, "roll"), At(occ.start), "meetups.roll", payload, grace=timedelta(days=7)
        )

    async def is_scheduled(self, occ: Meeting) -> bool:
        return await self.bot.scheduler.next_fire(OWNER, self._key(occ, "roll")) is not None

    async def unschedule(self, occ: Meeting) -> None:
        await self.bot.scheduler.remove_owner_keys(OWNER, f"{occ.key}:")

    async def unschedule_meetup(self, meetup: Meetup) -> None:
        await self.bot.scheduler.remove_owner_keys(OWNER, f"{meetup.id}:")

    async def _firing_occurrence(self, firing: Firing) -> Meeting | None:
        meetup = await self.store.get(firing.payload["meetup_id"])
        if meetup is None or meetup.status != "active":
            return None
        occ = await self.store.occurrence(meetup, datetime.fromisoformat(firing.payload["rule_start"]))
        return None if occ.cancelled else occ

    async def on_remind(self, firing: Firing) -> None:
        occ = await self._firing_occurrence(firing)
        if occ is None or occ.start <= self.now():
            return
        hours = firing.payload.get("hours", 1)
        when = reminder_when(hours)
        place = f"\n**Where:** {occ.place}" if occ.place else ""
        sent = 0
        for row in await self.store.rsvps(occ, ("going", "maybe")):
            reminders, remind_maybe = await self.store.prefs(row["member_id"])
            if not await self.bot.consent.has(row["member_id"], OWNER):
                continue
            if not reminders or (row["answer"] == "maybe" and not remind_maybe):
                continue
            lead = "You said maybe to" if row["answer"] == "maybe" else "A reminder: you're going to"
            text = (
                f"{lead} **{occ.meetup.title}** {when}: {render.when_line(occ.start)}.{place}\n"
                "Plans changed? Press Can't go so someone on the waitlist gets your seat. "
                "`!meetup reminders off` stops these."
            )
            choices = [c for c in render.rsvp_choices(occ) if c.id.endswith((":cant", ":going"))]
            sent += await self.tell(
                row["member_id"],
                row["platform"],
                Content(text=text, choices=choices, about=f"your seat at {occ.meetup.title}"),
            )
        log.info("meetup reminders sent", extra={"meetup": occ.meetup.id, "count": sent})

    async def on_roll(self, firing: Firing) -> None:
        """The meeting starts: close its post and announce the series' next meeting."""
        meetup = await self.store.get(firing.payload["meetup_id"])
        if meetup is None:
            return
        occ = await self.store.occurrence(meetup, datetime.fromisoformat(firing.payload["rule_start"]))
        await self.refresh(occ)
        if meetup.status == "active" and meetup.recurrence is not None:
            following = await self.next_occurrence(meetup)
            if following is not None and not await self.store.posts(following):
                await self.announce(following)

    # --- telling members --------------------------------------------------------------------------

    async def tell(self, member_id: int, platform: str, content: Content | str) -> int:
        """Privately, on the platform the member answered from (else any account they have)."""
        try:
            for user in await self.bot.members.identities(member_id):
                if user.platform == platform and platform in self.bot.adapters:
                    await self.bot.send_private(user, content)
                    return 1
            return int(await self.bot.send_to_member(member_id, content) is not None)
        except Exception:
            log.warning("could not reach a member privately", extra={"member": member_id})
            return 0

    async def tell_answered(self, occ: Meeting, text: str, *, with_choices: bool = False) -> int:
        told = 0
        for row in await self.store.rsvps(occ, ("going", "waitlist", "maybe", "cant")):
            content = Content(text=text, choices=render.rsvp_choices(occ) if with_choices else [])
            told += await self.tell(row["member_id"], row["platform"], content)
        return told

    async def tell_promoted(self, occ: Meeting, member_ids: list[int]) -> None:
        platforms = {row["member_id"]: row["platform"] for row in await self.store.rsvps(occ, ("going",))}
        for member_id in member_ids:
            text = (
                f"Good news: a seat opened up and you're now going to **{occ.meetup.title}** on "
                f"{render.when_line(occ.start)}. If you can't make it any more, press Can't go so the "
                "next person gets it."
            )
            choices = [c for c in render.rsvp_choices(occ) if c.id.endswith(":cant")]
            await self.tell(
                member_id,
                platforms.get(member_id, ""),
                Content(text=text, choices=choices, about=f"your seat at {occ.meetup.title}"),
            )

    # --- calendars --------------------------------------------------------------------------------

    async def series_events(self, meetup: Meetup) -> list[IcsEvent]:
        """One VEVENT with the rule (cancelled meetings as EXDATE) plus one override per changed meeting."""
        changed = await self.store.materialized(meetup)
        uid = f"meetup-{meetup.id}@kindred"
        series = IcsEvent(
            uid,
            meetup.title,
            meetup.first_start,
            meetup.duration,
            meetup.description,
            meetup.place,
            recurrence=meetup.recurrence,
            sequence=meetup.sequence,
            cancelled=meetup.status == "cancelled",
        )
        events = [series]
        for occ in changed:
            if occ.cancelled:
                if meetup.recurrence is None:
                    series.cancelled = True
                else:
                    series.exdates.append(occ.rule_start)
            elif occ.moved or occ.place != meetup.place or occ.duration != meetup.duration or occ.note:
                if meetup.recurrence is None:
                    series.start, series.duration, series.location = occ.start, occ.duration, occ.place
                    continue
                events.append(
                    IcsEvent(
                        uid,
                        meetup.title,
                        occ.start,
                        occ.duration,
                        "\n\n".join(filter(None, [meetup.description, occ.note])),
                        occ.place,
                        recurrence_id=occ.rule_start,
                        sequence=occ.sequence,
                    )
                )
        return events

    async def series_file(self, meetup: Meetup) -> FileAttachment:
        data = build_calendar(await self.series_events(meetup), name=meetup.title, stamp=self.now())
        return FileAttachment(ics_filename(meetup.title), data, ICS_MIME, f"{meetup.title} calendar")

    async def member_file(self, member_id: int) -> tuple[FileAttachment, int]:
        occurrences = await self.store.member_going(member_id, self.now())
        events = [
            IcsEvent(
                f"meetup-{o.meetup.id}-{int(o.rule_start.timestamp())}@kindred",
                o.meetup.title,
                o.start,
                o.duration,
                "\n\n".join(filter(None, [o.meetup.description, o.note])),
                o.place,
                sequence=o.sequence,
            )
            for o in occurrences
        ]
        data = build_calendar(events, name="My meetups", stamp=self.now())
        return FileAttachment("my-meetups.ics", data, ICS_MIME, "Meetups you're going to"), len(events)


def reminder_when(hours: int) -> str:
    if 20 <= hours <= 28:
        return "tomorrow"
    if hours >= 48:
        return f"in {plural(round(hours / 24), 'day')}"
    return f"in {plural(hours, 'hour')}"
