"""Real `kindred run` processes, killed with SIGKILL at a chosen moment and started again.

A test writes a config file, prepares the bot's database in this process (a Kindred on the same file,
with no adapters and the test kit's frozen clock: the schedules, settings and alerts the scenario
needs), then starts `python -m bot run --config ...` with its clock started at a chosen moment
(`KINDRED_CLOCK_START`, bot/clock.py), so what falls due, and when, does not depend on the machine's
date. The platform (the Discord double, or a proxy in front of Synapse) holds the send the test aims
at; the test kills the process by its own PID at that point, starts it again and counts what the
platform shows. Every wait has a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sqlite3
import sys
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.clock import CLOCK_START_ENV
from bot.config import load_settings
from bot.core import Kindred
from bot.testing import FrozenClock

# The moment the scenarios happen at, by the bot's clock (a Friday noon); restarts come after it.
T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
STARTED = "kindred started"
START_SECONDS = 60.0  # imports, migrations, login and the first sync (Matrix) on a busy 2-core machine
STOP_SECONDS = 30.0
SETTLE_SECONDS = 60.0


async def until(check: Callable[[], Awaitable[object] | object], what: str, within: float) -> object:
    """Poll `check()` (plain or async) until it is truthy; fail saying `what` after `within` seconds."""

    async def poll() -> object:
        while True:
            value = check()
            if asyncio.iscoroutine(value):
                value = await value
            if value:
                return value
            await asyncio.sleep(0.05)

    try:
        return await asyncio.wait_for(poll(), within)
    except TimeoutError:
        raise AssertionError(f"timed out after {within:.0f} s waiting for {what}") from None


class BotProcess:
    """`python -m bot run --config CONFIG` in `workdir`, its stderr (logs) kept in a file."""

    def __init__(self, config: Path, workdir: Path, environment: dict[str, str] | None = None):
        self.config, self.workdir = config, workdir
        self.environment = {**os.environ, **(environment or {})}
        self.process: asyncio.subprocess.Process | None = None
        self.runs = 0
        self.log_path: Path | None = None

    async def start(self, clock_start: datetime, stdin=None, stdout=None, wait_started: bool = True) -> None:
        self.runs += 1
        self.log_path = self.workdir / f"kindred-run-{self.runs}.log"
        with self.log_path.open("wb") as log:  # a file, not a pipe: a full pipe would stall the bot
            self.process = await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bot",
                "run",
                "--config",
                str(self.config),
                cwd=self.workdir,
                env={**self.environment, CLOCK_START_ENV: clock_start.isoformat()},
                stdin=stdin if stdin is not None else asyncio.subprocess.DEVNULL,
                stdout=stdout if stdout is not None else asyncio.subprocess.DEVNULL,
                stderr=log,
            )
        if wait_started:
            await until(lambda: self._said(STARTED), f"run {self.runs} to start", START_SECONDS)

    def _said(self, text: str) -> bool:
        if self.process.returncode is not None:
            raise AssertionError(f"kindred exited with {self.process.returncode}:\n{self.log()[-3000:]}")
        return text in self.log()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""

    async def kill(self) -> None:
        """SIGKILL, by the process's own id: no handler, no flush, no clean-up runs."""
        os.kill(self.process.pid, signal.SIGKILL)
        await asyncio.wait_for(self.process.wait(), STOP_SECONDS)

    async def stop(self) -> None:
        """SIGTERM (a clean stop), then SIGKILL if it is still there after the deadline."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except TimeoutError:
            await self.kill()


class WriteLock:
    """SQLite's write lock on the bot's database, taken from outside the bot (BEGIN IMMEDIATE): while
    it is held the bot can record nothing, so a kill then lands after a send and before its record."""

    def __init__(self, database: Path):
        self.database = database
        self.connection: sqlite3.Connection | None = None

    def take(self) -> None:
        self.connection = sqlite3.connect(self.database, timeout=5, isolation_level=None)
        self.connection.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.connection is not None:
            self.connection.execute("ROLLBACK")
            self.connection.close()
            self.connection = None


def read(database: Path, sql: str, params: tuple = ()) -> list[tuple]:
    with contextlib.closing(sqlite3.connect(database, timeout=5)) as connection:
        return connection.execute(sql, params).fetchall()


def settled(database: Path) -> bool:
    """Nothing claimed and unfinished, nothing unconfirmed: what the crash left is done or given up."""
    running = read(database, "SELECT COUNT(*) FROM deliveries WHERE status = 'running'")[0][0]
    open_rows = read(database, "SELECT COUNT(*) FROM outbox WHERE status IN ('claimed', 'sending')")[0][0]
    unfinished = read(database, "SELECT COUNT(*) FROM crisis_alerts WHERE pending_member IS NOT NULL")[0][0]
    return running == 0 and open_rows == 0 and unfinished == 0


def held_send(
    hold: Callable[..., object], method: str, path_regex: str, point: str, database: Path
) -> tuple[object, WriteLock]:
    """Hold the send the test aims at (the double's or the proxy's `hold`) at `point`; at "passed" the
    bot's database lock is taken the moment the platform answers."""
    lock = WriteLock(database)
    return hold(method, path_regex, point, on_answer=lock.take if point == "passed" else None), lock


