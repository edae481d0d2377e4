import asyncio
import sqlite3

import pytest

from bot.core import CORE_MIGRATIONS
from bot.storage import Database, Migration

SAMPLE = [
    Migration(1, "notes table", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);"),
    Migration(
        2, "add a column", "ALTER TABLE notes ADD COLUMN kind TEXT; CREATE INDEX notes_kind ON notes(kind);"
    ),
]


async def test_migrations_apply_from_empty_and_rerun_is_a_no_op(tmp_path):
    db = await Database(tmp_path / "k.db").open()
    applied = await db.migrate("sample", SAMPLE)
    assert [m.version for m in applied] == [1, 2]
    assert await db.migrate("sample", SAMPLE) == []
    await db.execute("INSERT INTO notes (body, kind) VALUES ('x', 'y')")
    await db.close()
    # A fresh connection (a restart) sees the same versions and applies nothing.
    db = await Database(tmp_path / "k.db").open()
    assert await db.migrate("sample", SAMPLE) == []
    assert await db.applied_versions("sample") == {1, 2}
    await db.close()


async def test_all_core_migrations_apply_and_are_idempotent(database):
    for component, migrations in CORE_MIGRATIONS.items():
        assert await database.migrate(component, migrations)
    for component, migrations in CORE_MIGRATIONS.items():
        assert await database.migrate(component, migrations) == []


async def test_a_failing_migration_leaves_nothing_half_done(database):
    db = database
    broken = [Migration(1, "half", "CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);")]
    with pytest.raises(sqlite3.OperationalError):
        await db.migrate("broken", broken)
    assert await db.fetchval("SELECT count(*) FROM sqlite_master WHERE name = 'a'") == 0
    assert await db.applied_versions("broken") == set()


async def test_pragmas_are_set(database):
    db = database
    assert await db.fetchval("PRAGMA journal_mode") == "wal"
    assert await db.fetchval("PRAGMA foreign_keys") == 1
    assert await db.fetchval("PRAGMA secure_delete") == 1
    assert await db.fetchval("PRAGMA synchronous") == 1  # NORMAL


async def test_transaction_rolls_back_on_error(database):
    db = database
    await db.migrate("sample", SAMPLE[:1])
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.execute("INSERT INTO notes (body) VALUES ('kept?')")
            raise RuntimeError("boom")
    assert await db.fetchval("SELECT count(*) FROM notes") == 0


async def test_out_of_order_migrations_are_refused(database):
    with pytest.raises(ValueError):
        await database.migrate("x", [Migration(2, "b", "SELECT 1"), Migration(1, "a", "SELECT 1")])


async def test_an_inline_statement_is_committed_when_it_returns(database):
    db = database
    await db.migrate("sample", SAMPLE[:1])
    rows = await db.fetchall_inline("INSERT INTO notes (body) VALUES (?) RETURNING id", ("tapped",))
    assert len(rows) == 1
    # Another connection (another process, or the next start after a crash) already sees it.
    with sqlite3.connect(db.path) as other:
        assert other.execute("SELECT body FROM notes").fetchall() == [("tapped",)]


async def test_an_inline_statement_never_holds_the_event_loop_while_another_process_writes(database):
    """A `kindred` command holding the write lock must not freeze the bot for the busy timeout."""
    db = database
    await db.migrate("sample", SAMPLE[:1])
    other = sqlite3.connect(db.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # the write lock, as another process would hold it
    other.execute("INSERT INTO notes (body) VALUES ('theirs')")
    ticks = 0

    async def ticker():
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0.01)

    ticking = asyncio.ensure_future(ticker())
    answer = asyncio.ensure_future(
        db.fetchall_inline("INSERT INTO notes (body) VALUES ('tapped') RETURNING id")
    )
    try:
        for _ in range(500):  # the loop keeps running while the answer waits for the lock
            if ticks >= 10:
                break
            await asyncio.sleep(0.01)
        assert ticks >= 10 and not answer.done()
        other.execute("COMMIT")
        rows = await asyncio.wait_for(answer, timeout=10)
    finally:
        ticking.cancel()
        other.close()
    assert len(rows) == 1
    assert [r["body"] for r in await db.fetchall("SELECT body FROM notes ORDER BY id")] == [
        "theirs",
        "tapped",
    ]


