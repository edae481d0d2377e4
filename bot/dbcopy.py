"""`kindred db copy`: a whole community from one engine to the other (a SQLite file to PostgreSQL, or back).

The destination must be empty. It gets the schema from the same numbered migrations the bot runs, then
every row of every table, parents before children, in one transaction: a copy that fails leaves the
destination as empty as it was. Sealed values (members' notes, plans, names) are copied byte for byte,
so they open with the same data key; the copy then opens every one of them to prove it, when the key
is at hand. Row ids are kept, and PostgreSQL's id sequences move past them.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from bot.cog import SealedColumn
from bot.storage import Database, Migration
from bot.vault import Vault, VaultError


class CopyRefused(Exception):
    """The copy cannot start; the message says why and what to do."""


@dataclass
class CopyReport:
    rows: dict[str, int] = field(default_factory=dict)
    sealed_checked: int | None = None  # None: no data key at hand, nothing was opened

    def summary(self, source: str, destination: str) -> str:
        lines = [
            f"Copied {sum(self.rows.values())} rows in {len(self.rows)} tables from {source} to {destination}."
        ]
        lines += [f"  {table:<28} {count:>8}" for table, count in self.rows.items() if count]
        if self.sealed_checked is None:
            lines.append("Sealed values were copied as they are; no data key was found to open them here.")
        else:
            lines.append(f"All {self.sealed_checked} sealed values open with the data key.")
        return "\n".join(lines)


def _ordered(tables: list[str], references: dict[str, set[str]]) -> list[str]:
    """Parents before the tables that refer to them (a foreign key is checked as each row goes in)."""
    ordered: list[str] = []
    visiting: set[str] = set()

    def visit(table: str) -> None:
        if table in ordered or table in visiting:
            return
        visiting.add(table)
        for parent in sorted(references.get(table, ())):
            if parent in tables and parent != table:
                visit(parent)
        visiting.discard(table)
        ordered.append(table)

    for table in tables:
        visit(table)
    return ordered


async def copy_database(
    source: Database,
    destination: Database,
    declared: dict[str, list[Migration]],
    sealed: list[SealedColumn],
    vault: Vault | None,
) -> CopyReport:
    """Copy every row of an up-to-date `source` into an empty `destination` (both open)."""
    applied = {(row["component"], row["version"]) for row in await source.status()}
    pending = [
        f"{component} {m.version}"
        for component, migrations in declared.items()
        for m in migrations
        if (component, m.version) not in applied
    ]
    if pending:
        raise CopyRefused(
            f"{source.describe()} is not up to date ({len(pending)} migrations pending, e.g. "
            f"{pending[0]}): run `kindred db upgrade` on it first."
        )
    if any(table != "schema_versions" for table in await destination.tables()) or await destination.fetchval(
        "SELECT count(*) FROM schema_versions"
    ):
        raise CopyRefused(f"{destination.describe()} is not empty: copy into a new, empty database.")

    for component, migrations in declared.items():
        await destination.migrate(component, migrations)
    source_tables = set(await source.tables())
    tables = [table for table in await destination.tables() if table in source_tables]
    references = {table: await destination.references(table) for table in tables}
    report = CopyReport()
    async with destination.transaction():
        await destination.execute("DELETE FROM schema_versions")  # the source's history replaces it
        for table in _ordered(tables, references):
            columns = [c for c in await destination.columns(table) if c in set(await source.columns(table))]
            rows = await source.fetchall(f"SELECT {', '.join(columns)} FROM {table}")
            await destination.bulk_insert(table, columns, [tuple(row) for row in rows])
            report.rows[table] = len(rows)
    if vault is not None:
        report.sealed_checked = await check_sealed(destination, sealed, vault)
    return report


async def check_sealed(db: Database, sealed: list[SealedColumn], vault: Vault) -> int:
    """Open every sealed value with the key; raises VaultError naming the first that does not open."""
    opened = 0
    for column in sealed:
        for row in await db.fetchall(f"SELECT * FROM {column.table} WHERE {column.column} IS NOT NULL"):
            try:
                vault.open(row[column.column], column.context_for(row))
            except VaultError as error:
                raise VaultError(
                    f"a sealed value in {column.table}.{column.column} does not open: {error}"
                ) from None
            opened += 1
    return opened


class _CogCollector:
    """Stands in for the bot in each cog's `setup()`: keeps the cog (for its sealed columns)."""

    def __init__(self, bot):
        self._bot = bot
        self.cogs: list = []

    def __getattr__(self, name: str):
        return getattr(self._bot, name)

    async def add_cog(self, cog) -> None:
        self.cogs.append(cog)


async def sealed_columns_of(bot, modules: list[str]) -> list[SealedColumn]:
    """Every sealed column the default cogs declare, without adding them to a bot."""
    collector = _CogCollector(bot)
    for module in modules:
        await importlib.import_module(module).setup(collector)
    return [column for cog in collector.cogs for column in cog.sealed_columns]
