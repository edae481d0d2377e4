"""Organiser and moderator commands: edit, cancel, attendees, messages, and the community's settings.

A change to a repeating meetup asks whether it is for one meeting or the whole series; everyone who
answered an affected meeting is told privately, on the platform they answered from.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple
from zoneinfo import ZoneInfo

from bot.commands import Access, Context, Guard, Param, ParamType, command
from bot.model import Choice, Content
from bot.params import whole_number
from bot.text import plural, quote_member_name, quote_member_text, timestamp

from .models import Meeting, Meetup, iso
from .recurrence import localize
from .spec import SpecError, describe_duration, parse_spec
from .timeparse import TimeParseError, When, is_time_only, parse_date, parse_when

if TYPE_CHECKING:
    from bot.services import BotServices

    from .cog import Draft
    from .service import MeetupService
    from .store import MeetupStore

ONE_ONLY = ("place", "duration", "when", "time_only", "description")


class Target(NamedTuple):
    """The meetup a command acts on, and the one meeting of it that was named, if any."""

    meetup: Meetup
    occurrence: Meeting | None = None


class Drafted(NamedTuple):
    """The meetup a confirmation button would change; None for one still being planned (create)."""

    meetup: Meetup | None


async def named_meetup(cog: Any, ctx: Context, text: str) -> Target | None:
    """ "NAME" or "NAME on DATE", up to the first comma (the rest of the line is the command's own;
    a meetup's name never has a comma, as commas separate the parts of `!meetup create`)."""
    meetup, occ = await cog.target(ctx, text.partition(",")[0])
    return None if meetup is None else Target(meetup, occ)


async def drafted_meetup(cog: Any, ctx: Context, value: str) -> Drafted | None:
    """The meetup a confirmation button ("TOKEN:DECISION") would change."""
    draft = cog.drafts.get(value.partition(":")[0])
    if draft is None:
        await ctx.reply("That plan has expired or isn't yours. Please run the command again.", private=True)
        return None
    if "meetup_id" not in draft.data:
        return Drafted(None)
    meetup = await cog.store.get(draft.data["meetup_id"])
    if meetup is None:
        await ctx.reply("That meetup is no longer there; nothing was changed.", private=True)
        return None
    return Drafted(meetup)


async def organises(cog: Any, ctx: Context, target: Target | Drafted) -> bool:
    return await cog.can_organise(ctx, target.meetup)


async def sees_names(cog: Any, ctx: Context, target: Target) -> bool:
    return await cog.service.settings(ctx.community.id).get("names_public", False) or await organises(
        cog, ctx, target
    )


# Who may act on a meetup: its own organiser and the community's moderators (see can_organise).
ORGANISED = Guard(
    named_meetup,
    organises,
    "Only this meetup's organiser and moderators can do that. `!meetups` shows what's planned.",
)
ORGANISED_DRAFT = Guard(drafted_meetup, organises, "Only this meetup's organiser and moderators can do that.")
NAMES_SHOWN = Guard(
    named_meetup,
    sees_names,
    "Only organisers and moderators see who is going; everyone sees the count with `!meetup show NAME`.",
)


class OrganiserCommands:
    """Mixed into MeetupsCog; uses its store, service and drafts."""

    # What this mixin uses of MeetupsCog:
    bot: BotServices
    store: MeetupStore
    service: MeetupService
    drafts: dict[str, Draft]
    new_draft: Callable[..., str]

    # --- helpers ----------------------------------------------------------------------------------

    def zone(self, ctx: Context) -> ZoneInfo:
        return ZoneInfo(ctx.community.timezone)

    async def can_organise(self, ctx: Context, meetup: Meetup | None = None) -> bool:
        """Who may act on a meetup: its own organiser and the community's moderators. Being on the
        organisers list lets a member plan new meetups, never manage someone else's."""
        if await ctx.is_moderator():
            return True
        if meetup is not None:
            return bool(meetup.organiser) and meetup.organiser == ctx.author.key
        organisers = await self.service.settings(ctx.community.id).get("organisers", [])
        return ctx.author.key in organisers

    async def one_meetup(self, ctx: Context, name: str) -> Meetup | None:
        found = await self.service.find(ctx.community.id, name)
        if len(found) == 1:
            return found[0]
        if not found:
            await ctx.reply(
                f"I can't find a meetup called “{quote_member_text(name, 60)}”. Type `!meetups` to see "
                "what's planned, then use its name or number, like `#3`.",
                private=True,
            )
        else:
            options = ", ".join(f"`#{m.id}` {m.title}" for m in found[:6])
            await ctx.reply(
                f"Several meetups match: {options}. Use the number, like `#{found[0].id}`.", private=True
            )
        return None

    async def next_for(self, ctx: Context, name: str) -> Meeting | None:
        meetup = await self.one_meetup(ctx, name)
        if meetup is None:
            return None
        occ = await self.service.next_occurrence(meetup)
        if occ is None:
            await ctx.reply(f"**{meetup.title}** has no upcoming meetings.", private=True)
        return occ

    async def target(self, ctx: Context, name_part: str) -> tuple[Meetup | None, Meeting | None]:
        """ "NAME" or "NAME on DATE": the meetup, and the meeting on that date if one was named."""
        name, _, day_text = name_part.partition(" on ")
        meetup = await self.one_meetup(ctx, name)
        if meetup is None or not day_text.strip():
            return meetup, None
        today = self.bot.clock.now().astimezone(meetup.zone).date()
        try:
            day = parse_date(day_text, today, "a date")
        except TimeParseError as problem:
            await ctx.reply(str(problem), private=True)
            return None, None
        for occ in await self.store.upcoming(meetup, self.bot.clock.now(), 400):
            if occ.start.date() == day or occ.rule_start.date() == day:
                return meetup, occ
        await ctx.reply(
            f"**{meetup.title}** has no meeting on {day:%a %-d %b %Y}. `!meetup show {meetup.title}` "
            "lists the next ones.",
            private=True,
        )
        return None, None

    def scope_choices(self, token: str, occ: Meeting) -> list[Choice]:
        return [
            Choice(f"meetup.draft:{token}:save", f"Only {occ.start:%a %-d %b}", "primary"),
            Choice(f"meetup.draft:{token}:series", "The whole series", "danger"),
            Choice(f"meetup.draft:{token}:drop", "Keep everything", "secondary"),
        ]

    # --- edit -------------------------------------------------------------------------------------

    @command(
        "meetup edit",
        params=[Param("changes", ParamType.TEXT, help="NAME [on DATE], then the changes", guard=ORGANISED)],
        private=True,
        examples=[
            "!meetup edit Alumni coffee, capacity 14",
            "!meetup edit Alumni coffee on dec 10, 7pm, at Room 5",
        ],
    )
    async def edit(self, ctx: Context, changes: str, target: Target) -> None:
        """Change a meetup (organisers): time, place, length, capacity, cut-off, name, description.

        Start with the meetup's name (add "on DATE" for one meeting of a series), then the changes in
        the same form as `!meetup create`. Everyone who answered is told.
        """
        rest = changes.partition(",")[2]
        meetup, occ = target
        specific = occ is not None
        occ = occ or await self.service.next_occurrence(meetup)
        try:
            spec = parse_spec(rest, require_title=False)
            when = None
            if spec.when_text:
                day = occ.rule_start.date() if occ else None
                when = parse_when(spec.when_text, meetup.zone, self.bot.clock.now(), default_day=day)
        except (SpecError, TimeParseError) as problem:
            await ctx.reply(str(problem), private=True)
            return
        fields = {k: v for k, v in vars(spec).items() if v is not None and k != "when_text"}
        if when is not None:
            fields["when"] = when
            fields["time_only"] = is_time_only(spec.when_text or "")
        if not fields:
            await ctx.reply(
                "What should change? E.g. `!meetup edit Alumni coffee, capacity 14, at Room 5`.", private=True
            )
            return
        review = self.describe_changes(fields)
        token = self.new_draft(
            ctx, "edit", meetup_id=meetup.id, fields=fields, rule_start=occ.rule_start if occ else None
        )
        content = Content(
            title=f"Change {meetup.title}?",
            fields=review,
            text="Everyone who answered will be told privately.",
        )
        series_level = set(fields) - set(ONE_ONLY)
        if meetup.recurrence is not None and occ is not None and not specific and not series_level:
            content.choices = self.scope_choices(token, occ)
        else:
            content.choices = [
                Choice(
                    f"meetup.draft:{token}:{'save' if specific else 'series'}",
                    "Save and tell everyone",
                    "success",
                ),
                Choice(f"meetup.draft:{token}:drop", "Cancel"),
            ]
        await ctx.reply(content, private=True)

    def describe_changes(self, fields: dict) -> list[tuple[str, str]]:
        shown = []
        for key, value in fields.items():
            if key == "time_only":
                continue
            if key == "when":
                shown.append(("Starts", value.describe()))
            elif key in ("duration", "cutoff"):
                shown.append(
                    ("Length" if key == "duration" else "RSVPs close before", describe_duration(value))
                )
            else:
                shown.append((key.capitalize(), str(value)))
        return shown

    async def apply_change(self, ctx: Context, draft) -> None:
        meetup = await self.store.get(draft.data["meetup_id"])
        if meetup is None or meetup.status != "active":
            await ctx.reply("That meetup is no longer active; nothing was changed.", private=True)
            return
        rule_start = draft.data.get("rule_start")
        occ = await self.store.occurrence(meetup, rule_start) if rule_start else None
        whole = draft.data.get("scope") == "series" or occ is None
        if draft.action == "cancel":
            await self.cancel_now(ctx, meetup, None if whole else occ)
        else:
            await self.edit_now(ctx, meetup, draft.data["fields"], None if whole else occ)

    async def edit_now(self, ctx: Context, meetup: Meetup, fields: dict, occ: Meeting | None) -> None:
        now = self.bot.clock.now()
        if occ is not None:  # one meeting of a series
            when = fields.get("when")
            if when is not None and when.recurrence is not None:
                await ctx.reply(
                    "One meeting can't repeat; give a single time like `2026-12-10 19:00`.", private=True
                )
                return
            changes = {
                "note": fields.get("description"),
                "place": fields.get("place"),
                "duration": fields.get("duration"),
                "start": when.start if when else None,
            }
            await self.store.change_occurrence(occ, **{k: v for k, v in changes.items() if v is not None})
            affected = [await self.store.occurrence(meetup, occ.rule_start)]
            await self.service.unschedule(occ)
        else:
            when = fields.get("when")
            if (
                when is not None
                and meetup.recurrence is not None
                and when.recurrence is None
                and fields["time_only"]
            ):
                # "7pm" for the whole series: same days, new time, from the next meeting on.
                first = await self.service.next_occurrence(meetup)
                start = first.rule_start if first else meetup.first_start
                new_start = localize(datetime.combine(start.date(), when.start.time()), meetup.zone)
                when = When(new_start, meetup.zone, meetup.recurrence)
                fields["when"] = when
            if when is not None and meetup.recurrence is not None and when.recurrence is None:
                await ctx.reply(
                    "For the whole series give a repeat, like `every Thursday 7pm`; to move one "
                    "meeting, add its date: `!meetup edit NAME on dec 10, 7pm`.",
                    private=True,
                )
                return
            updates = {
                k: fields[k]
                for k in ("title", "description", "place", "capacity", "duration", "cutoff")
                if k in fields
            }
            if when is not None:
                updates.update(start=when.start, recurrence=when.recurrence)
            await self.store.update(meetup.id, **updates)
            await self.service.unschedule_meetup(meetup)
            meetup = await self.store.get(meetup.id) or meetup
            if when is not None:
                await self.rekey_future(meetup, now)
            affected = await self.store.materialized(meetup, after=now)
        lines = [f"{name}: {value}" for name, value in self.describe_changes(fields)]
        told = 0
        for changed in affected:
            promoted = await self.store.fill_seats(changed) if "capacity" in fields else []
            await self.service.tell_promoted(changed, promoted)
            text = f"**{meetup.title}** on {timestamp(changed.start, 'F')} has changed:\n" + "\n".join(lines)
            told += await self.service.tell_answered(changed, text)
            await self.service.refresh(changed)
            if await self.store.posts(changed) or (await self.store.counts(changed))["going"]:
                await self.service.schedule(changed)
        following = await self.service.next_occurrence(meetup)
        if following is not None:
            await self.service.schedule(following)
        await ctx.reply(f"Saved. I told {plural(told, 'person', 'people')} who had answered.", private=True)

    async def rekey_future(self, meetup: Meetup, now: datetime) -> None:
        """After the series' time changed, its future meetings (and their answers) follow the new rule."""
        old = [o for o in await self.store.materialized(meetup, after=now) if o.rule_start > now]
        new_starts = meetup.rule_starts(after=now, limit=len(old))
        async with self.bot.db.transaction() as db:
            # Two passes so that a new start equal to another row's old one never trips the UNIQUE key.
            for occ in old:
                await db.execute(
                    "UPDATE meetup_occurrences SET rule_start = 'moving-' || id WHERE id = ?", (occ.id,)
                )
            for index, occ in enumerate(old):
                if index < len(new_starts):
                    start, cancelled = new_starts[index], 0
                else:  # the new rule has fewer meetings left: these ones no longer happen
                    start, cancelled = occ.rule_start, 1
                await db.execute(
                    """UPDATE meetup_occurrences SET rule_start = ?, start_utc = ?, cancelled = ?,
                       sequence = sequence + 1 WHERE id = ?""",
                    (iso(start), iso(start), cancelled, occ.id),
                )

    # --- cancel -----------------------------------------------------------------------------------

    @command(
        "meetup cancel",
        params=[Param("name", ParamType.TEXT, help="NAME, or NAME on DATE for one meeting", guard=ORGANISED)],
        private=True,
        examples=["!meetup cancel Alumni coffee on dec 10", "!meetup cancel #3"],
    )
    async def cancel(self, ctx: Context, name: str, target: Target) -> None:
        """Cancel one meeting or a whole meetup (organisers); everyone who answered is told privately."""
        meetup, occ = target
        specific = occ is not None
        occ = occ or await self.service.next_occurrence(meetup)
        token = self.new_draft(ctx, "cancel", meetup_id=meetup.id, rule_start=occ.rule_start if occ else None)
        if meetup.recurrence is not None and occ is not None and not specific:
            choices = self.scope_choices(token, occ)
        else:
            decision = "save" if specific else "series"
            choices = [
                Choice(f"meetup.draft:{token}:{decision}", "Yes, cancel it", "danger"),
                Choice(f"meetup.draft:{token}:drop", "Keep it"),
            ]
        one_meeting = occ is not None and (specific or meetup.recurrence is None)
        what = (
            f"{meetup.title} on {timestamp(occ.start, 'F')}"
            if occ is not None and one_meeting
            else meetup.title
        )
        await ctx.reply(
            Content(
                title=f"Cancel {what}?", text="Everyone who answered will be told privately.", choices=choices
            ),
            private=True,
        )

    async def cancel_now(self, ctx: Context, meetup: Meetup, occ: Meeting | None) -> None:
        now = self.bot.clock.now()
        if occ is None:
            await self.store.update(meetup.id, status="cancelled")
            await self.service.unschedule_meetup(meetup)
            meetup = await self.store.get(meetup.id) or meetup
            affected = await self.store.materialized(meetup, after=now)
        else:
            await self.store.change_occurrence(occ, cancelled=1)
            await self.service.unschedule(occ)
            affected = [await self.store.occurrence(meetup, occ.rule_start)]
        told = 0
        carries_on = " The series carries on as usual." if occ is not None and meetup.recurrence else ""
        for changed in affected:
            told += await self.service.tell_answered(
                changed,
                f"**{meetup.title}** on {timestamp(changed.start, 'F')} is cancelled.{carries_on} Sorry for "
                "the change; `!meetups` shows what else is planned.",
            )
            await self.service.refresh(changed)
        if occ is not None and meetup.recurrence is not None and await self.store.posts(occ):
            following = await self.service.next_occurrence(meetup)
            if following is not None and not await self.store.posts(following):
                await self.service.announce(following)
        await ctx.reply(
            f"Cancelled. I told {plural(told, 'person', 'people')} who had answered.", private=True
        )

    # --- attendees and messages -------------------------------------------------------------------

    @command(
        "meetup attendees",
        params=[Param("name", ParamType.TEXT, help="NAME, or NAME on DATE", guard=NAMES_SHOWN)],
        private=True,
        examples=["!meetup attendees Alumni coffee"],
    )
    async def attendees(self, ctx: Context, name: str, target: Target) -> None:
        """Who is going and who is waiting (organisers and moderators, unless names are public here)."""
        meetup, occ = target
        occ = occ or await self.service.next_occurrence(meetup)
        if occ is None:
            await ctx.reply(f"**{meetup.title}** has no upcoming meetings.", private=True)
            return
        rows = await self.store.rsvps_with_names(occ, ("going", "waitlist", "maybe"))
        groups = {
            answer: [
                quote_member_name(r["display_name"]) or "a member" for r in rows if r["answer"] == answer
            ]
            for answer in ("going", "waitlist", "maybe")
        }
        fields = [
            (f"Going ({len(groups['going'])}/{meetup.capacity})", ", ".join(groups["going"]) or "nobody yet")
        ]
        if groups["waitlist"]:
            fields.append(
                ("Waitlist, in order", ", ".join(f"{i}. {n}" for i, n in enumerate(groups["waitlist"], 1)))
            )
        if groups["maybe"]:
            fields.append(("Maybe", ", ".join(groups["maybe"])))
        await ctx.reply(
            Content(title=f"{meetup.title}, {occ.start:%a %-d %b %H:%M}", fields=fields), private=True
        )

    @command(
        "meetup message",
        params=[Param("text", ParamType.TEXT, help="NAME, then your message", guard=ORGANISED)],
        private=True,
        examples=["!meetup message Alumni coffee, We're in the back room today."],
    )
    async def message(self, ctx: Context, text: str, target: Target) -> None:
        """Send a private message to everyone going, waitlisted or maybe for the next meeting (organisers)."""
        body = text.partition(",")[2]
        meetup, occ = target
        if not body.strip():
            await ctx.reply(
                "Add your message after a comma: `!meetup message Alumni coffee, See you at 6!`", private=True
            )
            return
        occ = occ or await self.service.next_occurrence(meetup)
        told = 0
        for row in await self.store.rsvps(occ, ("going", "waitlist", "maybe")) if occ else []:
            assert occ is not None  # (the loop runs only for a meeting)
            told += await self.service.tell(
                row["member_id"],
                row["platform"],
                Content(
                    text=f"From the organiser of **{meetup.title}** ({timestamp(occ.start, 'f')}):\n"
                    f"{quote_member_text(body, 1500)}"
                ),
            )
        await ctx.reply(f"Sent to {plural(told, 'person', 'people')}.", private=True)

    # --- community settings -----------------------------------------------------------------------

    @command(
        "meetup channel",
        params=[Param("where", ParamType.CHOICE, choices=("here", "off"))],
        access=Access.MODERATOR,
        private=True,
        examples=["!meetup channel here"],
    )
    async def channel(self, ctx: Context, where: str) -> None:
        """Announce new meetups in this channel or room (one per platform), or stop announcing here."""
        if ctx.place.is_direct:
            await ctx.reply(
                "Run this in the channel or room where meetups should be announced.", private=True
            )
            return
        store = self.service.settings(ctx.community.id)
        channels = await store.get("channels", {})
        mine = channels.setdefault(ctx.place.platform, {})
        if where == "here":
            mine[ctx.place.place_id] = ctx.place.scope_id
        else:
            mine.pop(ctx.place.place_id, None)
        await store.set("channels", channels)
        await ctx.reply(
            "New meetups will be announced here."
            if where == "here"
            else "Meetups will no longer be announced here.",
            private=True,
        )

    @command(
        "meetup names",
        params=[Param("visibility", ParamType.CHOICE, choices=("private", "public"))],
        access=Access.MODERATOR,
        private=True,
        examples=["!meetup names public"],
    )
    async def names(self, ctx: Context, visibility: str) -> None:
        """Who may see attendee names: organisers and moderators only (private, the default) or everyone."""
        await self.service.settings(ctx.community.id).set("names_public", visibility == "public")
        await ctx.reply(
            "Everyone can now see who is going."
            if visibility == "public"
            else "Only organisers and moderators see who is going; everyone sees the count.",
            private=True,
        )

    @command(
        "meetup organiser",
        params=[Param("action", ParamType.CHOICE, choices=("add", "remove")), Param("user", ParamType.USER)],
        access=Access.MODERATOR,
        private=True,
        examples=["!meetup organiser add @sam"],
    )
    async def organiser(self, ctx: Context, action: str, user) -> None:
        """Let someone plan and run meetups without being a moderator (or take that away)."""
        store = self.service.settings(ctx.community.id)
        organisers = set(await store.get("organisers", []))
        (organisers.add if action == "add" else organisers.discard)(user.key)
        await store.set("organisers", sorted(organisers))
        await ctx.reply(
            f"{user.name} {'can now' if action == 'add' else 'can no longer'} organise meetups.", private=True
        )

    @command(
        "meetup reminder-times",
        params=[Param("hours", ParamType.TEXT, help="hours before, e.g. 24 1")],
        access=Access.MODERATOR,
        private=True,
        examples=["!meetup reminder-times 24 1", "!meetup reminder-times 48 2"],
    )
    async def reminder_times(self, ctx: Context, hours: str) -> None:
        """When reminders go out before each meetup, in hours (default 24 and 1); `none` sends none."""
        words = hours.replace(",", " ").split()
        if words == ["none"]:
            chosen: list[int] = []
        elif (
            words
            and len(words) <= 3
            and all((n := whole_number(w)) is not None and 1 <= n <= 168 for w in words)
        ):
            chosen = sorted({n for w in words if (n := whole_number(w)) is not None}, reverse=True)
        else:
            await ctx.reply(
                "Give up to three numbers of hours between 1 and 168, like `!meetup reminder-times 24 1`, "
                "or `none`.",
                private=True,
            )
            return
        await self.service.settings(ctx.community.id).set("reminder_hours", chosen)
        shown = " and ".join(f"{h} h" for h in chosen) or "no reminders"
        await ctx.reply(f"Meetups announced from now on get {shown} before they start.", private=True)
