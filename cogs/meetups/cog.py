"""Meetups: alumni meetups with RSVPs, seats and a waitlist, reminders and calendars, on every platform.

Members: `!meetups`, `!meetup show NAME`, the Going / Maybe / Can't go buttons (or `!meetup rsvp`),
`!meetup ics NAME`, `!meetups ics`, `!meetup reminders`. Organisers: see organise.py.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.cog import Cog, DataStatement, SealedColumn
from bot.commands import Context, Param, ParamType, command, on_choice
from bot.model import Content
from bot.storage import Migration
from bot.text import plural

from . import render
from .models import ANSWERS, Meeting
from .organise import ORGANISED_DRAFT, Drafted, OrganiserCommands
from .service import MeetupService
from .spec import DEFAULT_CAPACITY, DEFAULT_DURATION, SPEC_EXAMPLE, SpecError, describe_duration, parse_spec
from .store import MIGRATIONS, NAME_CONTEXT, MeetupStore
from .timeparse import TimeParseError, parse_when

FEATURE = "meetups"
DRAFT_LIFETIME = timedelta(hours=1)
RETENTION_DAYS = 30
YOUR_ANSWER = {"going": "going", "waitlist": "on the waitlist", "maybe": "maybe", "cant": "can't go"}


@dataclass
class Draft:
    """Something an organiser asked for, waiting for their confirmation (kept in memory only)."""

    author_key: str
    created: datetime
    action: str  # "create" | "edit" | "cancel"
    data: dict = field(default_factory=dict)


class MeetupsCog(OrganiserCommands, Cog):
    name = "meetups"
    community_feature = True  # a community's meetups: not offered in rooms no community mapped
    title = "Meetups"
    help_order = 20
    help_area = "meetups"
    help_line = "upcoming meetups, RSVPs, reminders and calendar files."
    feature = FEATURE
    sealed_columns = [SealedColumn("meetup_rsvps", "display_name", NAME_CONTEXT)]
    data_statement = DataStatement(
        stores="Your answers to meetups (going, maybe, can't go, waitlist place), the platform you answered "
        "from and the name you showed there (encrypted), and whether you want reminders.",
        why="To hold your seat, keep the waitlist fair, remind you, and let organisers know who is coming.",
        retention=f"Answers are deleted {RETENTION_DAYS} days after the meeting; your reminder setting stays "
        "until you leave (!optout meetups) or erase everything (!forgetme).",
        who_can_see="Everyone sees only how many are going. Organisers and moderators see names, unless the "
        "community chose to show names to all.",
    )

    def __init__(self, bot):
        super().__init__(bot)
        self.store = MeetupStore(bot.db, lambda: bot.vault)
        # The second migration needs the vault, so it is this store's method rather than plain SQL.
        self.migrations = [
            *MIGRATIONS,
            Migration(2, "seal the names members showed when answering", self.store.seal_plain_names),
        ]
        self.service = MeetupService(bot, self.store)
        self.drafts: dict[str, Draft] = {}
        self.waiting_for_consent: dict[str, tuple[str, str]] = {}

    async def cog_load(self) -> None:
        self.bot.scheduler.register_handler("meetups.remind", self.service.on_remind)
        self.bot.scheduler.register_handler("meetups.roll", self.service.on_roll)

    async def enforce_retention(self, now: datetime) -> int:
        """Keep answers only as long as they are useful: erase them a while after the meeting, and
        forget meetups (with who organised them) once their last meeting is that far behind."""
        before = now - timedelta(days=RETENTION_DAYS)
        removed = await self.store.purge_answers(before)
        for meetup in await self.store.all_meetups():
            has_future = meetup.status == "active" and meetup.rule_starts(after=before, limit=1)
            if not has_future and not await self.store.materialized(meetup, after=before):
                await self.service.unschedule_meetup(meetup)
                await self.store.delete_meetup(meetup.id)
                removed += 1
        return removed

    # --- drafts shared by create / edit / cancel --------------------------------------------------

    def new_draft(self, ctx: Context, action: str, **data) -> str:
        now = self.bot.clock.now()
        self.drafts = {k: d for k, d in self.drafts.items() if now - d.created < DRAFT_LIFETIME}
        token = secrets.token_hex(4)
        self.drafts[token] = Draft(ctx.author.key, now, action, data)
        return token

    def take_draft(self, ctx: Context, token: str) -> Draft | None:
        draft = self.drafts.get(token)
        if draft is None or draft.author_key != ctx.author.key:
            return None
        if self.bot.clock.now() - draft.created >= DRAFT_LIFETIME:
            del self.drafts[token]
            return None
        return self.drafts.pop(token)

    # --- creating ---------------------------------------------------------------------------------

    @command(
        "meetup create",
        params=[
            Param(
                "details",
                ParamType.TEXT,
                help="name, when, and optional capacity, length, place, rsvp cut-off, description: ...",
            )
        ],
        private=True,
        examples=[
            "!meetup create Alumni coffee, every Thursday 6pm, capacity 10, 90 min, at Cafe Rosa",
            "!meetup create Walk and talk, next saturday 10am, Riverside park, description: Bring water.",
        ],
    )
    async def create(self, ctx: Context, details: str) -> None:
        """Plan a meetup (organisers and moderators). I show what I understood before anything is saved.

        Parts are separated by commas: the name, when it starts ("next tuesday 7pm", "2026-12-03 19:00",
        "every Thursday 6pm", "first Monday of the month 7pm", with "until 2027-03-01" or "for 8 weeks"),
        `capacity 10` (default 12), `90 min`, a place or link, `rsvp closes 2h before`, and last
        `description: ...`. Times are in the community's timezone unless you name one (Europe/Paris).
        """
        if not await self.can_organise(ctx):
            await ctx.reply(
                "Only organisers and moderators can plan meetups. A moderator can add you with "
                "`!meetup organiser add @you`.",
                private=True,
            )
            return
        try:
            spec = parse_spec(details)
            if not spec.when_text:
                raise SpecError(f"When does it start? Add a time, e.g. {SPEC_EXAMPLE}.")
            when = parse_when(spec.when_text, self.zone(ctx), self.bot.clock.now())
        except (SpecError, TimeParseError) as problem:
            await ctx.reply(str(problem), private=True)
            return
        data = {
            "title": spec.title,
            "description": spec.description or "",
            "place": spec.place or "",
            "start": when.start,
            "recurrence": when.recurrence,
            "capacity": spec.capacity or DEFAULT_CAPACITY,
            "duration": spec.duration or DEFAULT_DURATION,
            "cutoff": spec.cutoff or timedelta(0),
            "origin": None
            if ctx.place.is_direct
            else {
                "platform": ctx.place.platform,
                "place_id": ctx.place.place_id,
                "scope_id": ctx.place.scope_id,
            },
            "community_id": ctx.community.id,
        }
        token = self.new_draft(ctx, "create", **data)
        await ctx.reply(render.draft_review(self.review_fields(data, when.describe()), token), private=True)

    def review_fields(self, data: dict, when_text: str) -> list[tuple[str, str]]:
        fields = [
            ("Name", data["title"]),
            ("Starts", when_text),
            ("Length", describe_duration(data["duration"])),
            ("Capacity", str(data["capacity"])),
        ]
        if data["place"]:
            fields.append(("Where", data["place"]))
        cutoff = data["cutoff"]
        fields.append(
            ("RSVPs close", f"{describe_duration(cutoff)} before it starts" if cutoff else "when it starts")
        )
        if data["description"]:
            fields.append(("Description", data["description"]))
        return fields

    @on_choice("meetup.draft", guard=ORGANISED_DRAFT)
    async def draft_answer(self, ctx: Context, value: str, target: Drafted) -> None:
        token, _, decision = value.partition(":")
        draft = self.take_draft(ctx, token)
        if draft is None:
            await ctx.reply(
                "That plan has expired or isn't yours. Please run the command again.", private=True
            )
            return
        if decision not in ("save", "series"):
            await ctx.reply("Okay, nothing was changed.", private=True)
            return
        draft.data["scope"] = "series" if decision == "series" else "one"
        if draft.action == "create":
            await self.save_new(ctx, draft.data)
        else:
            await self.apply_change(ctx, draft)

    async def save_new(self, ctx: Context, data: dict) -> None:
        now = self.bot.clock.now()
        if data["start"] <= now:
            await ctx.reply(
                "That start time has passed while we were talking. Please run the command again.",
                private=True,
            )
            return
        meetup_id = await self.store.create(
            community_id=data["community_id"],
            title=data["title"],
            description=data["description"],
            place=data["place"],
            start=data["start"],
            duration=data["duration"],
            capacity=data["capacity"],
            recurrence=data["recurrence"],
            cutoff=data["cutoff"],
            organiser=ctx.author.key,
            origin=data["origin"],
            now=now,
        )
        meetup = await self.store.existing(meetup_id)
        occ = await self.service.next_occurrence(meetup)
        posted = await self.service.announce(occ) if occ else 0
        where = (
            f"announced in {plural(posted, 'place')}"
            if posted
            else (
                "saved; no announcement channel is set, so run `!meetup channel here` where it should be posted"
            )
        )
        await ctx.reply(
            f"**{meetup.title}** (#{meetup.id}) is {where}. `!meetup ics {meetup.title}` gives the "
            "calendar file.",
            private=True,
        )

    # --- member side ------------------------------------------------------------------------------

    @command(
        "meetups",
        params=[
            Param(
                "view",
                ParamType.CHOICE,
                required=False,
                choices=("upcoming", "ics"),
                help="`ics` sends you a calendar of the meetups you're going to",
            )
        ],
        examples=["!meetups", "!meetups ics"],
    )
    async def list_meetups(self, ctx: Context, view: str | None = None) -> None:
        """Upcoming meetups with seats left; `!meetups ics` privately sends a calendar of yours."""
        if view == "ics":
            await self.send_member_calendar(ctx)
            return
        lines = []
        for meetup in await self.store.active(ctx.community.id):
            for occ in await self.store.upcoming(meetup, self.bot.clock.now(), 3):
                lines.append((occ.start, render.summary_line(occ, await self.store.counts(occ))))
        if not lines:
            await ctx.reply("No meetups are planned yet. Organisers can start one with `!meetup create`.")
            return
        lines.sort(key=lambda pair: pair[0])
        shown = [text for _, text in lines[:15]]
        more = f"\n…and {len(lines) - 15} more." if len(lines) > 15 else ""
        await ctx.reply(
            Content(
                title="Upcoming meetups",
                text="\n".join(shown) + more,
                footer="`!meetup show NAME` for details and RSVP buttons.",
            )
        )

    async def send_member_calendar(self, ctx: Context) -> None:
        member_id = await ctx.member_id()
        if member_id is None or not await self.bot.consent.has(member_id, FEATURE):
            await ctx.reply(
                "You haven't said you're going to any meetup yet, so there is nothing to put in a "
                "calendar. Press Going on a meetup first.",
                private=True,
            )
            return
        attachment, count = await self.service.member_file(member_id)
        text = (
            (
                "Here is the meetup you're going to (or waitlisted for). Open the file to add it to your calendar."
                if count == 1
                else f"Here are the {plural(count, 'meetup')} you're going to (or waitlisted for). "
                "Open the file to add them to your calendar."
            )
            if count
            else "You're not going to any upcoming meetup right now."
        )
        await ctx.reply(Content(text=text, files=[attachment] if count else []), private=True)

    @command(
        "meetup show",
        params=[Param("name", ParamType.TEXT, help="the meetup's name or #number")],
        private=True,
        group_default=True,
        examples=["!meetup Alumni coffee", "!meetup show #3"],
    )
    async def show(self, ctx: Context, name: str) -> None:
        """One meetup's next meeting: time, place, seats left, and the RSVP buttons."""
        occ = await self.next_for(ctx, name)
        if occ is not None:
            content = await self.service.content_for(occ)
            upcoming = await self.store.upcoming(occ.meetup, self.bot.clock.now(), 4)
            if len(upcoming) > 1:
                content.fields.append(
                    ("After that", ", ".join(render.timestamp(o.start, "f") for o in upcoming[1:]))
                )
            member_id = await ctx.member_id()
            mine = await self.store.member_answer(occ, member_id) if member_id is not None else None
            if mine:
                content.fields.insert(0, ("Your answer", YOUR_ANSWER[mine]))
            await ctx.reply(content, private=True)

    @command(
        "meetup rsvp",
        params=[
            Param("answer", ParamType.CHOICE, choices=ANSWERS),
            Param("name", ParamType.TEXT, help="the meetup's name or #number"),
        ],
        private=True,
        examples=["!meetup rsvp going Alumni coffee"],
    )
    async def rsvp_command(self, ctx: Context, answer: str, name: str) -> None:
        """Answer for the next meeting of a meetup: going, maybe or cant (same as the buttons)."""
        occ = await self.next_for(ctx, name)
        if occ is not None:
            await self.rsvp(ctx, occ, answer)

    @on_choice("meetup.rsvp")
    async def rsvp_button(self, ctx: Context, value: str) -> None:
        key, _, answer = value.rpartition(":")
        occ = await self.service.occurrence_from_key(key)
        if occ is None or answer not in ANSWERS:
            await ctx.reply(
                "I can't find that meetup any more. Type `!meetups` to see what's planned.", private=True
            )
            return
        await self.rsvp(ctx, occ, answer)

    async def rsvp(self, ctx: Context, occ: Meeting, answer: str) -> None:
        now = self.bot.clock.now()
        if occ.cancelled or occ.meetup.status != "active":
            await ctx.reply(
                f"**{occ.meetup.title}** on {render.timestamp(occ.start, 'F')} was cancelled.", private=True
            )
            return
        if now >= occ.start or (answer != "cant" and now >= occ.rsvp_closes):
            await ctx.reply(
                f"RSVPs for **{occ.meetup.title}** on {render.timestamp(occ.start, 'F')} are closed. "
                "Type `!meetups` to see the next ones.",
                private=True,
            )
            return
        member_id = await ctx.member_id()
        if member_id is None or not await self.bot.consent.has(member_id, FEATURE):
            # Nothing is stored until they agree; the answer waits in memory for the Agree press.
            self.waiting_for_consent[ctx.author.key] = (occ.key, answer)
            await self.bot.consent.ask(ctx, FEATURE, self.consent_text())
            return
        result = await self.store.answer(
            occ, member_id, answer, ctx.author.platform, ctx.author.display_name, now
        )
        await ctx.reply(
            render.answer_note(occ, result.answer, result.position, result.previous), private=True
        )
        if result.promoted:
            await self.service.tell_promoted(occ, result.promoted)
        if not await self.service.is_scheduled(occ):
            await self.service.schedule(occ)
        if result.answer != result.previous or result.promoted:
            await self.service.request_refresh(occ)

    def consent_text(self) -> str:
        s = self.data_statement
        return (
            f"To save your answer, Kindred keeps: {s.stores}\n**Why:** {s.why}\n**Who can see it:** "
            f"{s.who_can_see}\n**For how long:** {s.retention}"
        )

    async def on_consent(self, ctx: Context) -> None:
        waiting = self.waiting_for_consent.pop(ctx.author.key, None)
        occ = await self.service.occurrence_from_key(waiting[0]) if waiting else None
        if occ is None or waiting is None:
            await ctx.reply("Thank you, you're in. Press Going on a meetup to save your seat.", private=True)
            return
        await self.rsvp(ctx, occ, waiting[1])

    @command(
        "meetup ics",
        params=[Param("name", ParamType.TEXT, help="the meetup's name or #number")],
        private=True,
        examples=["!meetup ics Alumni coffee"],
    )
    async def ics(self, ctx: Context, name: str) -> None:
        """A calendar file for a meetup (the whole series, if it repeats), sent to you privately."""
        meetup = await self.one_meetup(ctx, name)
        if meetup is not None:
            attachment = await self.service.series_file(meetup)
            what = "the whole series" if meetup.recurrence else "this meetup"
            await ctx.reply(
                Content(text=f"Calendar file for {what}: **{meetup.title}**.", files=[attachment]),
                private=True,
            )

    @command(
        "meetup reminders",
        params=[
            Param(
                "setting",
                ParamType.CHOICE,
                choices=("on", "off", "maybe-too"),
                help="on (going only), off, or maybe-too",
            )
        ],
        private=True,
        examples=["!meetup reminders off"],
    )
    async def reminders(self, ctx: Context, setting: str) -> None:
        """Turn your meetup reminders (24 h and 1 h before) on or off, or get them for maybes too."""
        member_id = await ctx.member_id()
        if member_id is None or not await self.bot.consent.has(member_id, FEATURE):
            await ctx.reply("You haven't answered any meetup, so I send you no reminders.", private=True)
            return
        await self.store.set_prefs(member_id, setting != "off", setting == "maybe-too")
        text = {
            "on": "Reminders are on for meetups you're going to.",
            "off": "Reminders are off. `!meetup reminders on` brings them back.",
            "maybe-too": "Reminders are on for meetups you're going to and ones you said maybe to.",
        }[setting]
        await ctx.reply(text, private=True)

    # --- data -------------------------------------------------------------------------------------

    async def export_member_data(self, member_id: int) -> dict:
        return await self.store.export_member(member_id)

    async def delete_member_data(self, member_id: int) -> None:
        for occ in await self.store.delete_member(member_id):
            if occ.start > self.bot.clock.now() and not occ.cancelled:
                promoted = await self.store.fill_seats(occ)
                await self.service.tell_promoted(occ, promoted)
                await self.service.refresh(occ)

    async def forget_identities(self, users) -> int:
        """An organiser who erases their data: off every organisers list, and each meetup they organise is
        handed to another organiser of its community, or, with none, anonymised (docs/privacy.md)."""
        keys = {user.key for user in users}
        changed = 0
        now = self.bot.clock.now()
        for community in self.bot.communities.all():
            settings = self.service.settings(community.id)
            organisers = await settings.get("organisers", [])
            others = [key for key in organisers if key not in keys]
            if others != organisers:
                await settings.set("organisers", others)
                changed += 1
            for meetup_id in await self.store.organised_by(community.id, sorted(keys)):
                if others:
                    await self.store.hand_over(meetup_id, others[0])
                else:
                    await self.store.anonymise(meetup_id)
                changed += 1
                meetup = await self.store.existing(meetup_id)
                for occ in await self.store.materialized(meetup, after=now):
                    await self.service.refresh(occ)  # posted announcements lose the words too
        return changed

    async def on_optout(self, member_id: int) -> None:
        """Nothing to stop: reminders check consent each time they are sent."""
