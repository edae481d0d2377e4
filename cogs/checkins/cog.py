"""Private daily check-ins: the cog's life cycle, the sweep, and the answer flow.

Commands live in mixins (member_commands, partners, moderation) to keep each module readable; this
module holds what they share: the store, the questions, sending what is due, and recording answers.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from bot.cog import Cog, DataStatement, SealedColumn
from bot.commands import Context, on_choice, on_text
from bot.limits import ExpiringMap
from bot.model import Content
from bot.outbox import Target, delivery_scope
from bot.params import ArgumentError, whole_number
from bot.schedule_specs import Every
from bot.scheduler import Occurrence
from bot.text import plural, quote_member_name, timestamp
from cogs.checkins import dispatch
from cogs.checkins.member_commands import MemberCommands
from cogs.checkins.milestones import days_sober, reached_between
from cogs.checkins.moderation import ModeratorCommands
from cogs.checkins.partners import PartnerCommands
from cogs.checkins.questions import HIGH_CRAVING, ON_TRACK, QuestionSet, step_content
from cogs.checkins.store import MIGRATIONS, CheckinStore, from_unix, next_step_in, schedule_of, unix
from cogs.checkins.streaks import Streak, check_in_streak
from cogs.checkins.support import SupportChoices, slip_support, slip_taken_back, struggle_support
from cogs.checkins.timing import next_due

log = logging.getLogger(__name__)

FEATURE = "checkins"
# Each answer as a member reads it ("Updated your on-track answer for Friday 4 December.").
ANSWER_NAMES = {
    "mood": "mood",
    "craving": "cravings",
    "on_track": "on-track answer",
    "intention": "intention",
    "note": "note",
}
DEFAULT_TIME = time(20, 0)
DEFAULT_NOTE_RETENTION_DAYS = 90

CONSENT = """Check-ins are a short private question each day, at a time you choose: your mood (1-5), \
cravings (0-10), whether you're on track, and if you like an intention and a private note.

