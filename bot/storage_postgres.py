"""PostgreSQL through asyncpg: the same calls as the SQLite file, for several replicas on one database.

Each statement is the project's SQL translated once (bot/dialect.py) and run on a connection from a
small pool; outside a transaction it commits on its own. What SQLite gives by having one writer at a
time is kept where the code relies on it:
  - `transaction()` takes one database-wide advisory lock first (`pg_advisory_xact_lock`), as SQLite's
    BEGIN IMMEDIATE takes its write lock: blocks that read, decide and write (an RSVP against a
    meetup's capacity, a migration) run one at a time across every replica, exactly as on SQLite;
  - single statements (a check-in answer, a ledger claim) take no such lock: each is atomic, and a
    claim's `INSERT ... ON CONFLICT DO NOTHING RETURNING` hands each key to exactly one caller;
  - `run(work)` (the check-in sweep) is a transaction without that lock: its claim locks the rows it
    takes with `FOR UPDATE ... SKIP LOCKED`, so two replicas' sweeps share the due rows, never both
    taking one, and an answer never waits behind a sweep.

SQLite is lenient about types (a number bound to a TEXT column is stored as text); asyncpg is not.
When asyncpg refuses a parameter's Python type, the statement's parameter types are asked of the
server and the values converted the way SQLite would store them, then it runs again (the refusal
happens before anything is sent, so a transaction is unharmed).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
import re
from collections.abc import Callable, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime
from typing import Any, TypeVar
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bot.dialect import COMPAT_FUNCTIONS, PgStatement, split_sql, to_postgres
from bot.storage import CORE_SCHEMA_VERSIONS, Database, DatabaseUnreachable

log = logging.getLogger(__name__)

T = TypeVar("T")

POOL_SIZE = 8
# Advisory lock keys (any two bigints no other program on the database uses).
WRITE_LOCK = 0x4B696E_0001  # "Kin" 1: what SQLite's one writer at a time gives
SETUP_LOCK = 0x4B696E_0002  # creating the helper functions and the versions table

_current: contextvars.ContextVar[asyncpg.Connection | None] = contextvars.ContextVar("pg_tx", default=None)

_CATALOG_KEYS = """
SELECT c.relname AS table_name, a.attname AS column_name
FROM pg_index i
JOIN pg_class c ON c.oid = i.indrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = ANY (i.indkey)
WHERE i.indisprimary AND n.nspname = current_schema()
ORDER BY c.relname, array_position(i.indkey::int2[], a.attnum)
"""

_CATALOG_IDENTITIES = """
SELECT c.relname AS table_name, a.attname AS column_name
FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid
JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE a.attidentity <> '' AND n.nspname = current_schema() AND NOT a.attisdropped
"""


def _number(text: str) -> int | float:
    """numeric values (SUM of integers, AVG) come back as SQLite gives them: int when whole, else float."""
    return int(text) if re.fullmatch(r"-?\d+", text) else float(text)


def _status_count(status: str) -> int:
    """asyncpg's command status ('UPDATE 3', 'INSERT 0 1') -> rows affected."""
    last = status.rsplit(" ", 1)[-1]
    return int(last) if last.isdigit() else 0


def _as_sqlite_stores(value: Any, type_name: str) -> Any:
    """`value` converted for a parameter of PostgreSQL type `type_name`, as SQLite would have stored it."""
    if value is None:
        return None
    if type_name in ("text", "varchar", "bpchar", "name"):
        if isinstance(value, bool):
            return str(int(value))
        if isinstance(value, datetime):
            return value.isoformat(" ")  # what sqlite3's default adapter wrote
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, bytes):
            return value.decode()
        return str(value)
    if type_name in ("int2", "int4", "int8"):
        return int(value)
    if type_name in ("float4", "float8", "numeric"):
        return float(value)
    if type_name == "bytea" and isinstance(value, str):
        return value.encode()
    if type_name == "bool":
        return bool(value)
    return value


