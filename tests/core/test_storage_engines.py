"""The storage calls behave the same on SQLite and on PostgreSQL (each test runs on both engines).

The project's SQL is written once (SQLite's dialect); these tests hold what bot/dialect.py promises for
each difference: placeholders, INSERT OR IGNORE / OR REPLACE, row ids that follow ids inserted by hand,
rowid, LIKE, numbers from aggregates, VALUES lists, locking clauses, migrations in one transaction.
"""

from __future__ import annotations

import asyncio

import pytest

from bot.core import CORE_MIGRATIONS
from bot.storage import Database, Migration
from bot.testing import database_for_tests

SAMPLE = [
    Migration(1, "notes table", "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT, n INTEGER);"),
    Migration(
        2, "add a column", "ALTER TABLE notes ADD COLUMN kind TEXT; CREATE INDEX notes_kind ON notes(kind);"
    ),
    Migration(
        3,
        "tags",
        "CREATE TABLE tags (note_id INTEGER NOT NULL REFERENCES notes(id) ON DELETE CASCADE,"
        " tag TEXT NOT NULL, PRIMARY KEY (note_id, tag));",
    ),
]


async def test_migrations_apply_from_empty_and_rerun_is_a_no_op(tmp_path, engine):
    db = await Database(database_for_tests(tmp_path)).open()
    assert db.engine == engine
    applied = await db.migrate("sample", SAMPLE)
    assert [m.version for m in applied] == [1, 2, 3]
    assert await db.migrate("sample", SAMPLE) == []
    await db.execute("INSERT INTO notes (body, kind) VALUES ('x', 'y')")
    await db.close()
    # A fresh connection (a restart) sees the same versions and applies nothing.
    db = await Database(database_for_tests(tmp_path)).open()
    assert await db.migrate("sample", SAMPLE) == []
    assert await db.applied_versions("sample") == {1, 2, 3}
    assert [row["body"] for row in await db.fetchall("SELECT body FROM notes")] == ["x"]
    await db.close()


async def test_all_core_migrations_apply_and_are_idempotent(database):
    for component, migrations in CORE_MIGRATIONS.items():
        assert await database.migrate(component, migrations)
    for component, migrations in CORE_MIGRATIONS.items():
        assert await database.migrate(component, migrations) == []


async def test_a_failing_migration_leaves_nothing_half_done(database):
    broken = [Migration(1, "half", "CREATE TABLE a (x INTEGER); CREATE TABLE a (y INTEGER);")]
    with pytest.raises(database.Error):
        await database.migrate("broken", broken)
    assert "a" not in await database.tables()
    assert await database.applied_versions("broken") == set()


async def test_two_processes_migrating_at_once_apply_each_migration_once(tmp_path):
    """Two replicas starting together: each migration runs once, the other sees it done."""
    first = await Database(database_for_tests(tmp_path)).open()
    second = await Database(database_for_tests(tmp_path)).open()
    try:
        results = await asyncio.wait_for(
            asyncio.gather(first.migrate("sample", SAMPLE), second.migrate("sample", SAMPLE)), timeout=30
        )
        assert sorted(m.version for applied in results for m in applied) == [1, 2, 3]
        assert await first.fetchval("SELECT count(*) FROM schema_versions WHERE component = 'sample'") == 3
    finally:
        await first.close()
        await second.close()


async def test_transaction_rolls_back_on_error(database):
    await database.migrate("sample", SAMPLE[:1])
    with pytest.raises(RuntimeError):
        async with database.transaction():
            await database.execute("INSERT INTO notes (body) VALUES ('kept?')")
            raise RuntimeError("boom")
    assert await database.fetchval("SELECT count(*) FROM notes") == 0