async def kill_at(point: str, bot: BotProcess, hold, lock: WriteLock) -> None:
    """Kill the bot at `point` of the held send: "request" (never processed), "answer" (processed, its
    answer withheld), "passed" (answered while the test holds the bot's write lock)."""
    await until(hold.arrived.is_set, "the send the test holds", START_SECONDS)
    if point != "request":
        await until(hold.answered.is_set, "the platform to make the message", START_SECONDS)
    if point == "passed":
        await asyncio.sleep(0.3)  # the answer reaches the bot, which then waits on the lock the test holds
    await bot.kill()
    lock.release()
    hold.release.set()


async def crash_and_restart(
    bot: BotProcess,
    database: Path,
    hold,
    lock: WriteLock,
    point: str,
    act: Callable[[], Awaitable[object]] | None = None,
    restart_after: timedelta = timedelta(seconds=60),
) -> None:
    """Start the bot at T0 (waiting for it to be up only if `act()` must run then: otherwise the send
    is the startup's own catch-up), kill it at `point` of the held send, start it again later by its
    clock, wait until what the crash left is done (or given up), and stop it."""
    try:
        await bot.start(T0, wait_started=act is not None)
        if act is not None:
            await act()
        await kill_at(point, bot, hold, lock)
        await bot.start(T0 + restart_after)
        await until(
            lambda: settled(database), "the restarted bot to finish what the crash left", SETTLE_SECONDS
        )
    finally:
        lock.release()
        await bot.stop()


async def prepare(
    config: Path, work: Callable[[Kindred], Awaitable[None]], moment: datetime = T0 - timedelta(minutes=10)
) -> None:
    """Run `work(bot)` on the bot's database, in this process, at `moment` by a frozen clock (before
    T0: nothing the work schedules for T0 can fall due here)."""
    bot = Kindred(load_settings(str(config)), clock=FrozenClock(moment))
    await bot.start(start_adapters=False)
    try:
        await work(bot)
    finally:
        await bot.close()


async def raise_alert_due_at(bot: Kindred, place: dict, when: datetime) -> int:
    """A crisis alert nobody acknowledged, whose first re-alert (a one-off schedule, like a meetup's
    reminder) falls due at `when`; alerts go to `place`."""
    from bot.schedule_specs import At
    from cogs.crisis.alerts import REALERT_HANDLER

    await bot.community_settings(1, "crisis").set("alert_place", place)
    crisis = bot.get_cog("crisis")
    alert_id = await crisis.store.create_alert(
        community_id=1,
        level="CONCERN",
        category="suicide",
        source_platform=place["platform"],
        source_place="a members' channel",
        source_is_direct=0,
        link=None,
        urgent=0,
        created_at=(when - timedelta(minutes=10)).isoformat(),
        source_event=None,
        pending_member=None,
    )
    await bot.scheduler.add(
        "crisis",
        f"realert:{alert_id}:0",
        At(when),
        REALERT_HANDLER,
        {"alert_id": alert_id},
        grace=timedelta(hours=12),
    )
    return alert_id
