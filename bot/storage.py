"""One database for the whole bot: a SQLite file (aiosqlite), or PostgreSQL (asyncpg, bot/storage_postgres.py).

`Database(target)` opens the engine the target names: a `postgresql://` URL is PostgreSQL, anything
else a SQLite file. Both take the project's SQL as the stores write it (SQLite's dialect, see
bot/dialect.py) and offer the same calls, so no cog knows which engine it runs on.

SQLite: PRAGMAs are set once, when the connection opens. Every write goes through one lock so that a
transaction opened by one task never swallows another task's statements on the shared connection.
Each cog owns numbered migrations; each runs in its own transaction and is recorded in
`schema_versions`.
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import os
import sqlite3
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import aiosqlite

from bot.dialect import split_sql, to_sqlite

log = logging.getLogger(__name__)

BUSY_TIMEOUT_MS = 5000  # how long a statement waits for another connection's write lock

PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}",
    # Deleted rows are overwritten, not left readable in free pages: members' erasure must be real.
    "PRAGMA secure_delete=ON",
)

T = TypeVar("T")


def _is_busy(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorname", "").startswith("SQLITE_BUSY") or "locked" in str(error)


def _owner_only(path: Path, create: bool = True) -> None:
    """Members' data is readable by the bot's own user only (0600), whatever the umask says."""
    if create and not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    if path.exists() and path.stat().st_mode & 0o077:
        path.chmod(0o600)


_inside_transaction: contextvars.ContextVar[bool] = contextvars.ContextVar("inside_tx", default=False)


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    # Plain SQL (one or more statements) or a coroutine given the database, for data migrations.
    sql: str | Callable[[Database], Awaitable[None]]


CORE_SCHEMA_VERSIONS = """
CREATE TABLE IF NOT EXISTS schema_versions (
    component   TEXT NOT NULL,
    version     INTEGER NOT NULL,
    description TEXT NOT NULL,
    applied_at  TEXT NOT NULL,
    PRIMARY KEY (component, version)
)
"""


__all__ = [
    "Database",
    "DatabaseUnreachable",
    "Migration",
    "Session",
    "SqliteDatabase",
    "is_postgres_url",
    "split_sql",
]


class DatabaseUnreachable(Exception):
    """The database could not be opened (server down, database missing, wrong password): says which and why."""


def is_postgres_url(target: object) -> bool:
    return isinstance(target, str) and target.startswith(("postgresql://", "postgres://"))


class Session:
    """What `Database.run(work)` hands `work`: a connection to use without awaiting, in one transaction.

    `execute(sql, params)` returns a cursor (`fetchone()`, `fetchall()`); `executemany(sql, rows)`.
    Rows are read by position or by column name on both engines."""

    def __init__(self, connection: sqlite3.Connection):
        self._connection = connection

    def execute(self, sql: str, params: Sequence[Any] | dict = ()):
        return self._connection.execute(to_sqlite(sql), params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._connection.executemany(to_sqlite(sql), rows)


class Database:
    """The storage calls every part of the bot uses; `Database(target)` picks the engine."""

    engine = ""
    Error: type[Exception] = Exception  # what the engine raises for a statement that fails
    # Other processes (replicas) may write this database while this one runs: what one keeps in memory
    # about the tables (a sweep's "nothing is due before 9:00") may be out of date.
    shared = False

    def __new__(cls, target: Path | str):
        if cls is Database:
            if is_postgres_url(target):
                from bot.storage_postgres import PostgresDatabase

                cls = PostgresDatabase
            else:
                cls = SqliteDatabase
        return super().__new__(cls)

    def describe(self) -> str:
        """Where the data is, for messages (never a password)."""
        raise NotImplementedError

    # --- what each engine implements (bot/storage.py: SQLite; bot/storage_postgres.py: PostgreSQL) ---

    async def open(self) -> Database:
        raise NotImplementedError

    async def close(self) -> None:
        raise NotImplementedError

    def transaction(self) -> AbstractAsyncContextManager[Database]:
        """`async with db.transaction() as db:` all statements inside run atomically."""
        raise NotImplementedError

    async def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        """Run one statement; returns the new row's id (for an insert into a table with one) or 0."""
        raise NotImplementedError

    async def execute_rowcount(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        raise NotImplementedError

    async def execute_script(self, script: str) -> None:
        """Run a script of statements without parameters (a migration), inside the current transaction."""
        for statement in split_sql(script):
            await self.execute(statement)

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        raise NotImplementedError

    async def fetchone(self, sql: str, params: Sequence[Any] | dict = ()) -> Any:
        raise NotImplementedError

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[Any]:
        raise NotImplementedError

    async def fetchall_inline(self, sql: str, params: Sequence[Any] | dict = ()) -> list[Any]:
        raise NotImplementedError

    async def run(self, work: Callable[[Any], T]) -> T:
        """Run `work(session)` as one transaction, off the event loop; see each engine."""
        raise NotImplementedError

    async def run_inline(self, work: Callable[[Any], T]) -> T:
        """`run(work)` for a few keyed statements on the hottest path (a check-in answer and what it
        moves on): SQLite runs them on the event loop's thread, as `fetchall_inline` does one."""
        return await self.run(work)

    async def checkpoint(self) -> None:
        """After an erasure: make deleted rows gone from what the engine keeps."""
        raise NotImplementedError

    async def fetchval(self, sql: str, params: Sequence[Any] | dict = (), default: Any = None) -> Any:
        row = await self.fetchone(sql, params)
        return default if row is None else row[0]

    async def tables(self) -> list[str]:
        """Every table's name, sorted (the engine's own catalog)."""
        raise NotImplementedError

    async def columns(self, table: str) -> list[str]:
        """A table's column names, in their order."""
        raise NotImplementedError

    async def references(self, table: str) -> set[str]:
        """The tables `table` refers to by foreign key."""
        raise NotImplementedError

    async def bulk_insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """Insert many rows as they are (ids included), in the current transaction if there is one."""
        raise NotImplementedError

    async def last_issued_id(self, table: str) -> int:
        """The largest id ever given to a row of `table` (an AUTOINCREMENT key: ids are never reused), 0 if none."""
        raise NotImplementedError

    # --- migrations -------------------------------------------------------------------------------

    async def applied_versions(self, component: str) -> set[int]:
        rows = await self.fetchall("SELECT version FROM schema_versions WHERE component = ?", (component,))
        return {row[0] for row in rows}

    async def migrate(self, component: str, migrations: Sequence[Migration]) -> list[Migration]:
        """Apply what is missing, in order, each in its own transaction. Re-running is a no-op, and so is
        a migration another process (a second replica starting beside this one) applied first."""
        versions = [m.version for m in migrations]
        if versions != sorted(set(versions)):
            raise ValueError(f"{component}: migration versions must be unique and increasing: {versions}")
        done = await self.applied_versions(component)
        applied = []
        for migration in migrations:
            if migration.version in done:
                continue
            async with self.transaction():
                if migration.version in await self.applied_versions(component):
                    continue  # applied by another process while this one waited for the write lock
                if callable(migration.sql):
                    await migration.sql(self)
                else:
                    await self.execute_script(migration.sql)
                await self.execute(
                    "INSERT INTO schema_versions (component, version, description, applied_at) VALUES (?,?,?,?)",
                    (component, migration.version, migration.description, datetime.now(UTC).isoformat()),
                )
            log.info("migration applied", extra={"component": component, "version": migration.version})
            applied.append(migration)
        if applied:
            await self._schema_changed()
        return applied

    async def _schema_changed(self) -> None:
        """A migration changed tables (PostgreSQL re-reads its keys and identity columns)."""

    async def status(self) -> list:
        return await self.fetchall(
            "SELECT component, version, description, applied_at FROM schema_versions ORDER BY component, version"
        )


class SqliteDatabase(Database):
    engine = "sqlite"
    Error = sqlite3.Error

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._conn: aiosqlite.Connection | None = None
        self._lock = asyncio.Lock()
        # Set when a caller stopped waiting for aiosqlite's thread (cancelled) while it still worked.
        self._worker_may_be_busy = False

    def describe(self) -> str:
        return str(self.path)

    async def open(self) -> SqliteDatabase:
        if str(self.path) != ":memory:":
            self.path.parent.mkdir(parents=True, exist_ok=True)
            _owner_only(self.path)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so transactions are exactly ours.
        # check_same_thread=False: fetchall_inline uses the connection from the event loop's thread;
        # every use, from either thread, holds self._lock, so the two never overlap.
        self._conn = await aiosqlite.connect(self.path, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = aiosqlite.Row
        for pragma in PRAGMAS:
            await self._conn.execute(pragma)
        await self._conn.execute(CORE_SCHEMA_VERSIONS)
        if str(self.path) != ":memory:":
            for companion in (
                "-wal",
                "-shm",
            ):  # SQLite gives them the main file's mode; an old one may differ
                _owner_only(Path(f"{self.path}{companion}"), create=False)
        return self

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    @asynccontextmanager
    async def _locked(self):
        if _inside_transaction.get():
            yield
            return
        async with self._lock:
            try:
                yield
            except asyncio.CancelledError:
                # The lock goes, but aiosqlite's thread may still be running the abandoned statement.
                self._worker_may_be_busy = True
                raise

    @asynccontextmanager
    async def transaction(self):
        """All statements inside run atomically; an exception rolls everything back."""
        if _inside_transaction.get():
            yield self
            return
        async with self._lock:
            token = _inside_transaction.set(True)
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")
            finally:
                _inside_transaction.reset(token)

    # Each await on aiosqlite is a round trip to its database thread, and on a busy machine the round
    # trip, not SQLite, is the cost. So every method below makes exactly one: a finished statement's
    # cursor holds nothing and is freed with the object, so it is not closed separately (one trip
    # more), and reads fetch their rows in the same trip as the query.

    async def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        """Run one statement; returns lastrowid (for inserts) or 0."""
        async with self._locked():
            cursor = await self.conn.execute(to_sqlite(sql), params)
            return cursor.lastrowid or 0

    async def execute_rowcount(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        async with self._locked():
            cursor = await self.conn.execute(to_sqlite(sql), params)
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self._locked():
            await self.conn.executemany(to_sqlite(sql), rows)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict = ()) -> aiosqlite.Row | None:
        """The first row (queries here select by key; a large result would be read in full)."""
        async with self._locked():
            rows = await self.conn.execute_fetchall(to_sqlite(sql), params)
            return next(iter(rows), None)

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list[aiosqlite.Row]:
        async with self._locked():
            return list(await self.conn.execute_fetchall(to_sqlite(sql), params))

    async def fetchall_inline(self, sql: str, params: Sequence[Any] | dict = ()) -> list[sqlite3.Row]:
        """Run one short statement on the event loop's own thread, skipping the trip to aiosqlite's.

        Only for the hottest statements that touch a row or two by key (a check-in answer): there the
        trip's two thread hand-offs cost about twice the statement itself. The loop waits while it runs,
        so nothing that scans belongs here. The statement has run to its end (so, outside a
        transaction, it is committed) when this returns.
        """
        if _inside_transaction.get():  # (its own statements were awaited: the thread is idle)
            return self._fetchall_here(sql, params)
        async with self._lock:  # (not _locked(): on this path its cost shows)
            if self._worker_may_be_busy:  # never share the connection with an abandoned statement:
                await self.conn.execute("SELECT 1")  # aiosqlite's queue is in order, so this waits it out
                self._worker_may_be_busy = False
            try:
                return self._fetchall_here(sql, params, wait_for_lock=False)
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
        # Another connection (a `kindred` command, a backup) holds the write lock: the statement did
        # not run. Wait for the lock on the database thread, as every other statement does, so the
        # event loop (heartbeats, other members) never waits the busy timeout.
        return await self.fetchall(sql, params)

    def _fetchall_here(
        self, sql: str, params: Sequence[Any] | dict, wait_for_lock: bool = True
    ) -> list[sqlite3.Row]:
        connection = self.conn._conn  # the sqlite3 connection aiosqlite wraps
        if not wait_for_lock:
            connection.execute("PRAGMA busy_timeout=0")
        try:
            cursor = connection.execute(to_sqlite(sql), params)
            try:
                return cursor.fetchall()
            finally:
                cursor.close()
        finally:
            if not wait_for_lock:
                connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")

    async def run_inline(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` as one transaction on the event loop's own thread (see fetchall_inline:
        only a few statements by key, never a scan). If another connection holds the write lock, it
        runs on the database thread instead, waiting there as `run` does."""
        connection = self.conn._conn
        if _inside_transaction.get():
            return work(Session(connection))
        async with self._lock:
            if self._worker_may_be_busy:
                await self.conn.execute("SELECT 1")
                self._worker_may_be_busy = False
            connection.execute("PRAGMA busy_timeout=0")
            try:
                connection.execute("BEGIN IMMEDIATE")
            except sqlite3.OperationalError as error:
                if not _is_busy(error):
                    raise
            else:
                try:
                    result = work(Session(connection))
                except BaseException:
                    connection.execute("ROLLBACK")
                    raise
                connection.execute("COMMIT")
                return result
            finally:
                connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        return await self.run(work)

    async def run(self, work: Callable[[Session], T]) -> T:
        """Run `work(session)` on the database thread as one transaction, in one round trip.

        For batch work whose reads and writes belong together (the check-in sweep): its statements cost
        microseconds each, the trips between them would cost far more. `work` runs off the event loop,
        so it may only compute and use the session it is given; an exception rolls it all back.
        """
        connection = self.conn._conn  # the sqlite3 connection aiosqlite wraps, used on aiosqlite's thread
        session = Session(connection)

        def atomically() -> T:
            connection.execute("BEGIN IMMEDIATE")
            try:
                result = work(session)
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")
            return result

        if _inside_transaction.get():
            return await self.conn._execute(work, session)
        async with self._locked():
            return await self.conn._execute(atomically)

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return [row[0] for row in rows]

    async def columns(self, table: str) -> list[str]:
        return [row[1] for row in await self.fetchall(f"PRAGMA table_info({table})")]

    async def references(self, table: str) -> set[str]:
        return {row["table"] for row in await self.fetchall(f"PRAGMA foreign_key_list({table})")}

    async def bulk_insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        await self.executemany(
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})", rows
        )

    async def last_issued_id(self, table: str) -> int:
        return await self.fetchval("SELECT seq FROM sqlite_sequence WHERE name = ?", (table,), default=0)

    async def checkpoint(self) -> None:
        """Fold the WAL back into the main file and truncate it, so erased data leaves no copy there."""
        async with self._locked():
            # Its result row is read, so the statement is finished now, not whenever its cursor is
            # collected (an unfinished one makes the next checkpoint fail with "table is locked", and a
            # `run()` after it fail to commit).
            await self.conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