async def test_placeholders_positional_numbered_and_named(database):
    await database.migrate("sample", SAMPLE[:1])
    await database.execute("INSERT INTO notes (body, n) VALUES (?, ?)", ("plain", 1))
    await database.execute("INSERT INTO notes (body, n) VALUES (?2, ?1)", (2, "numbered"))
    await database.execute("INSERT INTO notes (body, n) VALUES (:body, :n)", {"body": "named", "n": 3})
    rows = await database.fetchall(
        "SELECT body FROM notes WHERE n >= :low AND n <= :low + 10 ORDER BY n", {"low": 1}
    )
    assert [row["body"] for row in rows] == ["plain", "numbered", "named"]
    # '?' and ':x' inside a string are text, not parameters.
    assert await database.fetchval("SELECT 'a?b:c' || ?", ("!",)) == "a?b:c!"


async def test_an_insert_returns_the_new_id_and_ids_follow_ones_given_by_hand(database):
    await database.migrate("sample", SAMPLE[:1])
    assert await database.execute("INSERT INTO notes (body) VALUES ('first')") == 1
    await database.execute("INSERT INTO notes (id, body) VALUES (10, 'by hand')")
    assert await database.execute("INSERT INTO notes (body) VALUES ('next')") == 11
    rows = await database.fetchall("INSERT INTO notes (body) VALUES (?) RETURNING id", ("returned",))
    assert rows[0]["id"] == 12


async def test_insert_or_ignore_and_insert_or_replace(database):
    await database.migrate("sample", SAMPLE)
    note = await database.execute("INSERT INTO notes (body) VALUES ('n')")
    for _ in range(2):
        await database.execute("INSERT OR IGNORE INTO tags (note_id, tag) VALUES (?, ?)", (note, "calm"))
    assert await database.fetchval("SELECT count(*) FROM tags") == 1
    assert (
        await database.execute_rowcount(
            "INSERT OR IGNORE INTO tags (note_id, tag) VALUES (?, ?)", (note, "calm")
        )
        == 0
    )
    await database.execute(
        "INSERT OR REPLACE INTO notes (id, body, kind) VALUES (?, ?, ?)", (note, "new", "k")
    )
    row = await database.fetchone("SELECT body, kind FROM notes WHERE id = ?", (note,))
    assert (row["body"], row["kind"]) == ("new", "k")
    assert await database.fetchval("SELECT count(*) FROM notes") == 1


async def test_rowid_finds_a_row_again_within_a_transaction(database):
    await database.migrate("sample", SAMPLE[:1])
    await database.execute("INSERT INTO notes (body) VALUES ('a'), ('b')")
    async with database.transaction() as db:
        for row in await db.fetchall("SELECT rowid AS found, body FROM notes"):
            await db.execute("UPDATE notes SET body = ? WHERE rowid = ?", (row["body"].upper(), row["found"]))
    assert sorted(row[0] for row in await database.fetchall("SELECT body FROM notes")) == ["A", "B"]


async def test_like_ignores_ascii_case_and_text_sorts_by_code_point(database):
    await database.migrate("sample", SAMPLE[:1])
    for body in ("b", "B", "a", "_x", "Zed (discord:42)"):
        await database.execute("INSERT INTO notes (body) VALUES (?)", (body,))
    assert await database.fetchval("SELECT count(*) FROM notes WHERE body LIKE ?", ("% (DISCORD:42)",)) == 1
    assert [row[0] for row in await database.fetchall("SELECT body FROM notes ORDER BY body")] == [
        "B",
        "Zed (discord:42)",
        "_x",
        "a",
        "b",
    ]


async def test_numbers_come_back_as_sqlite_gives_them(database):
    await database.migrate("sample", SAMPLE[:2])
    await database.executemany("INSERT INTO notes (body, n) VALUES (?, ?)", [("a", 1), ("b", 2)])
    row = await database.fetchone("SELECT SUM(n), COUNT(*), AVG(n), MAX(n) FROM notes")
    assert tuple(row) == (3, 2, 1.5, 2)
    assert all(type(value) in (int, float) for value in row)
    # A number bound where text is stored is kept as text, as SQLite keeps it.
    await database.execute("UPDATE notes SET kind = ? WHERE n = 1", (7,))
    assert await database.fetchval("SELECT kind FROM notes WHERE n = 1") == "7"