async def test_run_is_one_transaction_in_one_trip(database):
    db = database
    await db.migrate("sample", SAMPLE[:1])

    def insert_then_fail(conn):
        conn.execute("INSERT INTO notes (body) VALUES ('half')")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await db.run(insert_then_fail)
    assert await db.fetchval("SELECT count(*) FROM notes") == 0
    assert await db.run(lambda conn: conn.execute("INSERT INTO notes (body) VALUES ('whole')").lastrowid) == 1
    with sqlite3.connect(db.path) as other:
        assert other.execute("SELECT body FROM notes").fetchall() == [("whole",)]
    # Inside a transaction it is part of that transaction.
    with pytest.raises(RuntimeError):
        async with db.transaction():
            await db.run(lambda conn: conn.execute("INSERT INTO notes (body) VALUES ('inner')"))
            raise RuntimeError("outer fails")
    assert await db.fetchval("SELECT count(*) FROM notes WHERE body = 'inner'") == 0


async def test_an_inline_statement_never_joins_work_a_cancelled_caller_left_running(database):
    """A cancelled caller lets go of the lock while the database thread may still be in its
    transaction; a statement run inline then must wait, not slip into that transaction (and be rolled
    back with it)."""
    import asyncio
    import threading

    db = database
    await db.migrate("sample", SAMPLE[:1])
    started, release = threading.Event(), threading.Event()

    def slow_then_fail(conn):
        conn.execute("INSERT INTO notes (body) VALUES ('abandoned')")
        started.set()
        release.wait(10)
        raise RuntimeError("rolled back")

    abandoned = asyncio.ensure_future(db.run(slow_then_fail))
    assert await asyncio.to_thread(started.wait, 10)
    abandoned.cancel()
    with pytest.raises(asyncio.CancelledError):
        await abandoned
    inline = asyncio.ensure_future(db.fetchall_inline("INSERT INTO notes (body) VALUES ('tap') RETURNING id"))
    await asyncio.sleep(0)  # the inline statement is on its way
    release.set()
    await asyncio.wait_for(inline, 10)
    assert [row[0] for row in await db.fetchall("SELECT body FROM notes")] == ["tap"]


async def test_database_files_are_readable_by_the_bot_alone(tmp_path):
    import os
    import stat

    from bot.storage import Database

    old_umask = os.umask(0o022)  # as on most machines: new files would be 0644
    try:
        database = await Database(tmp_path / "data" / "kindred.db").open()
        await database.execute("CREATE TABLE t (x)")
        await database.execute("INSERT INTO t VALUES (1)")
        for name in ("kindred.db", "kindred.db-wal", "kindred.db-shm"):
            mode = stat.S_IMODE((tmp_path / "data" / name).stat().st_mode)
            assert mode == 0o600, (name, oct(mode))
        await database.close()
        (tmp_path / "data" / "kindred.db").chmod(0o644)  # a file made by an older version
        database = await Database(tmp_path / "data" / "kindred.db").open()
        assert stat.S_IMODE((tmp_path / "data" / "kindred.db").stat().st_mode) == 0o600
        await database.close()
    finally:
        os.umask(old_umask)


async def test_work_after_a_checkpoint_commits(database):
    """The checkpoint's own result row is read, so nothing is left in progress for the next `run()`."""
    await database.execute("CREATE TABLE t (x INTEGER)")
    await database.execute("INSERT INTO t VALUES (1)")
    await database.checkpoint()
    await database.run(lambda conn: conn.execute("INSERT INTO t VALUES (2)"))
    assert await database.fetchval("SELECT COUNT(*) FROM t") == 2
