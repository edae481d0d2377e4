"""The scheduler's alarm: it rings when the next schedule falls due by the bot's clock, nothing more.

The scheduler (bot/scheduler.py) decides what is due, late or skipped, always by `bot.clock`. This
module only keeps, for each distinct spec, the next moment it falls due by that clock, and sets one
APScheduler job to ring at the earliest of them. APScheduler speaks machine time, so the moment is
turned into a delay by the clock (`Clock.seconds_until`); a frozen test clock gives none, so the
machine's clock can never make anything fire under it. When the clock is moved by hand (tests, the
console's `:wait`), `rearm()` sets the alarm again.

A thousand communities posting at 08:30 in one timezone are a thousand schedules but one spec: one
next-moment computation serves all of them, and they wake together as one batch.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger

from bot.clock import Clock
from bot.schedule_specs import At, Spec, next_at_or_after, spec_from_row

log = logging.getLogger(__name__)

ALARM_JOB = "kindred-alarm"


def spec_key(row) -> str:
    return f"{row['kind']}:{row['spec']}"


class Alarm:
    def __init__(self, clock: Clock, on_ring: Callable[[list[int]], Awaitable[None]]):
        self.clock = clock
        self._on_ring = on_ring  # given the ids of every schedule whose spec fell due
        self._aps: AsyncIOScheduler | None = None
        self._specs: dict[str, Spec] = {}
        self._next: dict[str, datetime] = {}  # spec key -> its next moment by the clock
        self._schedules_of: dict[str, set[int]] = {}  # spec key -> schedule ids
        self._spec_of: dict[int, str] = {}  # schedule id -> spec key
        self._rings: set[asyncio.Task] = set()
        self.set_for: datetime | None = None  # the moment, by the clock, the alarm rings next

    def start(self) -> None:
        """Start APScheduler (it needs the running loop); a second start replaces the first."""
        self.stop()
        self._aps = AsyncIOScheduler(timezone=UTC)
        self._aps.start()

    def stop(self) -> list[asyncio.Task]:
        """Stop ringing; returns the rings under way, cancelled (await them before closing the database:
        a cancelled ring may still be finishing a statement)."""
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        rings = list(self._rings)
        for ring in rings:
            ring.cancel()
        self._specs.clear()
        self._next.clear()
        self._schedules_of.clear()
        self._spec_of.clear()
        self.set_for = None
        return rings

    # --- what is watched --------------------------------------------------------------------------

    def install(self, row, rearm: bool = True) -> None:
        """Watch the schedule's spec (a replaced spec leaves its old one first). Startup installs
        every schedule with `rearm=False`, then sets the alarm once."""
        if row is None:
            return
        key = spec_key(row)
        if self._spec_of.get(row["id"]) not in (None, key):
            self.uninstall(row["id"])
        if row["paused"]:
            return
        self._spec_of[row["id"]] = key
        self._schedules_of.setdefault(key, set()).add(row["id"])
        if key not in self._specs:
            spec = spec_from_row(row["kind"], row["spec"])
            self._specs[key] = spec
            # A one-shot already past by the clock is due at once: the scheduler settles it (runs it
            # late or records it skipped) at the next ring. A repeating spec starts after now: an
            # occurrence it is created on, or restarted on, was the catch-up's to settle.
            moment = (
                spec.when
                if isinstance(spec, At)
                else next_at_or_after(spec, self.clock.now() + timedelta(microseconds=1))
            )
            if moment is not None:
                self._next[key] = moment
        if rearm:
            self.rearm()

    def uninstall(self, schedule_id: int) -> None:
        """The schedule is no longer watched; its spec goes once no schedule shares it."""
        key = self._spec_of.pop(schedule_id, None)
        if key is None:
            return
        members = self._schedules_of.get(key, set())
        members.discard(schedule_id)
        if not members:
            self._schedules_of.pop(key, None)
            self._specs.pop(key, None)
            self._next.pop(key, None)
            self.rearm()

    def watched(self, schedule_id: int) -> bool:
        return schedule_id in self._spec_of

    def watched_spec(self, schedule_id: int) -> str | None:
        """The spec key this schedule is watched under, or None."""
        return self._spec_of.get(schedule_id)

    def watched_ids(self) -> set[int]:
        return set(self._spec_of)

    # --- what is due --------------------------------------------------------------------------------

    def take_due(self, now: datetime) -> list[int]:
        """Every schedule whose spec's next moment is at or before `now`; each spec moves on past it."""
        due_keys = [key for key, moment in self._next.items() if moment <= now]
        schedule_ids: set[int] = set()
        for key in due_keys:
            schedule_ids.update(self._schedules_of.get(key, ()))
            spec = self._specs[key]
            following = (
                None if isinstance(spec, At) else next_at_or_after(spec, now + timedelta(microseconds=1))
            )
            if following is None:
                del self._next[key]
            else:
                self._next[key] = following
        if due_keys:
            self.rearm()
        return sorted(schedule_ids)

    def next_moment(self) -> datetime | None:
        return min(self._next.values(), default=None)

    # --- ringing ------------------------------------------------------------------------------------

    def rearm(self) -> None:
        """Set the APScheduler job for the earliest next moment, by however this clock runs.

        Always at once, never deferred: a test that moves a frozen clock right after adding a
        schedule must not find the alarm set by the moved clock behind its back."""
        if self._aps is None:
            return
        moment = self.next_moment()
        delay = None if moment is None else self.clock.seconds_until(moment)
        if delay is None:
            self.set_for = None
            if self._aps.get_job(ALARM_JOB) is not None:
                self._aps.remove_job(ALARM_JOB)
            return
        self.set_for = moment
        # The one read of the machine's clock outside bot/clock.py: APScheduler needs a machine time.
        ring_at = datetime.now(UTC) + timedelta(seconds=delay)
        # In a context of its own: APScheduler schedules its wake-up with call_soon, which would hand the
        # ring the caller's context (an open transaction's connection, an event's delivery scope).
        contextvars.Context().run(
            self._aps.add_job,
            self._ring,
            DateTrigger(run_date=ring_at),
            id=ALARM_JOB,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def _ring(self) -> None:
        # The job returns at once: a long batch (slow sends) must not hold the alarm, and rings for
        # different moments may run side by side (the ledger keeps each occurrence to one run).
        task = asyncio.create_task(self._settle_ring())
        self._rings.add(task)
        task.add_done_callback(self._rings.discard)

    async def _settle_ring(self) -> None:
        try:
            due = self.take_due(self.clock.now())
            if due:
                await self._on_ring(due)
        except Exception:
            log.exception("scheduler wake-up failed")
        finally:
            self.rearm()
