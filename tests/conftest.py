"""Fixtures shared by every test: a started bot on a real database, with an in-memory adapter.

Storage-facing tests and the end-to-end flows (BOTH_ENGINES) run twice: on a SQLite file and on a real
PostgreSQL server the suite starts (tests/postgres.py). A test that needs PostgreSQL fails, with the
reason, when the server cannot be started; it is never skipped.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest

from bot import testing
from bot.testing import FrozenClock, MemoryAdapter, database_for_tests, make_test_bot
from tests.postgres import PostgresServer, PostgresUnavailable

# What runs on both engines: everything that reads or writes the database through the bot's stores,
# and the flows a member goes through end to end (console, Discord double, Synapse). Pure logic (time
# parsing, rendering, the crisis model, schedule maths) runs once.
BOTH_ENGINES = (
    "tests/core/test_storage_engines.py",
    "tests/core/test_scheduler.py",
    "tests/core/test_privacy.py",
    "tests/core/test_core_retention.py",
    "tests/core/test_vault.py",
    "tests/checkins/",
    "tests/meetups/",
    "tests/members/",
    "tests/mindfulness/test_cog_",
    "tests/mindfulness/test_transfer.py",
    "tests/crisis/test_flow.py",
    "tests/crisis/test_safety_net.py",
    "tests/crisis/test_commands.py",
    "tests/crisis/test_with_checkins.py",
    "tests/crisis/test_answers_belong_to_the_member.py",
    "tests/security/test_erasure_and_logs.py",
    "tests/security/test_linking_and_keys.py",
    "tests/discord/test_discord_core_flows.py",
    "tests/matrix/test_matrix_run.py",
)


def runs_on_both_engines(path: Path, root: Path) -> bool:
    relative = path.relative_to(root).as_posix()
    return any(relative.startswith(prefix) for prefix in BOTH_ENGINES)


def pytest_generate_tests(metafunc):
    if "engine" in metafunc.fixturenames and runs_on_both_engines(
        metafunc.definition.path, metafunc.config.rootpath
    ):
        metafunc.parametrize("engine", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture(scope="session")
def postgres_server():
    workdir = Path(tempfile.mkdtemp(prefix="kindred-postgres-"))
    try:
        server = PostgresServer(workdir).start()
    except PostgresUnavailable as error:
        shutil.rmtree(workdir, ignore_errors=True)
        pytest.fail(f"PostgreSQL is needed here and could not be started: {error}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)


@pytest.fixture(autouse=True)
def engine(request):
    """'sqlite' or 'postgresql': the engine this test's bots and databases use."""
    name = getattr(request, "param", "sqlite")
    if name == "sqlite":
        yield name
        return
    server = request.getfixturevalue("postgres_server")
    testing.use_database(server.database_for)
    try:
        yield name
    finally:
        testing.use_database(None)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
async def bot_and_chat(tmp_path, clock):
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy"], adapters=[MemoryAdapter()], clock=clock
    ) as pair:
        yield pair


@pytest.fixture
async def database(tmp_path):
    from bot.storage import Database

    db = await Database(database_for_tests(tmp_path)).open()
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