**What I keep:** your check-in time, timezone and days; your answers; an optional sobriety date.
**For how long:** notes and intentions are deleted after 90 days (your community may choose a \
different number); the rest until you erase it.
**Who sees what:** only you see your answers. Notes and intentions are stored encrypted. Moderators \
see only totals for the whole community (how many take part, how many checked in each day), never \
anyone's answers. If you choose a partner, they see only what you decide to share, never your notes.
**Stopping:** `!checkin pause`, `!checkin stop`, or `!forgetme` to erase everything. `!mydata` shows \
all of it."""


@dataclass
class SweepResult:
    checkins: int
    reminders: int


class CheckinsCog(MemberCommands, PartnerCommands, ModeratorCommands, SupportChoices, Cog):
    name = "checkins"
    title = "Check-ins"
    help_order = 10
    help_area = "checkins"
    help_line = "a short private check-in each day, partners and milestones."
    feature = FEATURE
    migrations = MIGRATIONS
    consent_statement = CONSENT
    # seal()/open_sealed() read their context from here, so `kindred keys rotate` opens what they sealed.
    sealed_columns = [
        SealedColumn("checkin_texts", "intention", "checkins.intention"),
        SealedColumn("checkin_texts", "note", "checkins.note"),
        # Names shown to others (partners, a celebrations channel) are sealed like notes.
        SealedColumn("checkin_partners", "partner_name", "checkins.partner_name"),
        SealedColumn("checkin_partner_invites", "inviter_name", "checkins.inviter_name"),
        SealedColumn("checkin_members", "announce_name", "checkins.announce_name"),
    ]
    data_statement = DataStatement(
        stores="your check-in schedule, your answers (mood, craving, on track, and encrypted intention and "
        "note), an optional sobriety date, and who your check-in partners are",
        why="to ask you privately each day and to show you your own history and trends",
        retention="notes and intentions for 90 days by default; the rest until you stop and erase it",
        who_can_see="you; partners see only what you choose to share; moderators see only community totals",
    )

    def __init__(self, bot):
        super().__init__(bot)
        self.store = CheckinStore(bot.db)
        self._questions: dict[int, QuestionSet] = {}
        # What a member typed with `!checkin start` while the consent question is open. Memory only:
        # nothing about them is stored before they agree.
        # What `!checkin start` asked for while the consent question waits (answered within two days).
        self.start_requests: ExpiringMap[tuple[time | None, str | None, frozenset[int] | None]] = ExpiringMap(
            self.bot.clock.now, timedelta(days=2), max_size=5_000
        )
        self._sweep_lock = asyncio.Lock()
        # The earliest moment anything can be due, when known; reschedule() only ever lowers it, so
        # an empty minute costs no database round trip. None means "ask the index".
        self._wake_at: int | None = None
        # Set by every reschedule(); the sweep clears it before a claim and reads it after.
        self._rescheduled_during_claim = False
        # For each sweep whose claim has begun and whose messages are still going out: the members who
        # left check-ins or erased their data since, to whom nothing it claimed is sent. Memory only.
        self._still_sending: list[set[int]] = []

    # --- life cycle -------------------------------------------------------------------------------

    async def cog_load(self) -> None:
        await self._seal_names_stored_plain()
        # Members' times live in the check-in tables (an indexed next-due column), not one schedule
        # each: the scheduler wakes the sweep every minute by the bot's clock and the sweep sends
        # whatever is due. After a restart the catch-up runs it at once; lateness is the sweep's to judge.
        self.bot.scheduler.register_handler("checkins.sweep", self._swept_by_schedule)
        self.bot.outbox.register_rebuilder(dispatch.REBUILD, self.rebuild)
        await self.bot.scheduler.add(
            "checkins", "sweep", Every(minutes=1), "checkins.sweep", grace=timedelta(minutes=1)
        )

    async def _swept_by_schedule(self, occurrence: Occurrence) -> None:
        await self.sweep()

    async def sweep(self, now: datetime | None = None) -> SweepResult:
        """Send every check-in and reminder that is due. Safe to call at any time, any number of times."""
        left: set[int] = set()  # who leaves from the claim on: nothing of this sweep goes to them
        async with self._sweep_lock:
            now = now or self.bot.clock.now()
            if self._wake_at is not None and self._wake_at > unix(now) and not self.bot.db.shared:
                return SweepResult(0, 0)  # most minutes: nothing is due, and we know it without asking
            # (not when other replicas share the database: a member may have joined through one of them)
            self._rescheduled_during_claim = False
            self._still_sending.append(left)
            try:
                claimed = await dispatch.claim_due(self, now)
            except BaseException:
                self._still_sending.remove(left)
                raise
            # The claim also says when anything is next due, unless someone was rescheduled while it ran
            # (their new time may be earlier than it saw): then ask the index next minute.
            self._wake_at = None if self._rescheduled_during_claim else claimed.wake_at
        # Sent after the lock: a long batch (thousands of DMs at the platform's request limit) never holds
        # up the next minute's claim, which takes other members.
        try:
            sent = await dispatch.send_all(
                self, claimed.checkins, self._checkin_message, dispatch.CHECKIN, left
            )
            await self._send_partner_summaries(
                [item for item in claimed.checkins if item.row["partner_summary"]], left
            )
            reminded = await dispatch.send_all(
                self, claimed.reminders, self._reminder_message, dispatch.REMINDER, left
            )
        finally:
            self._still_sending.remove(left)
        return SweepResult(sent, reminded)

    def _send_nothing_more_to(self, member_id: int) -> None:
        """They left check-ins or erased their data: no sweep still sending reaches them."""
        for left in self._still_sending:
            left.add(member_id)

    async def rebuild(self, payload: dict) -> tuple[Target, Content] | None:
        """A message a sweep claimed but a crash kept from going out, built again for the outbox to send
        with its own key (bot/outbox.py); None if it is no longer due: the member left, answered, or it
        is more than the sweep's GRACE late."""
        member_id, day, kind = payload["member"], date.fromisoformat(payload["day"]), payload["kind"]
        row = await self.store.participant(member_id)
        entry = await self.store.entry(member_id, day)
        if row is None or entry is None or not await self.bot.consent.has(member_id, FEATURE):
            return None
        if kind != dispatch.PARTNERS and entry["answered_at"]:
            return None
        due = from_unix(entry["sent_at"]) + (
            dispatch.REMINDER_DELAY if kind == dispatch.REMINDER else timedelta(0)
        )
        if self.bot.clock.now() - due > dispatch.GRACE:
            return None
        user = next(
            (u for u in await self.bot.members.identities(member_id) if u.platform in self.bot.adapters), None
        )
        if user is None:
            return None
        fields = {**dict(row), "step": entry["step"]}
        if kind == dispatch.CHECKIN:
            fields["milestones_seen_through"] = payload.get("seen")  # as the claim found them
        item = dispatch.Outgoing(member_id, user, row["community_id"], day, fields)
        build = {
            dispatch.CHECKIN: self._checkin_message,
            dispatch.REMINDER: self._reminder_message,
            dispatch.PARTNERS: self._partner_summary_message,
        }[kind]
        with delivery_scope(dispatch.message_key(kind, member_id, day)):
            content = await build(item)
        return None if content is None else (Target(user.platform, person=user), content)

    async def enforce_retention(self, now: datetime) -> int:
        """Daily (the core's retention sweep): delete notes and intentions past each community's
        retention. The numbers stay, so history and charts keep working."""
        cleared = 0
        for community in self.bot.communities.all():
            days = await self.bot.community_settings(community.id, FEATURE).get(
                "note_retention_days", DEFAULT_NOTE_RETENTION_DAYS
            )
            cleared += await self.store.forget_old_texts(community.id, (now - timedelta(days=days)).date())
        return cleared

    # --- shared helpers ---------------------------------------------------------------------------

    async def questions(self, community_id: int) -> QuestionSet:
        if community_id not in self._questions:
            stored = await self.bot.community_settings(community_id, FEATURE).get("questions")
            self._questions[community_id] = QuestionSet.from_settings(stored)
        return self._questions[community_id]

    async def save_questions(self, community_id: int, questions: QuestionSet) -> None:
        await self.bot.community_settings(community_id, FEATURE).set("questions", questions.to_settings())
        self._questions[community_id] = questions

    async def participant_id(self, ctx: Context) -> int | None:
        """The member id of someone in check-ins, or None after telling them how to join."""
        member_id = await ctx.member_id()
        if (
            member_id is None
            or not await self.bot.consent.has(member_id, FEATURE)
            or await self.store.participant(member_id) is None
        ):
            await ctx.reply(
                "You're not in check-ins at the moment. Type `!checkin start` to join.", private=True
            )
            return None
        return member_id

    def buttons_for(self, platform: str) -> bool:
        adapter = self.bot.adapters.get(platform)
        return bool(adapter and adapter.capabilities.buttons)

    async def reschedule(self, member_id: int) -> datetime | None:
        """Recompute the member's next check-in from their stored settings and save it."""
        row = await self.store.participant(member_id)
        following = None
        if row is not None and not row["paused"]:
            following = next_due(schedule_of(row), self.bot.clock.now())
        await self.store.update(
            member_id,
            next_due=unix(following.at) if following else None,
            next_day=following.day.isoformat() if following else None,
        )
        self._rescheduled_during_claim = True
        if following is not None and self._wake_at is not None:
            self._wake_at = min(self._wake_at, unix(following.at))
        return following.at if following else None

    def local_today(self, row: Any) -> date:
        return self.bot.clock.now().astimezone(schedule_of(row).zone).date()

    async def streak(self, member_id: int, today: date) -> Streak:
        # Kept as answers arrive: one keyed read, however long the history.
        kept = await self.store.streak_kept(member_id, today)
        if kept is not None:
            return Streak(
                0 if kept["broken"] else kept["streak_current"], kept["streak_longest"], kept["streak_total"]
            )
        sent = await self.store.recount_streak(member_id)  # rare: see streak_kept
        days_sent = {day for day, _ in sent}
        # Only days a check-in was actually sent can break a streak: pauses and days off never do.
        return check_in_streak(
            [day for day, answered in sent if answered], today, is_excused=lambda d: d not in days_sent
        )

    def _sealed_context(self, column: str) -> str:
        return next(sealed.context for sealed in self.sealed_columns if sealed.column == column)

    async def _seal_names_stored_plain(self) -> None:
        """Names written before they were sealed (an older version) are sealed once, at start."""
        for sealed in self.sealed_columns:
            if sealed.table == "checkin_texts":
                continue  # sealed since the first version
            rows = await self.bot.db.fetchall(
                f"SELECT rowid, {sealed.column} AS value FROM {sealed.table} "
                f"WHERE {sealed.column} IS NOT NULL AND {sealed.column} NOT LIKE 'v1:%'"
            )
            for row in rows:
                await self.bot.db.execute(
                    f"UPDATE {sealed.table} SET {sealed.column} = ? WHERE rowid = ?",
                    (self.seal(sealed.column, row["value"]), row["rowid"]),
                )

    def seal(self, column: str, text: str) -> str:
        return self.bot.vault.seal(text, context=self._sealed_context(column))

    def open_sealed(self, column: str, token: str | None) -> str | None:
        return self.bot.vault.open_optional(token, context=self._sealed_context(column))

    # --- the messages the sweep sends -------------------------------------------------------------

    async def _checkin_message(self, item: dispatch.Outgoing) -> Content:
        questions = await self.questions(item.community_id)
        intro = "Hi, it's check-in time. A tap or two, and only you will see it."
        # (the sweep's claim already recorded that the member has now seen today's milestones)
        congratulations = await self.milestone_news(item.member_id, item.row, item.day, record=False)
        if congratulations:
            intro = f"{congratulations}\n\n{intro}"
        return step_content(
            questions,
            questions.first(),
            item.day,
            self.buttons_for(item.user.platform),
            title="Your daily check-in",
            intro=intro,
        )

    async def _reminder_message(self, item: dispatch.Outgoing) -> Content:
        questions = await self.questions(item.community_id)
        step = item.row["step"] if item.row["step"] != "done" else questions.first()
        return step_content(
            questions,
            step,
            item.day,
            self.buttons_for(item.user.platform),
            intro="Just a gentle nudge: today's check-in is still here if you'd like it. "
            "No pressure, and I won't ask again today.",
        )

    async def milestone_news(self, member_id: int, row: Any, today: date, record: bool = True) -> str:
        """Congratulations for milestones reached since last time (and an announcement if opted in).
        `record`: remember that the member has seen them (the sweep does that in its claim instead)."""
        if not row["sober_since"]:
            return ""
        since = date.fromisoformat(row["sober_since"])
        seen = date.fromisoformat(row["milestones_seen_through"]) if row["milestones_seen_through"] else None
        reached = reached_between(since, seen, today)
        if record:
            await self.store.update(member_id, milestones_seen_through=today.isoformat())
        if not reached:
            return ""
        latest = reached[-1]
        if row["announce_milestones"] and row["announce_name"]:
            name = quote_member_name(self.open_sealed("announce_name", row["announce_name"]), 80)
            await self.announce(
                row["community_id"], f"🎉 {name} reached **{latest.label}** today. Congratulations!"
            )
        return (
            f"🎉 **{latest.label}** today. That's {plural(days_sober(since, today), 'day')} of showing up "
            "for yourself. Well done."
        )

    async def announce(self, community_id: int, text: str) -> None:
        place = await self.bot.community_settings(community_id, FEATURE).get("celebrations_place")
        if not place:
            return
        from bot.model import PlaceRef

        try:
            await self.bot.send(
                PlaceRef(place["platform"], place["place_id"], False, place.get("scope_id")), text
            )
        except Exception:
            log.exception("milestone announcement failed", extra={"community": community_id})

    # --- answering --------------------------------------------------------------------------------

    @staticmethod
    def _split(value: str) -> tuple[date, str]:
        day, _, rest = value.partition(":")
        try:
            return date.fromisoformat(day), rest
        except ValueError:
            raise ArgumentError(
                "That button is from an old message. Type `!checkin now` to check in"
            ) from None

    @on_choice("checkin.mood")
    async def on_mood(self, ctx: Context, value: str) -> None:
        day, number = self._split(value)
        await self.answer(ctx, day, "mood", int(number))

    @on_choice("checkin.craving")
    async def on_craving_button(self, ctx: Context, value: str) -> None:
        day, number = self._split(value)
        await self.answer(ctx, day, "craving", int(number))

    @on_text("checkin.craving")
    async def on_craving_typed(self, ctx: Context, value: str, text: str) -> None:
        day, _ = self._split(value)
        number = whole_number(text)
        if number is None or not 0 <= number <= 10:
            questions = await self.questions(ctx.community.id)
            retry = step_content(
                questions,
                "craving",
                day,
                self.buttons_for(ctx.author.platform),
                intro=f"I need a number from 0 to 10 for cravings (you typed '{text.strip()[:20]}').",
            )
            await ctx.reply(retry, private=True)
            return
        await self.answer(ctx, day, "craving", int(number))

    @on_choice("checkin.ontrack")
    async def on_track(self, ctx: Context, value: str) -> None:
        day, answer = self._split(value)
        if answer not in ON_TRACK:
            raise ArgumentError("That button is from an old message. Type `!checkin now` to check in")
        await self.answer(ctx, day, "on_track", answer)

    @on_text("checkin.intention")
    async def on_intention(self, ctx: Context, value: str, text: str) -> None:
        await self.answer(ctx, self._split(value)[0], "intention", text.strip()[:300])

    @on_text("checkin.note")
    async def on_note(self, ctx: Context, value: str, text: str) -> None:
        await self.answer(ctx, self._split(value)[0], "note", text.strip()[:1000])

    @on_choice("checkin.skip")
    async def on_skip(self, ctx: Context, value: str) -> None:
        day, step = self._split(value)
        member_id = await self.participant_id(ctx)
        entry = member_id and await self.store.entry(member_id, day)
        if not entry:
            return
        if entry["step"] == step:
            await self.store.set_step(
                member_id, day, next_step_in(entry["steps"], step), self.bot.clock.now()
            )
        await self.continue_checkin(ctx, member_id, day)

    @on_choice("checkin.continue")
    async def on_continue(self, ctx: Context, value: str) -> None:
        day, _ = self._split(value)
        member_id = await self.participant_id(ctx)
        if member_id:
            await self.continue_checkin(ctx, member_id, day)

    async def answer(self, ctx: Context, day: date, column: str, value: Any) -> None:
        # The hot path (every tap of every member): one statement finds, stores and moves on.
        stored = self.seal(column, value) if column in ("intention", "note") else value
        recorded = await self.store.answer(
            ctx.author.platform, ctx.author.user_id, day, column, stored, self.bot.clock.now()
        )
        if recorded is None:
            if await self.participant_id(ctx) is not None:  # (it tells non-participants how to join)
                await ctx.reply(
                    "That check-in is closed. Type `!checkin now` to check in today.", private=True
                )
            return
        member_id, community_id, next_step, step_before, on_track_before = recorded
        questions = await self.questions(community_id)
        advancing = step_before == column

        support = None
        crisis_answered = False
        if column == "craving" and value >= HIGH_CRAVING:
            support = await struggle_support(self, ctx, member_id, day, "craving")
        elif column == "on_track" and value == "struggling":
            support = await struggle_support(self, ctx, member_id, day, "struggling")
        elif column == "on_track" and value == "slip" and on_track_before != "slip":
            support = await slip_support(self, ctx, member_id, day)
        elif column == "on_track" and on_track_before == "slip":
            support = await slip_taken_back(self, member_id, day)
        elif column == "note" and (crisis := self.bot.get_cog("crisis")) is not None:
            # The crisis cog answers the member itself if the note worries it; we only hand it over.
            try:
                crisis_answered = await crisis.screen_private_text(ctx, value)
            except Exception:
                log.exception("crisis screening of a check-in note failed")
        if crisis_answered:
            return  # the crisis cog's warm reply stands on its own; no cheery "thank you" after it
        if support is not None:
            await ctx.reply(support, private=True)
        elif not advancing:
            await ctx.reply(f"Updated your {ANSWER_NAMES[column]} for {day:%A %-d %B}.", private=True)
        elif next_step != "done":
            await ctx.reply(
                step_content(questions, next_step, day, self.buttons_for(ctx.author.platform)), private=True
            )
        else:
            await ctx.reply(await self.thanks(member_id, day), private=True)

    async def continue_checkin(self, ctx: Context, member_id: int, day: date) -> None:
        entry = await self.store.entry(member_id, day)
        if entry is None:
            return
        if entry["step"] != "done":
            questions = await self.questions(entry["community_id"])
            await ctx.reply(
                step_content(questions, entry["step"], day, self.buttons_for(ctx.author.platform)),
                private=True,
            )
            return
        await ctx.reply(await self.thanks(member_id, day), private=True)

    async def thanks(self, member_id: int, day: date) -> Content:
        streak = await self.streak(member_id, day)
        lines = ["Thank you for checking in. That's done for today."]
        if streak.current >= 2:
            lines.append(f"You've checked in {plural(streak.current, 'time')} in a row.")
        row = await self.store.participant(member_id)
        if row and row["next_due"] and not row["paused"]:
            upcoming = from_unix(row["next_due"])
            if row["next_day"] == day.isoformat():  # answered early: today's scheduled one won't come
                following = next_due(schedule_of(row), upcoming)
                upcoming = following.at if following else None
            if upcoming:
                lines.append(f"Next check-in: {timestamp(upcoming, 'F')}.")
        lines.append("See your trend any time with `!checkin history`.")
        return Content(text="\n".join(lines))

    # --- the member's data ------------------------------------------------------------------------

    async def on_optout(self, member_id: int) -> None:
        self._send_nothing_more_to(member_id)  # before any await: a sweep sending now must skip them
        await self.store.update(
            member_id, next_due=None, next_day=None, reminder_due=None, reminder_day=None, paused=1
        )

    async def export_member_data(self, member_id: int) -> dict[str, Any]:
        row = await self.store.participant(member_id)
        if row is None:
            return {}
        settings = {k: row[k] for k in row.keys() if k not in ("member_id", "next_due", "reminder_due")}
        entries = []
        for e in await self.store.entries(member_id):
            entries.append(
                {
                    "day": e["day"],
                    "mood": e["mood"],
                    "craving": e["craving"],
                    "on_track": e["on_track"],
                    "intention": self.open_sealed("intention", e["intention"]),
                    "note": self.open_sealed("note", e["note"]),
                    **{
                        moment: from_unix(e[moment]).isoformat() if e[moment] else None
                        for moment in ("sent_at", "answered_at", "completed_at")
                    },
                }
            )
        return {
            "settings": settings,
            "checkins": entries,
            "sober_periods": [dict(p) for p in await self.store.sober_periods(member_id)],
            "partners": [
                self.open_sealed("partner_name", p["partner_name"])
                for p in await self.store.partners(member_id, live_only=False)
            ],
        }

    async def delete_member_data(self, member_id: int) -> None:
        self._send_nothing_more_to(member_id)  # before any await: a sweep sending now must skip them
        await self.store.delete_member(member_id)
