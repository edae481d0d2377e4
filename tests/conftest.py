"""Fixtures shared by every test: a started bot on a real SQLite file, with an in-memory adapter."""

from __future__ import annotations

import pytest

from bot.testing import FrozenClock, MemoryAdapter, make_test_bot


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def bot_and_chat(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=["cogs.privacy"], adapters=[MemoryAdapter()], clock=clock) as pair:
        yield pair


@pytest.fixture
async def database(tmp_path):
    from bot.storage import Database

    db = await Database(tmp_path / "kindred.db").open()
    try:
        yield db
    finally:
        await db.close()


_exit_status = {"code": 0}


def pytest_sessionfinish(session, exitstatus):
    _exit_status["code"] = int(exitstatus)


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config):
    """A test that fails before closing its database leaves aiosqlite's worker thread alive, which
    would keep the process (and CI) waiting forever. Everything is reported by now, so leave."""
    import os
    import threading

    stragglers = [t for t in threading.enumerate() if t is not threading.main_thread() and not t.daemon]
    if stragglers:
        import sys

        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_exit_status["code"])
