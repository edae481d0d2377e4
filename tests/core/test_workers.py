"""CPU work off the event loop: it runs in a worker process, at most N at once, and a dead worker is replaced."""

from __future__ import annotations

import asyncio
import os
import time
from concurrent.futures.process import BrokenProcessPool

import pytest

from bot.workers import CpuWorkers

DEADLINE = 30.0


def wait_for_file(path: str, within: float) -> tuple[int, bool]:
    """In the worker: hold the CPU until the test's loop writes `path` (or give up). (pid, seen)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if os.path.exists(path):
            return os.getpid(), True
    return os.getpid(), False


def log_turn(path: str, name: str) -> str:
    with open(path, "a") as log:
        log.write(f"start {name}\n")
        log.flush()
        time.sleep(0.05)
        log.write(f"end {name}\n")
    return name


async def test_work_runs_in_another_process_while_the_loop_keeps_going(tmp_path):
    workers = CpuWorkers()
    signal = tmp_path / "go"
    try:
        job = asyncio.create_task(workers.run(wait_for_file, str(signal), 20.0))
        # If the job held the loop, this coroutine would not run until the job gave up: it would say (pid, False).
        for _ in range(5):
            await asyncio.sleep(0.01)
        signal.write_text("go")
        pid, saw_the_loop_write = await asyncio.wait_for(job, DEADLINE)
        assert saw_the_loop_write
        assert pid != os.getpid()
    finally:
        workers.close()


async def test_at_most_the_bound_run_at_once_and_the_rest_wait_their_turn(tmp_path):
    workers = CpuWorkers(processes=1)
    turns = tmp_path / "turns.log"
    try:
        done = await asyncio.wait_for(
            asyncio.gather(*(workers.run(log_turn, str(turns), name) for name in "abcd")), DEADLINE
        )
        assert sorted(done) == list("abcd")
        lines = turns.read_text().splitlines()
        assert len(lines) == 8
        for start, end in zip(lines[::2], lines[1::2], strict=True):
            assert start.startswith("start ") and end == "end " + start.removeprefix("start "), lines
    finally:
        workers.close()


async def test_errors_come_back_and_a_dead_worker_is_replaced():
    workers = CpuWorkers()
    try:
        with pytest.raises(ValueError):
            await asyncio.wait_for(workers.run(int, "not a number"), DEADLINE)
        with pytest.raises(BrokenProcessPool):
            await asyncio.wait_for(workers.run(os._exit, 3), DEADLINE)
        assert await asyncio.wait_for(workers.run(os.getpid), DEADLINE) != os.getpid()
    finally:
        workers.close()


async def test_workers_stop_when_idle_and_start_again_on_demand():
    workers = CpuWorkers(idle_seconds=0.05)
    try:
        first = await asyncio.wait_for(workers.run(os.getpid), DEADLINE)
        assert workers.started

        await asyncio.sleep(0.2)  # four times the idle time: the timer has run
        assert not workers.started
        second = await asyncio.wait_for(workers.run(os.getpid), DEADLINE)
        assert second != first  # a fresh process
    finally:
        workers.close()
