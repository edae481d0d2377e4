"""The mindfulness cog: daily prompts per channel or room, and a private practice any time.

Schedules live in `mindfulness_schedules` (place, categories, rotation) and in the core scheduler
(time, timezone, days, grace window), which claims each occurrence once in its delivery ledger, so a
prompt is posted once per occurrence even across restarts. Curation and suggestions are in
curation.py; members' replies to a prompt are never read or stored.
"""

from __future__ import annotations

import asyncio
import logging
import random
import secrets
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from bot.cog import Cog, DataStatement, SealedColumn
from bot.commands import Access, ArgumentError, Context, Param, ParamType, command, on_choice
from bot.model import Choice, Content, PlaceRef, SentRef
from bot.outbox import Outgoing, Target
from bot.schedule_specs import Cron
from bot.scheduler import Occurrence
from bot.text import plural, timestamp
from cogs.mindfulness import render
from cogs.mindfulness.curation import SEALED, CurationMixin
from cogs.mindfulness.days import cron_days
from cogs.mindfulness.library import Prompt, category_help, category_label, normalise_category
from cogs.mindfulness.rotation import EmptyPool, advance, new_state, peek, pin, progress
from cogs.mindfulness.spec import EXAMPLE, describe_schedule, parse_schedule_spec
from cogs.mindfulness.store import MIGRATIONS, MindfulnessStore, PromptSchedule, iso
from cogs.mindfulness.suggestions import SuggestionsMixin

log = logging.getLogger(__name__)


class PreparedPost(NamedTuple):
    """A schedule's next post, rendered and not yet sent; the rotation as it will be once it is out."""

    prompt: Prompt
    rotation: Any
    content: Content
    place: PlaceRef


OWNER = "mindfulness"
HANDLER = "mindfulness.post"
SCHEDULE = Param(
    "schedule", ParamType.INTEGER, required=False, min=1, help="schedule number from !prompts schedule list"
)