async def test_values_lists_update_and_insert_many_rows_at_once(database):
    await database.migrate("sample", SAMPLE[:1])
    await database.executemany("INSERT INTO notes (body, n) VALUES (?, ?)", [("a", 1), ("b", 2), ("c", 3)])
    await database.execute(
        "UPDATE notes SET body = changed.column2 FROM (VALUES (CAST(? AS INTEGER), ?), (?, ?)) AS changed"
        " WHERE notes.n = changed.column1",
        (1, "one", 3, "three"),
    )
    assert [row[0] for row in await database.fetchall("SELECT body FROM notes ORDER BY n")] == [
        "one",
        "b",
        "three",
    ]


async def test_locking_clauses_run_on_both(database):
    await database.migrate("sample", SAMPLE[:1])
    await database.execute("INSERT INTO notes (body, n) VALUES ('due', 1)")

    def claim(session):
        rows = session.execute(
            "SELECT id, body FROM notes WHERE n <= ? ORDER BY id FOR UPDATE SKIP LOCKED", (5,)
        ).fetchall()
        session.executemany("UPDATE notes SET n = 100 WHERE id = ?", [(row["id"],) for row in rows])
        return [row["body"] for row in rows]

    assert await database.run(claim) == ["due"]
    assert await database.run(claim) == []


async def test_run_is_one_transaction(database):
    await database.migrate("sample", SAMPLE[:1])

    def insert_then_fail(session):
        session.execute("INSERT INTO notes (body) VALUES ('half')")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await database.run(insert_then_fail)
    assert await database.fetchval("SELECT count(*) FROM notes") == 0
    with pytest.raises(RuntimeError):
        async with database.transaction():
            await database.run(lambda session: session.execute("INSERT INTO notes (body) VALUES ('inner')"))
            raise RuntimeError("outer fails")
    assert await database.fetchval("SELECT count(*) FROM notes WHERE body = 'inner'") == 0


async def test_an_inline_statement_is_committed_when_it_returns(tmp_path):
    db = await Database(database_for_tests(tmp_path)).open()
    other = await Database(database_for_tests(tmp_path)).open()
    try:
        await db.migrate("sample", SAMPLE[:1])
        rows = await db.fetchall_inline("INSERT INTO notes (body) VALUES (?) RETURNING id", ("tapped",))
        assert len(rows) == 1
        # Another connection (another replica, or the next start after a crash) already sees it.
        assert [row[0] for row in await other.fetchall("SELECT body FROM notes")] == ["tapped"]
    finally:
        await db.close()
        await other.close()


async def test_tables_and_columns_from_the_engines_catalog(database):
    await database.migrate("sample", SAMPLE)
    tables = await database.tables()
    assert {"notes", "tags", "schema_versions"} <= set(tables) and tables == sorted(tables)
    assert await database.columns("notes") == ["id", "body", "n", "kind"]


async def test_transactions_take_turns_across_connections(tmp_path):
    """What SQLite's single writer gives, PostgreSQL gives too: a read-decide-write block in one
    connection never interleaves with another's (the seat counting of RSVPs relies on it)."""
    first = await Database(database_for_tests(tmp_path)).open()
    second = await Database(database_for_tests(tmp_path)).open()
    try:
        await first.migrate("sample", SAMPLE[:1])
        await first.execute("INSERT INTO notes (body, n) VALUES ('seats', 0)")

        async def take_a_seat(db: Database) -> None:
            async with db.transaction():
                taken = await db.fetchval("SELECT n FROM notes WHERE body = 'seats'")
                await asyncio.sleep(0.01)  # another block would slip in here, were they not taking turns
                await db.execute("UPDATE notes SET n = ? WHERE body = 'seats'", (taken + 1,))

        await asyncio.wait_for(asyncio.gather(*(take_a_seat(db) for db in (first, second) * 5)), timeout=60)
        assert await first.fetchval("SELECT n FROM notes WHERE body = 'seats'") == 10
    finally:
        await first.close()
        await second.close()
