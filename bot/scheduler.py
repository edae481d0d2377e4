"""Durable schedules over APScheduler 3.11.

The `schedules` table is the truth; APScheduler jobs are rebuilt from it at startup (RoboDanny's
durable timers, with APScheduler doing the waiting). Each run of a schedule is claimed in the
`deliveries` ledger before its handler is called, so an occurrence runs at most once even across
restarts. An occurrence that fell due while the bot was down runs late if it is still within the
schedule's grace window and is skipped, with a log line, if it is not.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from bot.ledger import CHUNK, DeliveryLedger, in_batches, marks
from bot.schedule_specs import At, Cron, Spec, latest_at_or_before, spec_from_row
from bot.storage import Migration

if TYPE_CHECKING:
    from bot.core import Kindred

log = logging.getLogger(__name__)

MIGRATIONS = [
    Migration(
        1,
        "schedules and the delivery ledger",
        """
        CREATE TABLE schedules (
            id            INTEGER PRIMARY KEY,
            owner         TEXT NOT NULL,
            key           TEXT NOT NULL,
            kind          TEXT NOT NULL CHECK (kind IN ('cron', 'at')),
            spec          TEXT NOT NULL,
            handler       TEXT NOT NULL,
            payload       TEXT NOT NULL DEFAULT '{}',
            grace_seconds INTEGER NOT NULL,
            paused        INTEGER NOT NULL DEFAULT 0,
            created_at    TEXT NOT NULL,
            UNIQUE (owner, key)
        );
        CREATE TABLE deliveries (
            schedule_id   INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
            occurrence    TEXT NOT NULL,
            status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'skipped')),
            updated_at    TEXT NOT NULL,
            PRIMARY KEY (schedule_id, occurrence)
        );
        """,
    )
]

DEFAULT_GRACE = timedelta(minutes=30)


@dataclass(frozen=True)
class Occurrence:
    schedule_id: int
    owner: str
    key: str
    scheduled_for: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    late: bool = False


@dataclass(frozen=True)
class Due:
    """An occurrence to run: `fire_many` takes many of these at once."""

    schedule_id: int
    occurrence: datetime
    late: bool = False


Handler = Callable[[Occurrence], Awaitable[None]]
# Given the occurrences due together (one per schedule), returns the failures by schedule id.
BatchHandler = Callable[[list[Occurrence]], Awaitable[Mapping[int, BaseException]]]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class Scheduler:
    def __init__(self, bot: Kindred):
        self.bot = bot
        self.handlers: dict[str, Handler | BatchHandler] = {}
        self._batch_handlers: set[str] = set()
        self.ledger = DeliveryLedger(bot.db)
        self._aps: AsyncIOScheduler | None = None
        self._jobs_due: list[int] = []  # APScheduler jobs gathering into the next batch
        self._jobs_batch: asyncio.Future | None = None

    def register_handler(self, name: str, handler: Handler) -> None:
        """`handler(occurrence)` runs once per occurrence."""
        self.handlers[name] = handler
        self._batch_handlers.discard(name)

    def register_batch_handler(self, name: str, handler: BatchHandler) -> None:
        """`handler(occurrences)` gets every occurrence of its schedules that falls due together and
        returns {schedule id: exception} for the ones that failed (the others count as delivered)."""
        self.handlers[name] = handler
        self._batch_handlers.add(name)

    # --- life cycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start APScheduler (needs the running loop), catch up what was missed, rebuild every job."""
        self._aps = AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        self._aps.start()
        rows = await self.bot.db.fetchall("SELECT * FROM schedules WHERE paused = 0")
        await self._catch_up(rows)
        for row in rows:
            self._install(row)

    async def stop(self) -> None:
        if self._aps is not None:
            self._aps.shutdown(wait=False)
            self._aps = None

    # --- registering ------------------------------------------------------------------------------

    async def add(
        self,
        owner: str,
        key: str,
        spec: Spec,
        handler: str,
        payload: dict[str, Any] | None = None,
        grace: timedelta = DEFAULT_GRACE,
    ) -> int:
        """Create or replace the schedule (owner, key). Returns its id."""
        kind = "cron" if isinstance(spec, Cron) else "at"
        now = _iso(self.bot.clock.now())
        async with self.bot.db.transaction() as db:
            await db.execute(
                """INSERT INTO schedules (owner, key, kind, spec, handler, payload, grace_seconds, created_at)
                   VALUES (?,?,?,?,?,?,?,?)
                   ON CONFLICT (owner, key) DO UPDATE SET kind=excluded.kind, spec=excluded.spec,
                     handler=excluded.handler, payload=excluded.payload,
                     grace_seconds=excluded.grace_seconds, paused=0""",
                (owner, key, kind, json.dumps(spec.to_json()), handler, json.dumps(payload or {}),
                 int(grace.total_seconds()), now),
            )
            row = await db.fetchone("SELECT * FROM schedules WHERE owner = ? AND key = ?", (owner, key))
        self._install(row)
        return row["id"]

    async def remove(self, owner: str, key: str) -> bool:
        row = await self._row(owner, key)
        if row is None:
            return False
        self._uninstall(row["id"])
        await self.bot.db.execute("DELETE FROM schedules WHERE id = ?", (row["id"],))
        return True

    async def remove_owner_keys(self, owner: str, key_prefix: str) -> int:
        """Remove every schedule of `owner` whose key starts with the prefix (a member's, a meetup's)."""
        rows = await self.bot.db.fetchall(
            "SELECT id FROM schedules WHERE owner = ? AND substr(key, 1, ?) = ?", (owner, len(key_prefix), key_prefix)
        )
        for row in rows:
            self._uninstall(row["id"])
            await self.bot.db.execute("DELETE FROM schedules WHERE id = ?", (row["id"],))
        return len(rows)

    async def pause(self, owner: str, key: str) -> bool:
        row = await self._row(owner, key)
        if row is None:
            return False
        await self.bot.db.execute("UPDATE schedules SET paused = 1 WHERE id = ?", (row["id"],))
        self._uninstall(row["id"])
        return True

    async def resume(self, owner: str, key: str) -> bool:
        row = await self._row(owner, key)
        if row is None:
            return False
        await self.bot.db.execute("UPDATE schedules SET paused = 0 WHERE id = ?", (row["id"],))
        self._install(await self._row(owner, key))
        return True

    async def list(self, owner: str, key_prefix: str = "") -> list[dict[str, Any]]:
        rows = await self.bot.db.fetchall(
            "SELECT * FROM schedules WHERE owner = ? AND substr(key, 1, ?) = ? ORDER BY id",
            (owner, len(key_prefix), key_prefix),
        )
        return [
            {
                "id": row["id"],
                "key": row["key"],
                "spec": spec_from_row(row["kind"], row["spec"]),
                "payload": json.loads(row["payload"]),
                "paused": bool(row["paused"]),
                "next": None if row["paused"] else self.next_fire_time(row),
            }
            for row in rows
        ]

    async def next_fire(self, owner: str, key: str) -> datetime | None:
        row = await self._row(owner, key)
        return None if row is None or row["paused"] else self.next_fire_time(row)

    def next_fire_time(self, row, after: datetime | None = None) -> datetime | None:
        after = after or self.bot.clock.now()
        spec = spec_from_row(row["kind"], row["spec"])
        if isinstance(spec, At):
            return spec.when if spec.when > after else None
        return spec.trigger().get_next_fire_time(None, after)

    # --- firing -----------------------------------------------------------------------------------

    async def fire(self, schedule_id: int, occurrence: datetime, late: bool = False) -> bool:
        """Run one occurrence if nobody has claimed it yet. Returns whether the handler ran."""
        return await self.fire_many([Due(schedule_id, occurrence, late)]) == 1

    async def fire_many(self, due: Sequence[Due]) -> int:
        """Run occurrences that fall due together, each at most once. Returns how many handlers ran.

        Per batch (up to `CHUNK` occurrences, each schedule once): one read of the schedule rows, one
        statement claiming them all in the ledger, the handlers in order, one statement recording
        every outcome. A handler that fails does not stop the others; its occurrence is 'failed'.
        """
        ran = 0
        for batch in in_batches(due):
            rows = await self._rows_by_id([d.schedule_id for d in batch])
            ran += await self._fire_rows([(rows[d.schedule_id], d.occurrence, d.late)
                                          for d in batch if d.schedule_id in rows])
        return ran

    async def run_due(self, now: datetime | None = None) -> int:
        """Catch up every schedule to `now`: what the startup does. Returns how many ran."""
        return await self._catch_up(await self.bot.db.fetchall("SELECT * FROM schedules WHERE paused = 0"), now)

    async def _fire_rows(self, batch: list[tuple[Any, datetime, bool]]) -> int:
        """Claim, run and record one batch of (schedule row, occurrence, late); schedules are distinct."""
        runnable = []
        for row, occurrence, late in batch:
            if row["paused"]:
                continue
            if row["handler"] not in self.handlers:
                log.warning("no handler for schedule", extra={"handler": row["handler"], "schedule": row["id"]})
                continue
            runnable.append((row, occurrence, late))
        if not runnable:
            return 0
        claimed = await self.ledger.claim([(row["id"], _iso(occurrence)) for row, occurrence, _ in runnable],
                                          "running", _iso(self.bot.clock.now()))
        by_handler: dict[str, list[Occurrence]] = {}
        one_shots = []
        for row, occurrence, late in runnable:
            if (row["id"], _iso(occurrence)) not in claimed:
                continue  # already run, failed or skipped: by this process or before a restart
            by_handler.setdefault(row["handler"], []).append(Occurrence(
                row["id"], row["owner"], row["key"], occurrence.astimezone(UTC), json.loads(row["payload"]), late))
            if row["kind"] == "at":
                one_shots.append(row["id"])
        outcomes = []
        for name, occurrences in by_handler.items():
            failed = await self._run_handler(name, occurrences)
            outcomes += [(o.schedule_id, _iso(o.scheduled_for), "failed" if o.schedule_id in failed else "done")
                         for o in occurrences]
        await self.ledger.record(outcomes, _iso(self.bot.clock.now()))
        if one_shots:
            await self.bot.db.execute(f"DELETE FROM schedules WHERE id IN ({marks(one_shots)})", one_shots)
        return len(outcomes)

    async def _run_handler(self, name: str, occurrences: list[Occurrence]) -> set[int]:
        """Call handler `name` for its occurrences; returns the schedule ids whose run failed."""
        handler = self.handlers[name]
        if name not in self._batch_handlers:
            failed = set()
            for occurrence in occurrences:
                try:
                    await handler(occurrence)
                except Exception:
                    failed.add(occurrence.schedule_id)
                    log.exception("scheduled handler failed",
                                  extra={"handler": name, "schedule": occurrence.schedule_id})
            return failed
        try:
            failures = await handler(occurrences)
        except Exception:
            log.exception("scheduled batch handler failed", extra={"handler": name, "occurrences": len(occurrences)})
            return {o.schedule_id for o in occurrences}
        for schedule_id, error in failures.items():
            log.error("scheduled handler failed", exc_info=error, extra={"handler": name, "schedule": schedule_id})
        return set(failures)

    async def _catch_up(self, rows: Sequence[Any], now: datetime | None = None) -> int:
        """Each row's latest occurrence: run late within its grace window, else recorded as skipped."""
        now = now or self.bot.clock.now()
        within_grace, missed = [], []
        for row, last in zip(rows, self._last_occurrences(rows, now), strict=True):
            if last is None:
                continue
            lateness = now - last
            if lateness <= timedelta(seconds=row["grace_seconds"]):
                within_grace.append((row, last, lateness > timedelta(seconds=1)))
            else:
                missed.append((row, last))
        ran = 0
        for batch in in_batches(within_grace, schedule_of=lambda item: item[0]["id"]):
            ran += await self._fire_rows(batch)
        if missed:
            skipped = await self.ledger.claim([(row["id"], _iso(last)) for row, last in missed], "skipped", _iso(now))
            one_shots = []
            for row, last in missed:
                if (row["id"], _iso(last)) not in skipped:
                    continue  # in the ledger already: it ran, failed or was skipped before
                log.info(
                    "missed occurrence skipped: outside its grace window",
                    extra={"owner": row["owner"], "schedule": row["id"], "occurrence": _iso(last)},
                )
                if row["kind"] == "at":
                    one_shots.append(row["id"])
            if one_shots:
                await self.bot.db.execute(f"DELETE FROM schedules WHERE id IN ({marks(one_shots)})", one_shots)
        return ran

    def _last_occurrences(self, rows: Sequence[Any], now: datetime) -> list[datetime | None]:
        """`_last_occurrence_before` for many rows; rows with the same spec share one computation."""
        latest: dict[tuple[str, str], datetime | None] = {}
        found = []
        for row in rows:
            spec_key = (row["kind"], row["spec"])
            if spec_key not in latest:
                latest[spec_key] = latest_at_or_before(spec_from_row(row["kind"], row["spec"]), now)
            moment = latest[spec_key]
            # An occurrence from before the schedule existed is not one of its own.
            found.append(moment if moment is not None and moment >= datetime.fromisoformat(row["created_at"]) else None)
        return found

    def _last_occurrence_before(self, row, now: datetime) -> datetime | None:
        """The most recent occurrence at or before now, no earlier than the schedule's creation."""
        return self._last_occurrences([row], now)[0]

    # --- APScheduler jobs -------------------------------------------------------------------------

    def _install(self, row) -> None:
        if self._aps is None or row is None or row["paused"]:
            return
        spec = spec_from_row(row["kind"], row["spec"])
        if isinstance(spec, At) and spec.when <= self.bot.clock.now():
            return  # past one-shot jobs are handled by the catch-up
        self._aps.add_job(
            self._job,
            trigger=spec.trigger(),
            args=[row["id"]],
            id=str(row["id"]),
            replace_existing=True,
            misfire_grace_time=row["grace_seconds"] or 1,
            coalesce=True,
        )

    def _uninstall(self, schedule_id: int) -> None:
        if self._aps is not None and self._aps.get_job(str(schedule_id)):
            self._aps.remove_job(str(schedule_id))

    async def _job(self, schedule_id: int) -> None:
        # APScheduler starts every job due at one moment in the same turn of the event loop: each job
        # joins the batch that is gathering, and returns when that batch has run.
        self._jobs_due.append(schedule_id)
        if self._jobs_batch is None:
            self._jobs_batch = asyncio.ensure_future(self._run_jobs_due())
        # Shielded: one job cancelled (at shutdown) must not cancel the batch under the others.
        await asyncio.shield(self._jobs_batch)

    async def _run_jobs_due(self) -> None:
        await asyncio.sleep(0)  # one more turn, so every job started in this one has joined
        schedule_ids, self._jobs_due, self._jobs_batch = self._jobs_due, [], None
        rows = await self._rows_by_id(schedule_ids)
        now = self.bot.clock.now()
        batch = []
        for schedule_id in dict.fromkeys(schedule_ids):
            row = rows.get(schedule_id)
            if row is None:
                continue
            # The occurrence is the latest one due (APScheduler calls us at its time).
            occurrence = self._last_occurrence_before(row, now + timedelta(seconds=1)) or now
            batch.append((row, occurrence, (now - occurrence) > timedelta(seconds=5)))
        for part in in_batches(batch, schedule_of=lambda item: item[0]["id"]):
            await self._fire_rows(part)

    def job_for(self, schedule_id: int):
        """The live APScheduler job (tests use it to run an occurrence now)."""
        return self._aps.get_job(str(schedule_id)) if self._aps else None

    async def _row(self, owner: str, key: str):
        return await self.bot.db.fetchone("SELECT * FROM schedules WHERE owner = ? AND key = ?", (owner, key))

    async def _rows_by_id(self, schedule_ids: Sequence[int]) -> dict[int, Any]:
        rows: dict[int, Any] = {}
        unique = list(dict.fromkeys(schedule_ids))
        for start in range(0, len(unique), CHUNK):
            part = unique[start:start + CHUNK]
            for row in await self.bot.db.fetchall(f"SELECT * FROM schedules WHERE id IN ({marks(part)})", part):
                rows[row["id"]] = row
        return rows