class MindfulnessCog(SuggestionsMixin, CurationMixin, Cog):
    name = "mindfulness"
    title = "Mindfulness prompts"
    help_order = 30
    help_line = "a short practice any time, and your ideas for the prompts."
    feature = "mindfulness"
    migrations = MIGRATIONS
    sealed_columns = [
        SealedColumn("mindfulness_suggestions", column, SEALED) for column in ("text", "note", "credit_name")
    ]
    data_statement = DataStatement(
        stores="prompts you suggest (encrypted), their status, a moderator's note to you, and whether you "
        "wanted your name shown if the prompt is used",
        why="so moderators can review your suggestions and you can follow them with !suggestions",
        retention="until you type !forgetme or !optout mindfulness; replies to daily prompts are never stored",
        who_can_see="the community's moderators (your suggestion text and name) and you",
    )
    # Shown before the first suggestion is kept, and recorded with the consent (also for !optin mindfulness).
    consent_statement = (
        f"To keep your prompt suggestions for the moderators, Kindred stores {data_statement.stores}.\n"
        f"**Why:** {data_statement.why}.\n**For how long:** {data_statement.retention}.\n"
        f"**Who can see it:** {data_statement.who_can_see}.\n"
        "You can leave with `!optout mindfulness` and erase everything with `!forgetme`."
    )

    def __init__(self, bot):
        super().__init__(bot)
        self.store = MindfulnessStore(bot.db, bot.clock)
        self._credit: dict[int, bool] = {}
        # Suggestions waiting for their author to agree to the consent statement; memory only.
        self._held: dict[str, tuple[int, str]] = {}

    async def cog_load(self) -> None:
        self.bot.scheduler.register_batch_handler(HANDLER, self._on_occurrences)

    async def enforce_retention(self, now: datetime) -> int:
        return await self.store.forget_old_log(now)

    # --- for other cogs ---------------------------------------------------------------------------

    async def practice_for(self, category: str | None, community_id: int) -> Content:
        """A prompt to offer privately (the crisis and check-in cogs call this), e.g. "urge-surfing"."""
        slug = normalise_category(category) if category else None
        prompts = await self.store.active(community_id, (slug,) if slug else ())
        if not prompts:  # an unknown or emptied category still gets something gentle
            prompts = await self.store.active(community_id)
        return render.practice(random.choice(prompts))

    # --- posting ----------------------------------------------------------------------------------

    async def _on_occurrences(self, occurrences: list[Occurrence]) -> dict[int, BaseException]:
        """Post every prompt that fell due together; returns the failures by scheduler id.

        Everything a post needs is read for the whole batch first and the rotations are saved in one
        statement at the end, so a batch costs a handful of database round trips, not several a post.
        """
        schedules = await self.store.schedules_by_id([int(o.payload["schedule"]) for o in occurrences])
        community_ids = list({schedule.community_id for schedule in schedules.values()})
        await self.store.load_libraries(community_ids)
        unknown = [cid for cid in community_ids if cid not in self._credit]
        for community_id, credit in (
            await self.bot.communities.setting_of_many(unknown, self.name, "credit", False)
        ).items():
            self._credit[community_id] = bool(credit)
        due = []
        for occurrence in occurrences:
            schedule = schedules.get(int(occurrence.payload["schedule"]))
            if schedule is None or schedule.paused:
                continue
            local_day = occurrence.scheduled_for.astimezone(ZoneInfo(schedule.timezone)).date().isoformat()
            if schedule.last_posted_on == local_day:
                # APScheduler fires twice when the time falls in the hour repeated at the end of DST.
                log.info("second occurrence on one local day skipped", extra={"schedule": schedule.id})
                continue
            due.append((occurrence, schedule, local_day))
        failures: dict[int, BaseException] = {}
        ready = []
        for occurrence, schedule, day in due:
            try:
                prepared = await self._prepare(schedule)
            except Exception as error:
                failures[occurrence.schedule_id] = error
                continue
            if prepared is not None:
                ready.append((occurrence, schedule, day, prepared))
        # Sent side by side: a real platform paces sends per place, and one slow place must not hold
        # up the others' 08:30 prompt. Each in its occurrence's delivery scope (a re-run after a crash
        # finds its post already out), all written to the outbox in one statement. A failed send fails
        # its own occurrence only.
        results = await self.bot.outbox.deliver_many(
            [
                Outgoing(
                    Target(prepared.place.platform, prepared.place),
                    prepared.content,
                    scope=occurrence.delivery_key,
                )
                for occurrence, _, _, prepared in ready
            ],
            concurrency=max(len(ready), 1),
        )
        posted: list[PromptSchedule] = []
        finishing = []
        for (occurrence, schedule, day, prepared), result in zip(ready, results, strict=True):
            if isinstance(result, Exception):
                failures[occurrence.schedule_id] = result
            elif isinstance(result, BaseException):  # cancelled: let it through
                raise result
            elif result is not None:
                finishing.append(self._finish(schedule, prepared, result, None, occurrence.late, day))
                posted.append(schedule)
        await asyncio.gather(*finishing)
        await self.store.save_rotations(posted)
        return failures

    async def post(
        self,
        schedule: PromptSchedule,
        actor: Context | None,
        late: bool = False,
        local_day: str | None = None,
    ) -> Prompt | None:
        """Post the schedule's next prompt in its place; the rotation moves on only if the post went out."""
        prepared = await self._prepare(schedule)
        if prepared is None:
            return None
        prompt = await self._finish(
            schedule, prepared, await self.bot.send(prepared.place, prepared.content), actor, late, local_day
        )
        await self.store.save_rotation(schedule)
        if actor is not None:  # a moderator's action goes to the moderators' log as well
            await self.store.log(
                schedule.community_id,
                actor.author.key,
                actor.author.name,
                "posted now",
                f"{prompt.id} by schedule #{schedule.id}",
            )
        return prompt

    async def _prepare(self, schedule: PromptSchedule) -> PreparedPost | None:
        """The schedule's next prompt, rendered for its place (nothing is saved: see `_finish`)."""
        adapter = self.bot.adapters.get(schedule.platform)
        if adapter is None:
            log.warning("no adapter for a mindfulness schedule", extra={"schedule": schedule.id})
            return None
        library = await self.store.library(schedule.community_id)
        pool = self.store.pool(schedule.community_id, library, schedule.categories)
        try:
            chosen, rotation = advance(schedule.rotation, pool)
        except EmptyPool:
            log.warning("mindfulness schedule has no active prompts", extra={"schedule": schedule.id})
            return None
        prompt = library[chosen]
        content = render.prompt_post(
            prompt, threaded=adapter.capabilities.threads, credit=await self._credit_on(schedule.community_id)
        )
        place = PlaceRef(schedule.platform, schedule.place_id, scope_id=schedule.scope_id)
        return PreparedPost(prompt, rotation, content, place)

    async def _finish(
        self,
        schedule: PromptSchedule,
        prepared: PreparedPost,
        sent: SentRef,
        actor: Context | None,
        late: bool,
        local_day: str | None,
    ) -> Prompt:
        """The post is out: its thread, and the rotation moved on in memory (the caller saves it)."""
        adapter = self.bot.adapters.get(schedule.platform)
        if adapter is not None and adapter.capabilities.threads and not sent.repeated:
            # (a post found already out, after a crash, had its thread opened then)
            try:
                await adapter.create_thread(sent, render.thread_name(prepared.prompt))
            except Exception:  # the post is out; a missing thread must not re-post it
                log.exception("could not open a thread for the prompt", extra={"schedule": schedule.id})
        schedule.rotation = prepared.rotation
        schedule.last_posted_on = local_day or schedule.last_posted_on
        how = "posted now" if actor else ("posted late" if late else "posted")
        schedule.remember(iso(self.bot.clock.now()), prepared.prompt.id, how)
        return prepared.prompt

    async def _credit_on(self, community_id: int) -> bool:
        if community_id not in self._credit:
            settings = self.bot.community_settings(community_id, self.name)
            self._credit[community_id] = bool(await settings.get("credit", False))
        return self._credit[community_id]

    # --- schedules --------------------------------------------------------------------------------

    @command(
        "prompts schedule add",
        access=Access.MODERATOR,
        private=True,
        params=[Param("when", ParamType.TEXT, help=f"time, days, timezone, categories, e.g. {EXAMPLE}")],
        examples=[
            f"!prompts schedule add {EXAMPLE}",
            "!prompts schedule add weekdays 7pm gratitude grace 3h",
        ],
    )
    async def schedule_add(self, ctx: Context, when: str) -> None:
        """Post a prompt in this channel on a schedule: a time, days, a timezone and categories."""
        if ctx.place.is_direct:
            raise ArgumentError(
                "Run this in the channel or room where the prompts should appear, not in a DM"
            )
        spec = parse_schedule_spec(when, ctx.community.timezone)
        if not await self.store.active(ctx.community.id, spec.categories):
            raise ArgumentError(
                "There are no active prompts in those categories yet. Add some with !prompts add"
            )
        schedule = await self.store.add_schedule(
            PromptSchedule(
                id=0,
                community_id=ctx.community.id,
                platform=ctx.place.platform,
                place_id=ctx.place.place_id,
                scope_id=ctx.place.scope_id,
                hour=spec.at.hour,
                minute=spec.at.minute,
                timezone=spec.timezone,
                days=spec.days,
                categories=spec.categories,
                grace_minutes=spec.grace_minutes,
                paused=False,
                rotation=new_state(secrets.token_hex(6)),
            )
        )
        await self.bot.scheduler.add(
            OWNER,
            schedule.key,
            Cron(spec.at.hour, spec.at.minute, spec.timezone, cron_days(spec.days)),
            HANDLER,
            {"schedule": schedule.id},
            grace=timedelta(minutes=spec.grace_minutes),
        )
        await self.store.log(
            ctx.community.id,
            ctx.author.key,
            ctx.author.name,
            "added schedule",
            f"#{schedule.id}: {spec.describe()}",
        )
        next_at = await self.bot.scheduler.next_fire(OWNER, schedule.key)
        await ctx.reply(
            Content(
                title=f"Schedule #{schedule.id} added",
                text=f"{spec.describe()}, here. A post that was due while the bot was offline still goes out up to "
                f"{plural(spec.grace_minutes, 'minute')} late.",
                fields=[("Next post", self._when(next_at, spec.timezone))],
                footer=f"Preview it with !prompts next {schedule.id}; post one now with !prompts post {schedule.id}.",
            )
        )

    @command("prompts schedule list", access=Access.MODERATOR, private=True)
    async def schedule_list(self, ctx: Context) -> None:
        """Every prompt schedule in this community, with the next post and the rotation's progress."""
        schedules = await self.store.schedules(ctx.community.id)
        if not schedules:
            await ctx.reply(f"No prompt schedules yet. Add one with `!prompts schedule add {EXAMPLE}`.")
            return
        lines = []
        for schedule in schedules:
            pool = [p.id for p in await self.store.active(schedule.community_id, schedule.categories)]
            done, total = progress(schedule.rotation, pool)
            next_at = await self.bot.scheduler.next_fire(OWNER, schedule.key)
            state = "paused" if schedule.paused else f"next {self._when(next_at, schedule.timezone)}"
            lines.append(
                f"**#{schedule.id}** {self._describe(schedule)} in {self._where(schedule, ctx)}: {state}; "
                f"{done} of {plural(total, 'prompt')} used this cycle"
            )
        await ctx.reply(Content(title="Prompt schedules", text="\n".join(lines)))

    @command(
        "prompts schedule remove",
        access=Access.MODERATOR,
        private=True,
        params=[Param("schedule", ParamType.INTEGER, min=1, help="schedule number")],
    )
    async def schedule_remove(self, ctx: Context, schedule: int) -> None:
        """Stop and delete a prompt schedule."""
        found = await self._schedule(ctx, schedule)
        await self.bot.scheduler.remove(OWNER, found.key)
        await self.store.remove_schedule(found.id)
        await self.store.log(
            ctx.community.id, ctx.author.key, ctx.author.name, "removed schedule", f"#{found.id}"
        )
        await ctx.reply(f"Schedule #{found.id} is removed; nothing more will be posted by it.")

    @command("prompts schedule pause", access=Access.MODERATOR, private=True, params=[SCHEDULE])
    async def schedule_pause(self, ctx: Context, schedule: int | None = None) -> None:
        """Pause a schedule (holidays, a hard week); its rotation is kept."""
        found = await self._schedule(ctx, schedule)
        await self.bot.scheduler.pause(OWNER, found.key)
        await self.store.set_paused(found, True)
        await self.store.log(
            ctx.community.id, ctx.author.key, ctx.author.name, "paused schedule", f"#{found.id}"
        )
        await ctx.reply(
            f"Schedule #{found.id} is paused. Resume it with `!prompts schedule resume {found.id}`."
        )

    @command("prompts schedule resume", access=Access.MODERATOR, private=True, params=[SCHEDULE])
    async def schedule_resume(self, ctx: Context, schedule: int | None = None) -> None:
        """Resume a paused schedule from where its rotation stopped."""
        found = await self._schedule(ctx, schedule)
        await self.bot.scheduler.resume(OWNER, found.key)
        await self.store.set_paused(found, False)
        await self.store.log(
            ctx.community.id, ctx.author.key, ctx.author.name, "resumed schedule", f"#{found.id}"
        )
        next_at = await self.bot.scheduler.next_fire(OWNER, found.key)
        await ctx.reply(
            f"Schedule #{found.id} is running again. Next post: {self._when(next_at, found.timezone)}."
        )

    # --- the rotation: preview, skip, pin, post now -----------------------------------------------

    @command(
        "prompts next",
        access=Access.MODERATOR,
        private=True,
        params=[SCHEDULE],
        examples=["!prompts next", "!prompts next 2"],
    )
    async def next_prompt(self, ctx: Context, schedule: int | None = None) -> None:
        """Preview the prompt a schedule will post next, and when."""
        found = await self._schedule(ctx, schedule)
        prompt = await self._peek(found)
        next_at = None if found.paused else await self.bot.scheduler.next_fire(OWNER, found.key)
        when = self._when(next_at, found.timezone) if next_at else "paused"
        await ctx.reply(render.preview(prompt, when, f"schedule #{found.id}"))

    @command("prompts skip", access=Access.MODERATOR, private=True, params=[SCHEDULE])
    async def skip(self, ctx: Context, schedule: int | None = None) -> None:
        """Skip the next prompt of a schedule; it comes round again in a later cycle."""
        found = await self._schedule(ctx, schedule)
        pool = await self._pool(found)
        try:
            skipped, found.rotation = advance(found.rotation, pool)
        except EmptyPool:
            raise ArgumentError("That schedule has no active prompts to skip") from None
        await self.store.save_rotation(found)
        await self.store.log(
            ctx.community.id, ctx.author.key, ctx.author.name, "skipped", f"{skipped} in #{found.id}"
        )
        coming = await self._peek(found)
        await ctx.reply(
            f"Skipped `{skipped}`. Next for #{found.id}: `{coming.id}` ({render.heading(coming)})."
        )

    @command(
        "prompts pin",
        access=Access.MODERATOR,
        private=True,
        params=[Param("prompt", ParamType.WORD, help="prompt id, from !prompts list"), SCHEDULE],
        examples=["!prompts pin breathing-box", "!prompts pin breathing-box 2"],
    )
    async def pin_prompt(self, ctx: Context, prompt: str, schedule: int | None = None) -> None:
        """Make a chosen prompt the next one a schedule posts."""
        found = await self._schedule(ctx, schedule)
        chosen = await self._prompt(ctx, prompt)
        if chosen.id not in await self._pool(found):
            where = self._describe(found)
            raise ArgumentError(
                f"`{chosen.id}` ({category_label(chosen.category)}) is retired or not in the "
                f"categories of schedule #{found.id} ({where}). Pin a prompt from its categories"
            )
        found.rotation = pin(found.rotation, chosen.id)
        await self.store.save_rotation(found)
        await self.store.log(
            ctx.community.id, ctx.author.key, ctx.author.name, "pinned", f"{chosen.id} in #{found.id}"
        )
        await ctx.reply(f"`{chosen.id}` will be the next prompt of schedule #{found.id}.")

    @command("prompts post", access=Access.MODERATOR, private=True, params=[SCHEDULE])
    async def post_now(self, ctx: Context, schedule: int | None = None) -> None:
        """Post a schedule's next prompt right now (the scheduled posts carry on as usual)."""
        found = await self._schedule(ctx, schedule)
        prompt = await self.post(found, actor=ctx)
        if prompt is None:
            raise ArgumentError(
                "Nothing was posted: the schedule has no active prompts or its platform is offline"
            )
        await ctx.reply(f"Posted `{prompt.id}` ({render.heading(prompt)}) for schedule #{found.id}.")

    # --- members: practice any time ---------------------------------------------------------------

    @command(
        "practice",
        private=True,
        examples=["!practice", "!practice urge surfing"],
        params=[Param("category", ParamType.TEXT, required=False, help=f"one of: {category_help()}")],
    )
    async def practice(self, ctx: Context, category: str | None = None) -> None:
        """A short mindfulness practice, just for you, any time (try !practice urge surfing)."""
        slug = None
        if category:
            slug = normalise_category(category)
            if slug is None:
                raise ArgumentError(f"I don't have a '{category}' category. Try one of: {category_help()}")
        await self._send_practice(ctx, slug, exclude=None)

    @on_choice("mindfulness.practice")
    async def practice_again(self, ctx: Context, value: str) -> None:
        slug, _, exclude = value.partition(":")
        await self._send_practice(ctx, slug or None, exclude=exclude or None)

    async def _send_practice(self, ctx: Context, slug: str | None, exclude: str | None) -> None:
        prompts = await self.store.active(ctx.community.id, (slug,) if slug else ())
        choices = [p for p in prompts if p.id != exclude] or prompts
        if not choices:
            await ctx.reply(
                "There are no prompts in that category right now. Try `!practice` for any.", private=True
            )
            return
        prompt = random.choice(choices)
        content = render.practice(prompt)
        content.choices = [Choice(f"mindfulness.practice:{slug or ''}:{prompt.id}", "Another one")]
        await ctx.reply(content, private=True)

    # --- helpers ----------------------------------------------------------------------------------

    async def _schedule(self, ctx: Context, number: int | None) -> PromptSchedule:
        """The schedule a moderator means: the number given, or the only one (here, else in the community)."""
        schedules = await self.store.schedules(ctx.community.id)
        if number is not None:
            for schedule in schedules:
                if schedule.id == number:
                    return schedule
            raise ArgumentError(
                f"There is no schedule #{number} in this community. See `!prompts schedule list`"
            )
        if not schedules:
            raise ArgumentError(
                f"There is no prompt schedule yet. Add one with `!prompts schedule add {EXAMPLE}`"
            )
        here = [s for s in schedules if s.platform == ctx.place.platform and s.place_id == ctx.place.place_id]
        candidates = here if len(here) == 1 else schedules
        if len(candidates) == 1:
            return candidates[0]
        numbers = ", ".join(f"#{s.id} ({self._describe(s)})" for s in candidates)
        raise ArgumentError(
            f"There are several schedules: {numbers}. Add the number, like `!prompts next {candidates[0].id}`"
        )

    async def _pool(self, schedule: PromptSchedule) -> list[str]:
        return [p.id for p in await self.store.active(schedule.community_id, schedule.categories)]

    async def _peek(self, schedule: PromptSchedule) -> Prompt:
        try:
            prompt_id = peek(schedule.rotation, await self._pool(schedule))
        except EmptyPool:
            raise ArgumentError("That schedule has no active prompts. Restore some or add new ones") from None
        return (await self.store.library(schedule.community_id))[prompt_id]

    @staticmethod
    def _when(moment, zone: str) -> str:
        """A moment for everyone (platform timestamp) and in the schedule's own zone, named."""
        if moment is None:
            return "not scheduled"
        return f"{timestamp(moment, 'F')} ({moment.astimezone(ZoneInfo(zone)):%H:%M %Z} in {zone})"

    @staticmethod
    def _describe(schedule: PromptSchedule) -> str:
        return describe_schedule(
            schedule.days, schedule.hour, schedule.minute, schedule.timezone, schedule.categories
        )

    @staticmethod
    def _where(schedule: PromptSchedule, ctx: Context) -> str:
        if schedule.platform == ctx.place.platform and schedule.place_id == ctx.place.place_id:
            return "this channel"
        return f"{schedule.platform} {schedule.place_id}"
