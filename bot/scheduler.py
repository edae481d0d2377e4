"""Durable schedules, decided by the bot's one clock and woken by APScheduler 3.11.

The `schedules` table is the truth (RoboDanny's durable timers). What is due, late or skipped is
decided here, always by `bot.clock`; APScheduler is only the alarm that wakes the scheduler when the
next schedule falls due by that clock (bot/alarm.py), and a wake that finds nothing due does nothing.
Each run of a schedule is claimed in the `deliveries` ledger (bot/ledger.py) before its handler is
called, so two runs of this process never both run it. An occurrence that fell due while the bot was
down (or busy) runs late if it is still within the schedule's grace window and is skipped, with a log
line, if it is not.

Exactly once across crashes: each occurrence runs inside its own delivery scope
(`Occurrence.delivery_key`), so every message it sends has an idempotency key in the outbox
(bot/outbox.py). An occurrence a dead process left claimed ('running') is run again at the next
start, in the same scope: what it had sent comes back from the outbox and is not sent again, what it
had not sent goes out. It is run again only within its grace window and at most MAX_RUNS times (a
handler that kills the process must not keep killing it); otherwise it is recorded as failed, with a
log line and the handler's `on_give_up`.

Occurrences that fall due together (the same moment, or a startup's catch-up) go as one batch: one
statement claims them all, the handlers run, one statement records every outcome. A failing handler
fails alone.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from bot.alarm import Alarm, spec_key
from bot.ledger import CHUNK, DeliveryLedger, in_batches, marks
from bot.outbox import STALE_AFTER, delivery_scope
from bot.schedule_specs import (
    KINDS,
    Spec,
    latest_at_or_before,
    next_at_or_after,
    spec_from_row,
)
from bot.storage import Migration
from bot.text import plural

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
    ),
    Migration(
        2,
        "schedules that repeat every few minutes",
        # SQLite cannot change a CHECK constraint: both tables are rebuilt. The ledger is copied first
        # and the new schedules table renamed into place, which rewrites the ledger's reference to it.
        """
        CREATE TABLE schedules_new (
            id            INTEGER PRIMARY KEY,
            owner         TEXT NOT NULL,
            key           TEXT NOT NULL,
            kind          TEXT NOT NULL CHECK (kind IN ('cron', 'at', 'every')),
            spec          TEXT NOT NULL,
            handler       TEXT NOT NULL,
            payload       TEXT NOT NULL DEFAULT '{}',
            grace_seconds INTEGER NOT NULL,
            paused        INTEGER NOT NULL DEFAULT 0,
            created_at    TEXT NOT NULL,
            UNIQUE (owner, key)
        );
        INSERT INTO schedules_new SELECT * FROM schedules;
        CREATE TABLE deliveries_new (
            schedule_id   INTEGER NOT NULL REFERENCES schedules_new(id) ON DELETE CASCADE,
            occurrence    TEXT NOT NULL,
            status        TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed', 'skipped')),
            updated_at    TEXT NOT NULL,
            PRIMARY KEY (schedule_id, occurrence)
        );
        INSERT INTO deliveries_new SELECT * FROM deliveries;
        DROP TABLE deliveries;
        DROP TABLE schedules;
        ALTER TABLE schedules_new RENAME TO schedules;
        ALTER TABLE deliveries_new RENAME TO deliveries;
        """,
    ),
    Migration(
        3,
        "how many times an occurrence was started: one a dead process left running is run again, boundedly",
        "ALTER TABLE deliveries ADD COLUMN attempts INTEGER NOT NULL DEFAULT 1",
    ),
]

DEFAULT_GRACE = timedelta(minutes=30)
# An occurrence run more than this after its time is "late" (a cog may say so, e.g. a prompt posted
# after a restart); a wake-up a few seconds behind the clock is on time.
LATE_AFTER = timedelta(seconds=5)
# Runs of one occurrence at most (the first and the re-runs after restarts), so that a handler that
# brings the process down cannot do it at every start.
MAX_RUNS = 3


@dataclass(frozen=True)
class Occurrence:
    schedule_id: int
    owner: str
    key: str
    scheduled_for: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    late: bool = False

    @property
    def delivery_key(self) -> str:
        """The delivery scope of this occurrence: its messages' idempotency keys start with it, the same
        in a re-run after a crash (the scheduler opens it for plain handlers; a batch handler opens each
        occurrence's with `bot.outbox.delivery_scope`)."""
        return f"schedule:{self.owner}:{self.key}:{_iso(self.scheduled_for)}"


@dataclass(frozen=True)
class Due:
    """An occurrence to run: `fire_many` takes many of these at once."""

    schedule_id: int
    occurrence: datetime
    late: bool = False


Handler = Callable[[Occurrence], Awaitable[object]]
# Given the occurrences due together (one per schedule), returns the failures by schedule id.
BatchHandler = Callable[[list[Occurrence]], Awaitable[Mapping[int, BaseException]]]
# Told of an occurrence given up after a crash (why, in words): a crisis re-alert tells the moderators.
GiveUpHandler = Callable[[Occurrence, str], Awaitable[None]]


LEDGER_KEPT = timedelta(days=9)
# With several replicas on one database, each re-reads the schedules this often (real seconds), to
# watch what another replica added (a meetup's reminders, a crisis re-alert) and drop what it removed:
# if that replica dies, this one still runs them (late within their grace window, claimed once).
RESYNC_SECONDS = 15.0


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class Scheduler:
    def __init__(self, bot: Kindred):
        self.bot = bot
        self.handlers: dict[str, Handler | BatchHandler] = {}
        self._batch_handlers: set[str] = set()
        self._give_up: dict[str, GiveUpHandler] = {}
        self.ledger = DeliveryLedger(bot.db)
        self.alarm = Alarm(bot.clock, self._wake)
        self._resyncing: asyncio.Task | None = None

    def register_handler(self, name: str, handler: Handler, on_give_up: GiveUpHandler | None = None) -> None:
        """`handler(occurrence)` runs once per occurrence, inside the occurrence's delivery scope.
        `on_give_up(occurrence, why)` hears of an occurrence a crash left unfinished and that is not
        run again (past its grace window, or run too often)."""
        self.handlers[name] = handler
        self._batch_handlers.discard(name)
        self._set_give_up(name, on_give_up)

    def register_batch_handler(
        self, name: str, handler: BatchHandler, on_give_up: GiveUpHandler | None = None
    ) -> None:
        """`handler(occurrences)` gets every occurrence of its schedules that falls due together and
        returns {schedule id: exception} for the ones that failed (the others count as delivered).
        It opens each occurrence's delivery scope itself (`delivery_scope(occurrence.delivery_key)`)."""
        self.handlers[name] = handler
        self._batch_handlers.add(name)
        self._set_give_up(name, on_give_up)

    def _set_give_up(self, name: str, on_give_up: GiveUpHandler | None) -> None:
        if on_give_up is None:
            self._give_up.pop(name, None)
        else:
            self._give_up[name] = on_give_up

    # --- life cycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start the alarm (APScheduler needs the running loop), run again what a dead process left
        unfinished, catch up what was missed, then watch every schedule."""
        self.alarm.start()
        await self.run_unfinished()
        rows = await self.bot.db.fetchall("SELECT * FROM schedules WHERE paused = 0")
        await self._settle(rows, self.bot.clock.now())
        for row in await self.bot.db.fetchall("SELECT * FROM schedules WHERE paused = 0"):
            self.alarm.install(row, rearm=False)
        self.alarm.rearm()
        if self.bot.db.shared:  # other replicas may add and remove schedules beside this one
            self._resyncing = asyncio.create_task(self._resync_forever(), name="scheduler-resync")

    async def stop(self) -> None:
        if self._resyncing is not None:
            self._resyncing.cancel()
            self._resyncing = None
        rings = self.alarm.stop()
        if rings:  # their handlers stop at their next await; the database closes after them
            await asyncio.wait(rings, timeout=10)

    async def resync(self) -> int:
        """Watch the schedules as the database has them now (other replicas add, change and remove
        them). Returns how many changed here."""
        rows = await self.bot.db.fetchall("SELECT * FROM schedules WHERE paused = 0")
        changed = 0
        for row in rows:
            if self.alarm.watched_spec(row["id"]) != spec_key(row):
                self.alarm.install(row, rearm=False)
                changed += 1
        for schedule_id in self.alarm.watched_ids() - {row["id"] for row in rows}:
            self.alarm.uninstall(schedule_id)
            changed += 1
        if changed:
            self.alarm.rearm()
        return changed

    async def _resync_forever(self) -> None:
        while True:
            await asyncio.sleep(RESYNC_SECONDS)
            try:
                await self.resync()
                # A replica that died left its claims and sends unfinished: another one finishes them.
                await self.bot.outbox.recover()
                await self.run_unfinished()
            except Exception:
                log.exception("scheduler resync failed; trying again later")

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
        kind = KINDS[type(spec)]
        now = _iso(self.bot.clock.now())
        async with self.bot.db.transaction() as db:
            await db.execute(
                """INSERT INTO schedules (owner, key, kind, spec, handler, payload, grace_seconds, created_at)
                   VALUES (?,?,?,?,?,?,?,?)
                   ON CONFLICT (owner, key) DO UPDATE SET kind=excluded.kind, spec=excluded.spec,
                     handler=excluded.handler, payload=excluded.payload,
                     grace_seconds=excluded.grace_seconds, paused=0""",
                (
                    owner,
                    key,
                    kind,
                    json.dumps(spec.to_json()),
                    handler,
                    json.dumps(payload or {}),
                    int(grace.total_seconds()),
                    now,
                ),
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
            "SELECT id FROM schedules WHERE owner = ? AND substr(key, 1, ?) = ?",
            (owner, len(key_prefix), key_prefix),
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

    async def schedules_of(self, owner: str, key_prefix: str = "") -> list[dict[str, Any]]:
        """The schedules `owner` keeps (those whose key starts with `key_prefix`), oldest first."""
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
        return next_at_or_after(spec_from_row(row["kind"], row["spec"]), after or self.bot.clock.now())

    # --- firing -----------------------------------------------------------------------------------

    async def fire_many(self, due: Sequence[Due]) -> int:
        """Run occurrences that fall due together, each once. Returns how many handlers ran.

        Per batch (up to `CHUNK` occurrences, each schedule once): one read of the schedule rows, one
        statement claiming them all in the ledger, the handlers side by side, one statement recording
        every outcome. A handler that fails does not stop the others; its occurrence is 'failed'.
        """
        ran = 0
        for batch in in_batches(due):
            rows = await self._rows_by_id([d.schedule_id for d in batch])
            ran += await self._fire_rows(
                [(rows[d.schedule_id], d.occurrence, d.late) for d in batch if d.schedule_id in rows]
            )
        return ran

    async def forget_old_deliveries(self) -> int:
        """Ledger rows older than the catch-up's look-back (`latest_at_or_before`: 8 days) guard nothing."""
        return await self.ledger.forget_before(_iso(self.bot.clock.now() - LEDGER_KEPT))

    async def run_due(self) -> int:
        """Catch up every schedule to the clock's now: what the startup does, and what a test (or the
        console's `:wait`) asks for after moving the clock. Returns how many ran."""
        now = self.bot.clock.now()
        self.alarm.take_due(now)  # settled here, so the alarm need not ring for them too
        rows = await self.bot.db.fetchall("SELECT * FROM schedules WHERE paused = 0")
        return await self._settle(rows, now)

    def next_moment(self) -> datetime | None:
        """When anything is next due, by the bot's clock (the console's `:wait` steps from one to the next)."""
        return self.alarm.next_moment()

    def clock_moved(self) -> None:
        """The clock was moved by hand: set the alarm again, so whatever is now due rings through
        APScheduler as it would have in real time."""
        self.alarm.rearm()

    async def _fire_rows(self, batch: list[tuple[Any, datetime, bool]]) -> int:
        """Claim, run and record one batch of (schedule row, occurrence, late); schedules are distinct."""
        runnable = []
        for row, occurrence, late in batch:
            if row["paused"]:
                continue
            if row["handler"] not in self.handlers:
                log.warning(
                    "no handler for schedule", extra={"handler": row["handler"], "schedule": row["id"]}
                )
                continue
            runnable.append((row, occurrence, late))
        if not runnable:
            return 0
        claimed = await self.ledger.claim(
            [(row["id"], _iso(occurrence)) for row, occurrence, _ in runnable],
            "running",
            _iso(self.bot.clock.now()),
        )
        # A one-shot whose occurrence is in the ledger now goes, whoever put it there (unless a run of it
        # is unfinished: a dead process's claim is run again at the next start, and needs the row).
        one_shots = [row["id"] for row, _, _ in runnable if row["kind"] == "at"]
        ran = await self._run_claimed(
            [
                (row, occurrence, late)
                for row, occurrence, late in runnable
                if (row["id"], _iso(occurrence)) in claimed
            ]
        )
        await self._delete_one_shots(one_shots)
        return ran

    async def _run_claimed(self, batch: list[tuple[Any, datetime, bool]]) -> int:
        """Run occurrences claimed in the ledger (by this process, or by a dead one) and record how each went."""
        by_handler: dict[str, list[Occurrence]] = {}
        for row, occurrence, late in batch:
            by_handler.setdefault(row["handler"], []).append(
                Occurrence(
                    row["id"],
                    row["owner"],
                    row["key"],
                    occurrence.astimezone(UTC),
                    json.loads(row["payload"]),
                    late,
                )
            )
        outcomes = []
        names = list(by_handler)
        failures = await asyncio.gather(*(self._run_handler(name, by_handler[name]) for name in names))
        for name, failed in zip(names, failures, strict=True):
            outcomes += [
                (o.schedule_id, _iso(o.scheduled_for), "failed" if o.schedule_id in failed else "done")
                for o in by_handler[name]
            ]
        await self.ledger.record(outcomes, _iso(self.bot.clock.now()))
        return len(outcomes)

    async def run_unfinished(self) -> int:
        """Occurrences claimed ('running') by a process that died before it recorded how they went: at
        startup, every one (one process per SQLite file); on a database replicas share, those left
        unfinished longer than STALE_AFTER (a live replica may still be running the others), at startup
        and at each resync. Each runs again in its own delivery scope, so what it had sent is not sent
        again; past its grace window, or after MAX_RUNS runs, it is given up instead."""
        now = self.bot.clock.now()
        claimed_before = _iso(now - STALE_AFTER) if self.bot.db.shared else _iso(now + timedelta(days=1))
        rows = await self.bot.db.fetchall(
            "SELECT d.occurrence AS occurrence, d.attempts AS attempts, s.* FROM deliveries d"
            " JOIN schedules s ON s.id = d.schedule_id WHERE d.status = 'running' AND d.updated_at <= ?"
            " ORDER BY d.occurrence",
            (claimed_before,),
        )
        again, given_up, one_shots = [], [], []
        for row in rows:
            if row["handler"] not in self.handlers:
                continue  # its cog is not loaded in this run: left for one that has it
            occurrence = datetime.fromisoformat(row["occurrence"])
            if row["kind"] == "at":
                one_shots.append(row["id"])
            if row["attempts"] >= MAX_RUNS:
                given_up.append(
                    (row, occurrence, f"it was started {plural(row['attempts'], 'time')} and never finished")
                )
            elif now - occurrence > timedelta(seconds=row["grace_seconds"]):
                given_up.append((row, occurrence, "the bot was down past its grace window"))
            else:
                again.append((row, occurrence, now - occurrence > LATE_AFTER))
        if not rows:
            return 0
        for row, occurrence, why in given_up:
            log.warning(
                "unfinished occurrence given up after a restart: what it had not sent is lost",
                extra={
                    "owner": row["owner"],
                    "schedule": row["id"],
                    "occurrence": _iso(occurrence),
                    "reason": why,
                },
            )
        await self.ledger.record(
            [(row["id"], _iso(occurrence), "failed") for row, occurrence, _ in given_up], _iso(now)
        )
        for row, occurrence, why in given_up:
            notify = self._give_up.get(row["handler"])
            if notify is not None:
                try:
                    await notify(
                        Occurrence(
                            row["id"], row["owner"], row["key"], occurrence, json.loads(row["payload"]), True
                        ),
                        why,
                    )
                except Exception:
                    log.exception("a give-up notice failed", extra={"handler": row["handler"]})
        ran = 0
        for batch in in_batches(again, schedule_of=lambda item: item[0]["id"]):
            await self.ledger.count_attempt(
                [(row["id"], _iso(occurrence)) for row, occurrence, _ in batch], _iso(now)
            )
            log.info(
                "running again an occurrence a restart left unfinished", extra={"occurrences": len(batch)}
            )
            ran += await self._run_claimed(batch)
        await self._delete_one_shots(one_shots)
        return ran

    async def _delete_one_shots(self, schedule_ids: list[int]) -> None:
        """A one-shot schedule goes once its occurrence is in the ledger and no run of it is unfinished."""
        if schedule_ids:
            deleted = await self.bot.db.fetchall(
                f"DELETE FROM schedules WHERE id IN ({marks(schedule_ids)}) AND NOT EXISTS (SELECT 1 FROM"
                " deliveries d WHERE d.schedule_id = schedules.id AND d.status = 'running') RETURNING id",
                schedule_ids,
            )
            for row in deleted:
                self.alarm.uninstall(row[0])

    async def _run_handler(self, name: str, occurrences: list[Occurrence]) -> set[int]:
        """Call handler `name` for its occurrences; returns the schedule ids whose run failed."""
        handler = self.handlers[name]
        if name not in self._batch_handlers:
            # Different schedules run side by side (a slow send must not hold up the others, as when
            # each had its own timer); one schedule's occurrences stay in order.
            per_schedule: dict[int, list[Occurrence]] = {}
            for occurrence in occurrences:
                per_schedule.setdefault(occurrence.schedule_id, []).append(occurrence)
            failed: set[int] = set()

            async def run_in_order(own: list[Occurrence]) -> None:
                for occurrence in own:
                    try:
                        with delivery_scope(occurrence.delivery_key):
                            await cast(Handler, handler)(occurrence)
                    except Exception:
                        failed.add(occurrence.schedule_id)
                        log.exception(
                            "scheduled handler failed",
                            extra={"handler": name, "schedule": occurrence.schedule_id},
                        )

            await asyncio.gather(*(run_in_order(own) for own in per_schedule.values()))
            return failed
        try:
            failures = await cast(BatchHandler, handler)(occurrences)
        except Exception:
            log.exception(
                "scheduled batch handler failed", extra={"handler": name, "occurrences": len(occurrences)}
            )
            return {o.schedule_id for o in occurrences}
        for schedule_id, error in failures.items():
            log.error(
                "scheduled handler failed", exc_info=error, extra={"handler": name, "schedule": schedule_id}
            )
        return set(failures)

    async def _settle(self, rows: Sequence[Any], now: datetime) -> int:
        """Each row's latest occurrence by `now`: run (late after `LATE_AFTER`) within its grace
        window, else recorded as skipped. A row with no occurrence by `now` is left alone."""
        within_grace, missed = [], []
        for row, last in zip(rows, self._last_occurrences(rows, now), strict=True):
            if last is None:
                continue
            lateness = now - last
            if lateness <= timedelta(seconds=row["grace_seconds"]):
                within_grace.append((row, last, lateness > LATE_AFTER))
            else:
                missed.append((row, last))
        ran = 0
        for batch in in_batches(within_grace, schedule_of=lambda item: item[0]["id"]):
            ran += await self._fire_rows(batch)
        if missed:
            skipped = await self.ledger.claim(
                [(row["id"], _iso(last)) for row, last in missed], "skipped", _iso(now)
            )
            one_shots = []
            for row, last in missed:
                if row["kind"] == "at":
                    one_shots.append(row["id"])  # in the ledger now, whoever put it there
                if (row["id"], _iso(last)) not in skipped:
                    continue  # in the ledger already: it ran, failed or was skipped before
                log.info(
                    "missed occurrence skipped: outside its grace window",
                    extra={"owner": row["owner"], "schedule": row["id"], "occurrence": _iso(last)},
                )
            await self._delete_one_shots(one_shots)
        return ran

    def _last_occurrences(self, rows: Sequence[Any], now: datetime) -> list[datetime | None]:
        """Each row's most recent occurrence at or before now, if it is no earlier than the schedule's
        creation; rows with the same spec share one computation."""
        latest: dict[tuple[str, str], datetime | None] = {}
        found = []
        for row in rows:
            spec_key = (row["kind"], row["spec"])
            if spec_key not in latest:
                latest[spec_key] = latest_at_or_before(spec_from_row(row["kind"], row["spec"]), now)
            moment = latest[spec_key]
            # An occurrence from before the schedule existed is not one of its own.
            found.append(
                moment if moment is not None and moment >= datetime.fromisoformat(row["created_at"]) else None
            )
        return found

    # --- the alarm (bot/alarm.py) --------------------------------------------------------------------

    def _install(self, row) -> None:
        self.alarm.install(row)

    def _uninstall(self, schedule_id: int) -> None:
        self.alarm.uninstall(schedule_id)

    async def _wake(self, schedule_ids: list[int]) -> None:
        """The alarm rang for these schedules: settle them by the clock, which may say nothing is due."""
        rows = await self._rows_by_id(schedule_ids)
        await self._settle(
            [rows[sid] for sid in schedule_ids if sid in rows and not rows[sid]["paused"]],
            self.bot.clock.now(),
        )

    async def _row(self, owner: str, key: str):
        return await self.bot.db.fetchone("SELECT * FROM schedules WHERE owner = ? AND key = ?", (owner, key))

    async def _rows_by_id(self, schedule_ids: Sequence[int]) -> dict[int, Any]:
        rows: dict[int, Any] = {}
        unique = list(dict.fromkeys(schedule_ids))
        for start in range(0, len(unique), CHUNK):
            part = unique[start : start + CHUNK]
            for row in await self.bot.db.fetchall(
                f"SELECT * FROM schedules WHERE id IN ({marks(part)})", part
            ):
                rows[row["id"]] = row
        return rows
