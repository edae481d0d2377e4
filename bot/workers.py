"""CPU work that would hold the event loop for more than a few milliseconds runs in worker processes.

One member's request must never stall everyone else's: while the loop runs Python, no other message,
button press or Discord heartbeat is handled. A chart of a year of check-ins takes 110-140 ms to draw
(half a second the first time, importing matplotlib). A thread does not help: drawing is Python
code that holds the GIL, and the loop then waits up to the GIL's switch interval each time it wants
to run (measured: worst lag 22-32 ms with one drawing thread). A separate process does: the loop's
worst lag stays at a few milliseconds while five charts are drawn (docs/benchmarks.md).

`await bot.cpu.run(function, *args)` runs a plain, module-level function with picklable arguments in
a worker process and returns its result. At most `processes` jobs run at once; the others wait here,
on the loop, where a cancelled request leaves without having cost anything. Workers start on first
use from a fork server (a clean process: forking the bot itself would copy its threads' locks) and
stop after `idle_seconds` without work, so a bot nobody asks for charts keeps no worker's memory.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

log = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_PROCESSES = 1  # a 2-core machine: one core for the loop, one for members' charts
IDLE_SECONDS = 300.0


class CpuWorkers:
    def __init__(self, processes: int = DEFAULT_PROCESSES, idle_seconds: float = IDLE_SECONDS):
        self.processes = processes
        self.idle_seconds = idle_seconds
        self._pool: ProcessPoolExecutor | None = None
        self._slots = asyncio.Semaphore(processes)
        self._starting = asyncio.Lock()
        self._running = 0
        self._idle_timer: asyncio.TimerHandle | None = None

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` in a worker process; its exception, if any, is raised here."""
        async with self._slots:
            self._running += 1
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
            try:
                return await self._submit(function, args)
            finally:
                self._running -= 1
                if self._running == 0 and self._pool is not None:
                    self._idle_timer = asyncio.get_running_loop().call_later(
                        self.idle_seconds, self._stop_idle
                    )

    async def _submit(self, function: Callable[..., T], args: tuple) -> T:
        loop = asyncio.get_running_loop()
        async with self._starting:
            if self._pool is None:
                # Starting the fork server and a worker blocks for tens of milliseconds: not on the loop.
                self._pool = await loop.run_in_executor(None, self._start_pool)
        try:
            return await loop.run_in_executor(self._pool, function, *args)
        except BrokenProcessPool:
            # A worker died (killed for its memory, say): the next job starts a fresh one. This one is
            # not retried, since it may be what killed it.
            log.warning("a worker process died")
            self._stop()
            raise

    def _start_pool(self) -> ProcessPoolExecutor:
        pool = ProcessPoolExecutor(self.processes, mp_context=multiprocessing.get_context("forkserver"))
        pool.submit(int).result()  # the worker is up
        return pool

    def _stop_idle(self) -> None:
        self._idle_timer = None
        if self._running == 0:
            self._stop()

    def _stop(self) -> None:
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    def close(self) -> None:
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        self._stop()

    @property
    def started(self) -> bool:
        return self._pool is not None
