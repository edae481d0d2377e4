"""Commands a participant uses for their own check-ins: join, schedule, pause, history, sobriety date."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import TYPE_CHECKING

from bot.commands import Access, Context, Param, ParamType, command, on_choice
from bot.days import describe_weekdays, weekdays_from_text, weekdays_to_text
from bot.model import Choice, Content, FileAttachment
from bot.params import ArgumentError, parse_date, suggest_timezones
from bot.text import plural, timestamp
from cogs.checkins.chart import ChartPoint, render_chart
from cogs.checkins.milestones import SoberPeriod, days_sober, next_milestone
from cogs.checkins.questions import ON_TRACK
from cogs.checkins.store import SHARE_ITEMS, from_unix, schedule_of
from cogs.checkins.support import put_count_back
from cogs.checkins.timing import parse_quiet_hours

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

FEATURE = "checkins"
JOIN = "!checkin start"
# What partners see for each `!checkin share` item, as the member reads it.
SHARED_AS = {"checkins": "whether you checked in", "mood": "your mood", "ontrack": "your on-track answer"}
ON_OFF = ("on", "off")


class MemberCommands:
    @command(
        "checkin start",
        params=[
            Param("time", ParamType.TIME, "when to ask you, like 20:00 or 8am", required=False),
            Param(
                "timezone",
                ParamType.TIMEZONE,
                "your timezone, like Europe/London",
                required=False,
                autocomplete="timezone_suggestions",
            ),
            Param(
                "days", ParamType.DAYS, "which days: daily, mon-fri, mon,wed,fri, tue and thu", required=False
            ),
        ],
        private=True,
        examples=["!checkin start 20:00 Europe/London", "!checkin start 8am America/Chicago mon-fri"],
    )
    async def checkin_start(self: CheckinsCog, ctx: Context, time=None, timezone=None, days=None) -> None:
        """Join daily private check-ins, or change when they come (time, timezone, days)."""
        weekdays = days
        member_id = await ctx.member_id()
        if member_id is not None and await self.bot.consent.has(member_id, FEATURE):
            await self.save_schedule(ctx, member_id, time, timezone, weekdays)
            return
        self.start_requests[ctx.author.key] = (time, timezone, weekdays)
        await self.bot.consent.ask(ctx, FEATURE, self.consent_statement)

    async def timezone_suggestions(self, ctx: Context, partial: str) -> list[str]:
        return suggest_timezones(partial)

    async def on_consent(self: CheckinsCog, ctx: Context) -> None:
        member_id = await ctx.member_id()
        wanted_time, timezone, weekdays = self.start_requests.pop(ctx.author.key, (None, None, None))
        await self.save_schedule(ctx, member_id, wanted_time, timezone, weekdays, joining=True)

    async def save_schedule(
        self: CheckinsCog,
        ctx: Context,
        member_id: int,
        wanted_time: time | None,
        timezone: str | None,
        weekdays: frozenset[int] | None,
        joining: bool = False,
    ) -> None:
        from cogs.checkins.cog import DEFAULT_TIME

        row = await self.store.participant(member_id)
        local_time = wanted_time or (time.fromisoformat(row["local_time"]) if row else DEFAULT_TIME)
        zone = timezone or (row["timezone"] if row else ctx.community.timezone)
        chosen_days = weekdays or (weekdays_from_text(row["days"]) if row else frozenset(range(7)))
        await self.store.save_schedule(
            member_id,
            ctx.community.id,
            local_time.strftime("%H:%M"),
            zone,
            weekdays_to_text(chosen_days),
            self.bot.clock.now().isoformat(),
        )
        if row is None or row["paused"] and joining:
            await self.store.update(member_id, paused=0, paused_until=None)
        following = await self.reschedule(member_id)
        opening = "You're in. " if joining else "Done. "
        text = f"{opening}I'll check in privately {describe_weekdays(chosen_days)} at {local_time:%H:%M} ({zone})."
        if following:
            text += f"\nThe next one: {timestamp(following, 'F')}."
        text += (
            "\nChange it with `!checkin start 08:30 Europe/London mon-fri`, set quiet hours with "
            "`!checkin quiet 22:00-07:00`, or check in right now:"
        )
        await ctx.reply(
            Content(text=text, choices=[Choice("checkin.now:", "Check in now", "primary")]), private=True
        )

    @command("checkin now", access=Access.PARTICIPANT, feature=FEATURE, private=True, join_hint=JOIN)
    async def checkin_now(self: CheckinsCog, ctx: Context) -> None:
        """Check in now instead of waiting for your time (or finish today's check-in)."""
        await self.start_now(ctx)

    @on_choice("checkin.now")
    async def on_now(self: CheckinsCog, ctx: Context, value: str) -> None:
        await self.start_now(ctx)

    async def start_now(self: CheckinsCog, ctx: Context) -> None:
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        row = await self.store.participant(member_id)
        today = self.local_today(row)
        questions = await self.questions(row["community_id"])
        await self.store.open_entry(
            member_id, today, row["community_id"], questions.steps_text(), self.bot.clock.now()
        )
        entry = await self.store.entry(member_id, today)
        if entry["step"] == "done":
            await ctx.reply(
                "You've already checked in today. Thank you! `!checkin history` shows your trend.",
                private=True,
            )
            return
        from cogs.checkins.questions import step_content

        news = await self.milestone_news(member_id, row, today)
        await ctx.reply(
            step_content(
                questions,
                entry["step"],
                today,
                self.buttons_for(ctx.author.platform),
                title="Your check-in",
                intro=news,
            ),
            private=True,
        )

    @command(
        "checkin pause",
        params=[
            Param("until", ParamType.CHOICE, "the word until", required=False, choices=("until",)),
            Param("date", ParamType.DATE, "the day check-ins come back, like 2026-12-24", required=False),
        ],
        access=Access.PARTICIPANT,
        feature=FEATURE,
        private=True,
        join_hint=JOIN,
        examples=["!checkin pause", "!checkin pause until 2026-12-24"],
    )
    async def checkin_pause(self: CheckinsCog, ctx: Context, until=None, date=None) -> None:
        """Pause check-ins, for as long as you like or until a date. Pauses never break your streak."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        row = await self.store.participant(member_id)
        if date is not None:
            if date <= self.local_today(row):
                raise ArgumentError(
                    "That date is not in the future. Type a later date, like "
                    f"`!checkin pause until {self.local_today(row) + timedelta(days=7)}`"
                )
            await self.store.update(member_id, paused=0, paused_until=date.isoformat(), reminder_due=None)
            following = await self.reschedule(member_id)
            await ctx.reply(
                f"Paused. I'll be back on {date:%A %d %B}"
                + (f" ({timestamp(following, 'F')})." if following else ".")
                + " `!checkin resume` brings them back sooner.",
                private=True,
            )
            return
        await self.store.update(member_id, paused=1, paused_until=None, reminder_due=None)
        await self.reschedule(member_id)
        await ctx.reply("Paused. Take the time you need. `!checkin resume` starts them again.", private=True)

    @command("checkin resume", access=Access.PARTICIPANT, feature=FEATURE, private=True, join_hint=JOIN)
    async def checkin_resume(self: CheckinsCog, ctx: Context) -> None:
        """Start paused check-ins again."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        await self.store.update(member_id, paused=0, paused_until=None)
        following = await self.reschedule(member_id)
        await ctx.reply(
            "Welcome back. " + (f"The next check-in: {timestamp(following, 'F')}." if following else ""),
            private=True,
        )

    @command("checkin stop", access=Access.PARTICIPANT, feature=FEATURE, private=True, join_hint=JOIN)
    async def checkin_stop(self: CheckinsCog, ctx: Context) -> None:
        """Leave check-ins. I'll ask whether to erase what they kept."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        await self.on_optout(member_id)
        await self.bot.consent.revoke(member_id, FEATURE)
        await ctx.reply(
            Content(
                text="You've left check-ins; I won't ask again. Erase your check-in answers and settings too?",
                choices=[
                    Choice(f"privacy.erase:{FEATURE}", "Erase it", "danger"),
                    Choice("privacy.erase:", "Keep it"),
                ],
            ),
            private=True,
        )

    @command(
        "checkin quiet",
        params=[Param("hours", ParamType.WORD, "like 22:00-07:00, or off")],
        access=Access.PARTICIPANT,
        feature=FEATURE,
        private=True,
        join_hint=JOIN,
        examples=["!checkin quiet 22:00-07:00", "!checkin quiet off"],
    )
    async def checkin_quiet(self: CheckinsCog, ctx: Context, hours: str) -> None:
        """Set quiet hours: no check-in, reminder or summary is sent inside them."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        try:
            quiet = parse_quiet_hours(hours)
        except ValueError:
            raise ArgumentError(
                f"'{hours}' is not a time range. Type quiet hours like 22:00-07:00, or off"
            ) from None
        await self.store.update(
            member_id,
            quiet_start=quiet.start.strftime("%H:%M") if quiet else None,
            quiet_end=quiet.end.strftime("%H:%M") if quiet else None,
        )
        following = await self.reschedule(member_id)
        text = f"Quiet hours set: {quiet.describe()}." if quiet else "Quiet hours are off."
        if following:
            text += f" Next check-in: {timestamp(following, 'F')}."
        await ctx.reply(text, private=True)

    @command(
        "checkin history",
        params=[
            Param("days", ParamType.INTEGER, "how many days back (1-365)", required=False, min=1, max=365)
        ],
        access=Access.PARTICIPANT,
        feature=FEATURE,
        private=True,
        join_hint=JOIN,
        examples=["!checkin history", "!checkin history 90"],
    )
    async def checkin_history(self: CheckinsCog, ctx: Context, days=None) -> None:
        """Your own answers and a chart of mood and cravings, privately."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        days = days or 30
        row = await self.store.participant(member_id)
        today = self.local_today(row)
        first = today - timedelta(days=days - 1)
        entries = [e for e in await self.store.entries(member_id, first) if e["answered_at"]]
        streak = await self.streak(member_id, today)
        lines = [
            f"{plural(len(entries), 'check-in')} in the last {plural(days, 'day')}. "
            f"Current streak {streak.current}, longest {streak.longest}."
        ]
        for e in reversed(entries[-14:]):
            parts = [f"**{date.fromisoformat(e['day']):%a %d %b}**"]
            if e["mood"] is not None:
                parts.append(f"mood {e['mood']}/5")
            if e["craving"] is not None:
                parts.append(f"craving {e['craving']}/10")
            if e["on_track"]:
                parts.append(ON_TRACK[e["on_track"]].lower())
            if intention := self.open_sealed("intention", e["intention"]):
                parts.append(f"intention: {intention}")
            if note := self.open_sealed("note", e["note"]):
                parts.append(f"note: {note}")
            lines.append(" · ".join(parts))
        if len(entries) > 14:
            lines.append(f"_…and {len(entries) - 14} earlier; all of them are in `!mydata`._")
        points = [ChartPoint(date.fromisoformat(e["day"]), e["mood"], e["craving"]) for e in entries]
        chart = await self.bot.cpu.run(render_chart, points, first, today)  # off the loop: 0.1-0.5 s of CPU
        await ctx.reply(
            Content(
                title="Your check-ins",
                text="\n".join(lines),
                files=[FileAttachment("checkin-history.png", chart.png, "image/png", chart.description)],
            ),
            private=True,
        )

    @command("checkin status", access=Access.PARTICIPANT, feature=FEATURE, private=True, join_hint=JOIN)
    async def checkin_status(self: CheckinsCog, ctx: Context) -> None:
        """Your check-in settings: time, days, pause, quiet hours, sharing, sobriety date."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        row = await self.store.participant(member_id)
        schedule = schedule_of(row)
        today = self.local_today(row)
        fields = [
            ("When", f"{describe_weekdays(schedule.weekdays)} at {row['local_time']} ({row['timezone']})")
        ]
        if row["paused"]:
            fields.append(("Paused", "yes, until you type `!checkin resume`"))
        elif row["paused_until"]:
            fields.append(("Paused", f"until {date.fromisoformat(row['paused_until']):%A %d %B}"))
        if row["next_due"]:
            fields.append(("Next", timestamp(from_unix(row["next_due"]), "F")))
        fields.append(("Quiet hours", schedule.quiet.describe() if schedule.quiet else "off"))
        shared = [item for item, column in SHARE_ITEMS.items() if row[column]]
        fields.append(("Partners see", ", ".join(shared) or "nothing"))
        if row["sober_since"]:
            since = date.fromisoformat(row["sober_since"])
            upcoming = next_milestone(since, today)
            fields.append(
                (
                    "Sober since",
                    f"{since:%d %B %Y}: {plural(days_sober(since, today), 'day')}; "
                    f"next milestone {upcoming.label} on {upcoming.reached_on:%d %B}",
                )
            )
        fields.append(("Milestone announcements", "on" if row["announce_milestones"] else "off"))
        await ctx.reply(Content(title="Your check-ins", fields=fields), private=True)

    @command(
        "checkin sober",
        params=[Param("date", ParamType.WORD, "the day you started, like 2026-03-01; off; or undo")],
        access=Access.PARTICIPANT,
        feature=FEATURE,
        private=True,
        join_hint=JOIN,
        examples=["!checkin sober 2026-03-01", "!checkin sober undo", "!checkin sober off"],
    )
    async def checkin_sober(self: CheckinsCog, ctx: Context, date: str) -> None:
        """Optional: your sobriety date, for private milestones (`off` removes it, `undo` puts the last one back).

        `undo` puts back the date your count had before it last started again after a slip."""
        from datetime import date as Date

        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        row = await self.store.participant(member_id)
        today = self.local_today(row)
        if date.lower() == "off":
            await self.store.replace_sober_periods(member_id, [])
            await ctx.reply("Removed your sobriety date and its history.", private=True)
            return
        if date.lower() == "undo":
            await ctx.reply(await put_count_back(self, member_id, today), private=True)
            return
        since = parse_date(date, today)
        if since > today:
            raise ArgumentError(
                "That date is in the future. Type the day you started, like "
                f"`!checkin sober {today - timedelta(days=30)}`"
            )
        periods = [
            SoberPeriod(
                Date.fromisoformat(p["started"]), Date.fromisoformat(p["ended"]) if p["ended"] else None
            )
            for p in await self.store.sober_periods(member_id)
        ]
        kept = [p for p in periods if p.ended is not None and p.ended <= since]
        await self.store.replace_sober_periods(member_id, [*kept, SoberPeriod(since, None)])
        # Milestones already behind them are not news; congratulations start from the next one.
        await self.store.update(member_id, milestones_seen_through=today.isoformat())
        upcoming = next_milestone(since, today)
        await ctx.reply(
            f"Saved: {plural(days_sober(since, today), 'day')} so far. Your next milestone is "
            f"{upcoming.label} on {upcoming.reached_on:%A %d %B}; I'll congratulate you privately. "
            "`!checkin announce on` also shares milestones in the community.",
            private=True,
        )

    @command(
        "checkin announce",
        params=[Param("setting", ParamType.CHOICE, "on or off", choices=ON_OFF)],
        access=Access.PARTICIPANT,
        feature=FEATURE,
        private=True,
        join_hint=JOIN,
    )
    async def checkin_announce(self: CheckinsCog, ctx: Context, setting: str) -> None:
        """Share your milestones (not the date, not slips) in the community's celebrations channel."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        on = setting == "on"
        await self.store.update(
            member_id,
            announce_milestones=int(on),
            announce_name=self.seal("announce_name", ctx.author.name) if on else None,
        )
        await ctx.reply(
            f"Milestone announcements are {setting}."
            + (
                f" They'll name you as {ctx.author.name}, and only say which milestone you reached."
                if on
                else ""
            ),
            private=True,
        )

    @command(
        "checkin share",
        params=[
            Param("item", ParamType.CHOICE, "what", choices=tuple(SHARE_ITEMS)),
            Param("setting", ParamType.CHOICE, "on or off", choices=ON_OFF),
        ],
        access=Access.PARTICIPANT,
        feature=FEATURE,
        private=True,
        join_hint=JOIN,
        examples=["!checkin share mood on", "!checkin share checkins off"],
    )
    async def checkin_share(self: CheckinsCog, ctx: Context, item: str, setting: str) -> None:
        """Choose what your partners see: checkins (whether you checked in), mood, ontrack. Never notes."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        row = await self.store.participant(member_id)
        was_on = bool(row[SHARE_ITEMS[item]])
        await self.store.update(member_id, **{SHARE_ITEMS[item]: int(setting == "on")})
        row = await self.store.participant(member_id)
        shared = [SHARED_AS[name] for name, column in SHARE_ITEMS.items() if row[column]]
        everything = (
            f"Your partners see: {', '.join(shared) or 'nothing'}. Never your notes, intention or cravings."
        )
        if setting == "on" and not was_on:
            today = self.local_today(row)
            shown = await self._shared_today(member_id, item, today)
            today_part = f" Today they'll see: {shown}." if shown else ""
            text = (
                f"From now on your partners see {SHARED_AS[item]}, starting with today's check-in "
                f"({today:%A %-d %B}).{today_part} `!checkin share {item} off` stops it.\n{everything}"
            )
        else:
            text = everything
        await ctx.reply(text, private=True)

    async def _shared_today(self: CheckinsCog, member_id: int, item: str, today: date) -> str:
        """What partners will read for `item` from today's check-in, if it is already answered."""
        entry = await self.store.entry(member_id, today)
        if entry is None or not entry["answered_at"]:
            return ""
        if item == "checkins":
            return "that you checked in"
        if item == "mood" and entry["mood"] is not None:
            return f"mood {entry['mood']}/5"
        if item == "ontrack" and entry["on_track"]:
            return ON_TRACK[entry["on_track"]].lower()
        return ""

    @command(
        "checkin summary",
        params=[Param("setting", ParamType.CHOICE, "on or off", choices=ON_OFF)],
        access=Access.PARTICIPANT,
        feature=FEATURE,
        private=True,
        join_hint=JOIN,
    )
    async def checkin_summary(self: CheckinsCog, ctx: Context, setting: str) -> None:
        """Get a short daily summary of what your partners share, with your own check-in."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        await self.store.update(member_id, partner_summary=int(setting == "on"))
        await ctx.reply(f"Partner summaries are {setting}.", private=True)
