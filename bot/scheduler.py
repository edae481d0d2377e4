"""Durable schedules over APScheduler 3.11.

The `schedules` table is the truth; APScheduler jobs are rebuilt from it at startup (RoboDanny's
durable timers, with APScheduler doing the waiting). Each run of a schedule is claimed in the
`deliveries` ledger before its handler is called, so an occurrence runs at most once even across
restarts. An occurrence that fell due while the bot was down runs late if it is still within the
schedule's grace window and is skipped, with a log line, if it is not.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

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
class Cron:
    """Every matching day at hour:minute local time in `timezone` (DST-correct)."""

    hour: int
    minute: int
    timezone: str
    days: str = "mon,tue,wed,thu,fri,sat,sun"  # day names: APScheduler 3.x numbers Monday as 0

    def trigger(self) -> CronTrigger:
        return CronTrigger(
            hour=self.hour, minute=self.minute, day_of_week=self.days, timezone=ZoneInfo(self.timezone)
        )

    def to_json(self) -> dict:
        return {"hour": self.hour, "minute": self.minute, "timezone": self.timezone, "days": self.days}


@dataclass(frozen=True)
class At:
    """Once, at an aware moment."""

    when: datetime

    def trigger(self) -> DateTrigger:
        return DateTrigger(run_date=self.when)

    def to_json(self) -> dict:
        return {"when": self.when.astimezone(UTC).isoformat()}


Spec = Cron | At


def spec_from_row(kind: str, spec: str) -> Spec:
    data = json.loads(spec)
    if kind == "cron":
        return Cron(**data)
    return At(datetime.fromisoformat(data["when"]))


@dataclass(frozen=True)
class Occurrence:
    schedule_id: int
    owner: str
    key: str
    scheduled_for: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    late: bool = False


Handler = Callable[[Occurrence], Awaitable[None]]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


class Scheduler:
    def __init__(self, bot: Kindred):
        self.bot = bot
        self.handlers: dict[str, Handler] = {}
        self._aps: AsyncIOScheduler | None = None

    def register_handler(self, name: str, handler: Handler) -> None:
        self.handlers[name] = handler

    # --- life cycle -------------------------------------------------------------------------------

    async def start(self) -> None:
        """Start APScheduler (needs the running loop), catch up what was missed, rebuild every job."""
        self._aps = AsyncIOScheduler(timezone=UTC, job_defaults={"coalesce": True, "max_instances": 1})
        self._aps.start()
        for row in await self.bot.db.fetchall("SELECT * FROM schedules WHERE paused = 0"):
            await self._catch_up(row)
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
        row = await self.bot.db.fetchone("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
        if row is None or row["paused"]:
            return False
        handler = self.handlers.get(row["handler"])
        if handler is None:
            log.warning("no handler for schedule", extra={"handler": row["handler"], "schedule": schedule_id})
            return False
        claimed = await self.bot.db.execute_rowcount(
            "INSERT OR IGNORE INTO deliveries (schedule_id, occurrence, status, updated_at) VALUES (?,?,?,?)",
            (schedule_id, _iso(occurrence), "running", _iso(self.bot.clock.now())),
        )
        if not claimed:
            return False
        status = "done"
        try:
            await handler(
                Occurrence(schedule_id, row["owner"], row["key"], occurrence.astimezone(UTC),
                           json.loads(row["payload"]), late)
            )
        except Exception:
            status = "failed"
            log.exception("scheduled handler failed", extra={"handler": row["handler"], "schedule": schedule_id})
        await self.bot.db.execute(
            "UPDATE deliveries SET status = ?, updated_at = ? WHERE schedule_id = ? AND occurrence = ?",
            (status, _iso(self.bot.clock.now()), schedule_id, _iso(occurrence)),
        )
        if row["kind"] == "at":
            await self.bot.db.execute("DELETE FROM schedules WHERE id = ?", (schedule_id,))
        return True

    async def run_due(self, now: datetime | None = None) -> int:
        """Catch up every schedule to `now`: what the startup does. Returns how many ran."""
        ran = 0
        for row in await self.bot.db.fetchall("SELECT * FROM schedules WHERE paused = 0"):
            ran += await self._catch_up(row, now)
        return ran

    async def _catch_up(self, row, now: datetime | None = None) -> int:
        now = now or self.bot.clock.now()
        last = self._last_occurrence_before(row, now)
        if last is None:
            return 0
        already = await self.bot.db.fetchval(
            "SELECT 1 FROM deliveries WHERE schedule_id = ? AND occurrence = ?", (row["id"], _iso(last))
        )
        if already:
            return 0
        lateness = now - last
        if lateness <= timedelta(seconds=row["grace_seconds"]):
            return int(await self.fire(row["id"], last, late=lateness > timedelta(seconds=1)))
        await self.bot.db.execute(
            "INSERT OR IGNORE INTO deliveries (schedule_id, occurrence, status, updated_at) VALUES (?,?,?,?)",
            (row["id"], _iso(last), "skipped", _iso(now)),
        )
        log.info(
            "missed occurrence skipped: outside its grace window",
            extra={"owner": row["owner"], "schedule": row["id"], "occurrence": _iso(last)},
        )
        if row["kind"] == "at":
            await self.bot.db.execute("DELETE FROM schedules WHERE id = ?", (row["id"],))
        return 0

    def _last_occurrence_before(self, row, now: datetime) -> datetime | None:
        """The most recent occurrence at or before now, no earlier than the schedule's creation."""
        spec = spec_from_row(row["kind"], row["spec"])
        created = datetime.fromisoformat(row["created_at"])
        if isinstance(spec, At):
            return spec.when if created <= spec.when <= now else None
        # Walk back day by day; one week covers every weekly day pattern.
        trigger = spec.trigger()
        start = max(created, now - timedelta(days=8))
        last, moment = None, trigger.get_next_fire_time(None, start)
        while moment is not None and moment <= now:
            last = moment
            moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
        return last

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
        # APScheduler calls us at the occurrence's time; the occurrence is the latest one due.
        row = await self.bot.db.fetchone("SELECT * FROM schedules WHERE id = ?", (schedule_id,))
        if row is None:
            return
        now = self.bot.clock.now()
        occurrence = self._last_occurrence_before(row, now + timedelta(seconds=1)) or now
        await self.fire(schedule_id, occurrence, late=(now - occurrence) > timedelta(seconds=5))

    def job_for(self, schedule_id: int):
        """The live APScheduler job (tests use it to run an occurrence now)."""
        return self._aps.get_job(str(schedule_id)) if self._aps else None

    async def _row(self, owner: str, key: str):
        return await self.bot.db.fetchone("SELECT * FROM schedules WHERE owner = ? AND key = ?", (owner, key))
