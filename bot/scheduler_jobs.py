"""APScheduler jobs for the scheduler: one job per distinct spec, shared by every schedule with it.

A thousand communities posting at 08:30 in one timezone are a thousand schedules but one time: one
job wakes for all of them, so APScheduler computes one next time instead of a thousand, and startup
installs a few dozen jobs, not thousands. Jobs of different specs can still fall due at the same
moment (08:30 in Chicago is 09:30 in New York); APScheduler starts every job that is due in one turn
of the event loop, and each joins the batch that is gathering, so the scheduler gets them together.

The scheduler keeps the rules (grace windows, the ledger); this module only says which schedules are
due. Its map of schedules per job lives in memory and is rebuilt from the rows at startup.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.schedule_specs import At, spec_from_row


def job_id(row) -> str:
    return f"{row['kind']}:{row['spec']}"


class SpecJobs:
    def __init__(self, on_due: Callable[[list[int]], Awaitable[None]]):
        self._on_due = on_due  # given the ids of every schedule that is due now
        self._aps: AsyncIOScheduler | None = None
        self._schedules_of: dict[str, set[int]] = {}  # job id -> schedule ids
        self._job_of: dict[int, str] = {}  # schedule id -> job id
        self._due_jobs: list[str] = []  # jobs gathering into the next batch
        self._gathering: asyncio.Future | None = None
        self._batches: set[asyncio.Future] = set()  # gathering or running

    def start(self) -> None:
        """Start APScheduler (it needs the running loop); a second start replaces the first."""
        self.stop()
        self._aps = AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        self._aps.start()

    def stop(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None
        for batch in self._batches:  # as APScheduler cancels the jobs it is running
            batch.cancel()
        self._due_jobs, self._gathering = [], None
        self._schedules_of.clear()
        self._job_of.clear()

    def install(self, row, now: datetime) -> None:
        """Make the schedule's spec wake it (a replaced spec leaves its old job first)."""
        if self._aps is None or row is None:
            return
        wanted = job_id(row)
        if self._job_of.get(row["id"]) not in (None, wanted):
            self.uninstall(row["id"])
        if row["paused"]:
            return
        spec = spec_from_row(row["kind"], row["spec"])
        if isinstance(spec, At) and spec.when <= now:
            return  # past one-shot jobs are handled by the catch-up
        self._job_of[row["id"]] = wanted
        members = self._schedules_of.setdefault(wanted, set())
        members.add(row["id"])
        if self._aps.get_job(wanted) is None:
            # No misfire limit here: each schedule's own grace window is applied when the job runs,
            # and an occurrence past it is recorded as skipped, with a log line, as at startup.
            self._aps.add_job(self._job, trigger=spec.trigger(), args=[wanted], id=wanted,
                              replace_existing=True, misfire_grace_time=None, coalesce=True)

    def uninstall(self, schedule_id: int) -> None:
        """The schedule is no longer woken; its job goes once no schedule shares it."""
        wanted = self._job_of.pop(schedule_id, None)
        if wanted is None:
            return
        members = self._schedules_of.get(wanted, set())
        members.discard(schedule_id)
        if not members:
            self._schedules_of.pop(wanted, None)
            if self._aps is not None and self._aps.get_job(wanted):
                self._aps.remove_job(wanted)

    def job_for(self, schedule_id: int):
        """The live APScheduler job that wakes this schedule (tests use it to run an occurrence now)."""
        wanted = self._job_of.get(schedule_id)
        return self._aps.get_job(wanted) if self._aps and wanted else None

    async def _job(self, wanted: str) -> None:
        # Each job due now joins the batch that is gathering, and returns when that batch has run.
        self._due_jobs.append(wanted)
        if self._gathering is None:
            self._gathering = asyncio.ensure_future(self._run_gathered())
            self._batches.add(self._gathering)
            self._gathering.add_done_callback(self._batches.discard)
        # Shielded: one job cancelled (at shutdown) must not cancel the batch under the others.
        await asyncio.shield(self._gathering)

    async def _run_gathered(self) -> None:
        await asyncio.sleep(0)  # one more turn, so every job started in this one has joined
        due_jobs, self._due_jobs, self._gathering = self._due_jobs, [], None
        schedule_ids = sorted({sid for wanted in due_jobs for sid in self._schedules_of.get(wanted, ())})
        if schedule_ids:
            await self._on_due(schedule_ids)