def redact(url: str) -> str:
    """The URL without its password, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname or ""
    netloc = f"{parts.username}:***@{host}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))


class _Cursor:
    def __init__(self, rows: list):
        self._rows = rows

    def fetchone(self):
        return self._rows[0] if self._rows else None

    def fetchall(self) -> list:
        return self._rows


class BridgedSession:
    """`Database.run`'s session on PostgreSQL: `work` runs on a worker thread and each statement is
    handed to the event loop, on the transaction's own connection."""

    def __init__(self, db: PostgresDatabase, connection: asyncpg.Connection, loop: asyncio.AbstractEventLoop):
        self._db, self._connection, self._loop = db, connection, loop

    def _wait(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result()

    def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> _Cursor:
        return _Cursor(self._wait(self._db._fetch(self._connection, sql, params)))

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._wait(self._db._executemany(self._connection, sql, rows))


class PostgresDatabase(Database):
    engine = "postgresql"
    Error = asyncpg.PostgresError
    shared = True

    def __init__(self, url: str):
        self.url = url
        self._pool: asyncpg.Pool | None = None
        self._keys: dict[str, tuple[str, ...]] = {}
        self._identity: dict[str, str] = {}
        self._parameter_types: dict[str, list[str]] = {}

    def describe(self) -> str:
        return redact(self.url)

    # --- life cycle -------------------------------------------------------------------------------

    async def open(self) -> PostgresDatabase:
        try:
            self._pool = await asyncpg.create_pool(
                self.url, min_size=1, max_size=POOL_SIZE, init=self._prepare
            )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
            raise DatabaseUnreachable(f"{self.describe()}: {error}") from error
        async with self._pool.acquire() as connection, connection.transaction():
            # Two replicas starting together must not both create the same function at once.
            await connection.execute("SELECT pg_advisory_xact_lock($1)", SETUP_LOCK)
            for function in COMPAT_FUNCTIONS:
                await connection.execute(function)
            await connection.execute(self._translate(CORE_SCHEMA_VERSIONS).text)
        await self._schema_changed()
        return self

    @staticmethod
    async def _prepare(connection: asyncpg.Connection) -> None:
        await connection.set_type_codec(
            "numeric", encoder=str, decoder=_number, schema="pg_catalog", format="text"
        )

    async def close(self) -> None:
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await pool.close()

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("database is not open")
        return self._pool

    async def _schema_changed(self) -> None:
        async with self._connection() as connection:
            keys: dict[str, list[str]] = {}
            for row in await connection.fetch(_CATALOG_KEYS):
                keys.setdefault(row["table_name"], []).append(row["column_name"])
            self._keys = {table: tuple(columns) for table, columns in keys.items()}
            self._identity = {
                row["table_name"]: row["column_name"] for row in await connection.fetch(_CATALOG_IDENTITIES)
            }

    def primary_key(self, table: str) -> tuple[str, ...]:
        return self._keys.get(table, ())

    def _translate(self, sql: str) -> PgStatement:
        return to_postgres(sql, self.primary_key)

    # --- connections and transactions -------------------------------------------------------------

    @asynccontextmanager
    async def _connection(self):
        current = _current.get()
        if current is not None:
            yield current
            return
        async with self.pool.acquire() as connection:
            yield connection

    @asynccontextmanager
    async def transaction(self):
        """All statements inside run atomically, one such block at a time across every replica (as
        SQLite's write lock); an exception rolls everything back."""
        if _current.get() is not None:
            yield self
            return
        async with self.pool.acquire() as connection:
            token = _current.set(connection)
            try:
                async with connection.transaction():
                    await connection.execute("SELECT pg_advisory_xact_lock($1)", WRITE_LOCK)
                    yield self
            finally:
                _current.reset(token)

    async def run(self, work: Callable[[BridgedSession], T]) -> T:
        """Run `work(session)` as one transaction. Its claims lock their rows (FOR UPDATE SKIP LOCKED)
        rather than the whole database, so it does not take transaction()'s lock."""
        loop = asyncio.get_running_loop()
        current = _current.get()
        if current is not None:
            return await asyncio.to_thread(work, BridgedSession(self, current, loop))
        async with self.pool.acquire() as connection:
            token = _current.set(connection)
            try:
                async with connection.transaction():
                    return await asyncio.to_thread(work, BridgedSession(self, connection, loop))
            finally:
                _current.reset(token)

    # --- statements -------------------------------------------------------------------------------

    async def _call(self, method: Callable, statement: PgStatement, arguments: Sequence[Any]):
        try:
            return await method(statement.text, *arguments)
        except asyncpg.DataError as error:
            if "invalid input for query argument" not in str(error):
                raise
        types = self._parameter_types.get(statement.text)
        if types is None:
            prepared = await method.__self__.prepare(statement.text)  # type: ignore[attr-defined]  # a bound method
            types = self._parameter_types[statement.text] = [p.name for p in prepared.get_parameters()]
        return await method(
            statement.text,
            *(_as_sqlite_stores(value, type_name) for value, type_name in zip(arguments, types, strict=True)),
        )

    async def _fetch(self, connection: asyncpg.Connection, sql: str, params: Sequence[Any] | dict) -> list:
        statement = self._translate(sql)
        return await self._call(connection.fetch, statement, statement.arguments(params))

    async def _executemany(
        self, connection: asyncpg.Connection, sql: str, rows: Iterable[Sequence[Any]]
    ) -> None:
        statement = self._translate(sql)
        rows = [statement.arguments(row) for row in rows]
        if not rows:
            return
        try:
            await connection.executemany(statement.text, rows)
        except asyncpg.DataError as error:
            if "invalid input for query argument" not in str(error):
                raise
            for row in rows:
                await self._call(connection.execute, statement, row)

    async def execute(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        """Run one statement; returns the new row's id (for an insert into a table with one) or 0."""
        statement = self._translate(sql)
        if not statement.text:
            return 0
        arguments = statement.arguments(params)
        identity = self._identity.get(statement.insert_into or "")
        async with self._connection() as connection:
            if identity and not statement.returns:
                text = statement.text.rstrip().rstrip(";") + f" RETURNING {identity}"
                rows = await self._call(connection.fetch, PgStatement(text, None, 0, None, True), arguments)
                return rows[0][0] if rows else 0
            if not arguments:
                await connection.execute(
                    statement.text
                )  # may be several statements (a table and its trigger)
                return 0
            await self._call(connection.execute, statement, arguments)
            return 0

    async def execute_script(self, script: str) -> None:
        """Every statement translated, then sent together: one round trip for a whole migration."""
        texts = [self._translate(statement).text for statement in split_sql(script)]
        async with self._connection() as connection:
            await connection.execute(";\n".join(text for text in texts if text))

    async def execute_rowcount(self, sql: str, params: Sequence[Any] | dict = ()) -> int:
        statement = self._translate(sql)
        async with self._connection() as connection:
            return _status_count(await self._call(connection.execute, statement, statement.arguments(params)))

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        async with self._connection() as connection:
            await self._executemany(connection, sql, rows)

    async def fetchone(self, sql: str, params: Sequence[Any] | dict = ()):
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Sequence[Any] | dict = ()) -> list:
        async with self._connection() as connection:
            return await self._fetch(connection, sql, params)

    async def fetchall_inline(self, sql: str, params: Sequence[Any] | dict = ()) -> list:
        """The same as fetchall here: there is no database thread to skip."""
        return await self.fetchall(sql, params)

    async def tables(self) -> list[str]:
        rows = await self.fetchall(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename"
        )
        return [row[0] for row in rows]

    async def columns(self, table: str) -> list[str]:
        rows = await self.fetchall(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
            " AND table_name = ? ORDER BY ordinal_position",
            (table,),
        )
        return [row[0] for row in rows]

    async def references(self, table: str) -> set[str]:
        rows = await self.fetchall(
            """SELECT DISTINCT parent.relname FROM pg_constraint c
               JOIN pg_class child ON child.oid = c.conrelid JOIN pg_class parent ON parent.oid = c.confrelid
               JOIN pg_namespace n ON n.oid = child.relnamespace
               WHERE c.contype = 'f' AND child.relname = ? AND n.nspname = current_schema()""",
            (table,),
        )
        return {row[0] for row in rows}

    async def bulk_insert(self, table: str, columns: list[str], rows: list[tuple]) -> None:
        """COPY, with each value converted to its column's type as SQLite would have stored it."""
        types = {
            row[0]: row[1]
            for row in await self.fetchall(
                "SELECT column_name, udt_name FROM information_schema.columns"
                " WHERE table_schema = current_schema() AND table_name = ?",
                (table,),
            )
        }
        kinds = [types[column] for column in columns]
        records = [
            tuple(_as_sqlite_stores(value, kind) for value, kind in zip(row, kinds, strict=True))
            for row in rows
        ]
        async with self._connection() as connection:
            await connection.copy_records_to_table(table, records=records, columns=columns)

    async def last_issued_id(self, table: str) -> int:
        sequence = await self.fetchval(
            "SELECT pg_get_serial_sequence(?, ?)", (table, self._identity.get(table, "id"))
        )
        if sequence is None:
            return 0
        return await self.fetchval(f"SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {sequence}")

    async def checkpoint(self) -> None:
        """After an erasure: VACUUM, so deleted rows leave the tables and indexes (PostgreSQL has no
        secure_delete; see docs/deployment.md for what stays in free space and the WAL)."""
        if _current.get() is not None:
            return  # VACUUM cannot run inside a transaction; the caller's commit comes first
        async with self.pool.acquire() as connection:
            await connection.execute("VACUUM")
