"""The project's SQL, turned into each engine's: the one place where SQLite and PostgreSQL differ.

Stores and migrations are written once, in SQLite's dialect (which is what they were written in first),
with three rules that make them portable:
  - a `(VALUES ...)` list whose column is compared with, or stored into, a number says so once, in its
    first row: `CAST(? AS INTEGER)` (PostgreSQL cannot guess a parameter's type there);
  - a statement that claims rows for itself alone may end in `FOR UPDATE [OF t] SKIP LOCKED`, and one
    that must see a row still there when it commits may read it `FOR KEY SHARE`: PostgreSQL locks
    them (other replicas skip or wait); SQLite drops the clause, as its writers already take turns;
  - no engine-only functions beyond `instr` (PostgreSQL gets one, see COMPAT_FUNCTIONS).

What changes for PostgreSQL (`to_postgres`), token by token, outside string literals and comments:
  - parameters: `?`, `?NNN` and `:name` become `$n` (named ones are bound from a dict, by name);
  - `INSERT OR IGNORE` becomes `INSERT ... ON CONFLICT DO NOTHING`, and `INSERT OR REPLACE` an upsert on
    the table's primary key (`ON CONFLICT (key) DO UPDATE SET` every inserted column);
  - types in CREATE/ALTER TABLE: INTEGER is BIGINT (and `INTEGER PRIMARY KEY`, SQLite's row id, an
    identity column whose sequence follows explicitly inserted ids, as SQLite's does), BLOB is BYTEA,
    REAL is DOUBLE PRECISION, TEXT is `TEXT COLLATE "C"` so text sorts and compares by code point as it
    does in SQLite, whatever the server's default collation;
  - `rowid` is `ctid` (only ever used to find a row again in the same transaction);
  - `WITHOUT ROWID` (a SQLite table stored in the order of its key) is nothing: PostgreSQL keeps the key
    in an index beside the rows, as it does for every table;
  - `LIKE` is `ILIKE` (SQLite's LIKE ignores ASCII case);
  - `PRAGMA ...` is nothing, `BEGIN IMMEDIATE` is `BEGIN`.

Why a small translator rather than a library: SQLAlchemy Core would mean rewriting every store's SQL as
Python expressions (and every other engineer's SQL with it) and would put its compiler on the hot paths
that today cost microseconds; sqlglot transpiles whole statements but still needs the schema for
`INSERT OR REPLACE`, the ids' sequences and the VALUES types, and does not translate `?`/`:name`
placeholders into asyncpg's `$n`. The differences this project meets are the dozen above, each a token
rule; translations are cached, so each distinct statement is translated once per process.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# --- splitting ------------------------------------------------------------------------------------


def split_sql(script: str) -> list[str]:
    """Split a script into statements, so they run inside our transaction (executescript commits)."""
    statements, current = [], ""
    for char in script:
        current += char
        if char == ";" and sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements


# --- tokens ---------------------------------------------------------------------------------------

_TOKEN = re.compile(
    r"""
      (?P<space>\s+)
    | (?P<comment>--[^\n]*|/\*.*?\*/)
    | (?P<string>'(?:[^']|'')*')
    | (?P<quoted>"(?:[^"]|"")*"|`[^`]*`|\[[^\]]*\])
    | (?P<cast>::)
    | (?P<param>\?\d*|[:@$][A-Za-z_][A-Za-z0-9_]*)
    | (?P<word>[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<number>\d+(?:\.\d*)?(?:[eE][-+]?\d+)?)
    | (?P<op>\|\||<=|>=|<>|!=|==|.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Token:
    kind: str
    text: str

    @property
    def upper(self) -> str:
        return self.text.upper() if self.kind == "word" else self.text


def tokens(sql: str) -> list[Token]:
    return [Token(match.lastgroup or "op", match.group()) for match in _TOKEN.finditer(sql)]


def _significant(items: list[Token]) -> list[int]:
    return [i for i, token in enumerate(items) if token.kind not in ("space", "comment")]


# --- SQLite ---------------------------------------------------------------------------------------

_LOCKING = re.compile(
    r"\s+FOR\s+(?:UPDATE|NO\s+KEY\s+UPDATE|SHARE|KEY\s+SHARE)(?:\s+OF\s+\w+(?:\s*,\s*\w+)*)?(?:\s+SKIP\s+LOCKED|\s+NOWAIT)?",
    re.IGNORECASE,
)


@lru_cache(maxsize=4096)
def to_sqlite(sql: str) -> str:
    """SQLite runs the project's SQL as written, less row-locking clauses (its writers take turns)."""
    if "FOR " not in sql.upper():
        return sql
    return _LOCKING.sub("", sql)


# --- PostgreSQL -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PgStatement:
    text: str
    names: tuple[str, ...] | None  # for `:name` parameters: the dict key of each $n, in order
    count: int  # how many $n parameters it takes
    insert_into: str | None  # the table an INSERT writes to (for the new row's id)
    returns: bool  # it has a RETURNING clause already

    def arguments(self, params: Sequence[Any] | dict) -> list[Any]:
        if self.names is not None:
            if not isinstance(params, dict):
                raise TypeError("this statement takes named parameters: pass a dict")
            return [params[name] for name in self.names]
        if isinstance(params, dict):
            raise TypeError("this statement takes positional parameters: pass a sequence")
        return list(params)


# Identity columns follow ids inserted by hand (a community's configured id, a copied database), as
# SQLite's row ids do: after each INSERT statement the sequence moves up to the largest id, never down.
FOLLOW_IDS_FUNCTION = """
CREATE OR REPLACE FUNCTION kindred_follow_ids() RETURNS trigger LANGUAGE plpgsql AS $body$
DECLARE
    sequence_name text := pg_get_serial_sequence(format('%I.%I', TG_TABLE_SCHEMA, TG_TABLE_NAME), TG_ARGV[0]);
    largest bigint;
    issued bigint;
BEGIN
    EXECUTE format('SELECT max(%I) FROM %I.%I', TG_ARGV[0], TG_TABLE_SCHEMA, TG_TABLE_NAME) INTO largest;
    EXECUTE format('SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM %s', sequence_name) INTO issued;
    IF largest > issued THEN
        PERFORM setval(sequence_name, largest);
    END IF;
    RETURN NULL;
END
$body$
"""

COMPAT_FUNCTIONS = (
    # SQLite's instr(haystack, needle): the 1-based position of needle, 0 if absent.
    "CREATE OR REPLACE FUNCTION instr(text, text) RETURNS integer LANGUAGE sql IMMUTABLE AS "
    "'SELECT strpos($1, $2)'",
    FOLLOW_IDS_FUNCTION,
)

_DDL_TYPES = {
    "INTEGER": "BIGINT",
    "INT": "BIGINT",
    "BLOB": "BYTEA",
    "REAL": "DOUBLE PRECISION",
    "TEXT": 'TEXT COLLATE "C"',
}


class Untranslatable(ValueError):
    """The statement uses SQLite that has no PostgreSQL form here."""


def to_postgres(sql: str, primary_key: Callable[[str], Sequence[str]]) -> PgStatement:
    """Translate one statement. `primary_key(table)` names a table's key columns (INSERT OR REPLACE)."""
    return _to_postgres(sql, primary_key)


@lru_cache(maxsize=4096)
def _to_postgres(sql: str, primary_key: Callable[[str], Sequence[str]]) -> PgStatement:
    items = tokens(sql)
    significant = _significant(items)
    words = [items[i].upper for i in significant]
    first = words[0] if words else ""
    if first == "PRAGMA":
        return PgStatement("", None, 0, None, False)
    if first == "BEGIN":
        return PgStatement("BEGIN", None, 0, None, False)
    ddl = first in ("CREATE", "ALTER") and len(words) > 1 and words[1] == "TABLE"
    table = _table_of(words) if first == "CREATE" and ddl else None
    identity_columns: list[str] = []

    out: list[str] = []
    names: list[str] = []
    named: dict[str, int] = {}
    highest = 0
    insert_into: str | None = None
    conflict: str | None = None
    returns = False
    depth = 0
    select_list_depth: int | None = None  # inside a SELECT list at this depth (for bare `rowid`)
    position = {index: n for n, index in enumerate(significant)}

    def following(index: int, offset: int = 1) -> str:
        n = position[index] + offset
        return words[n] if 0 <= n < len(words) else ""

    skip_until = -1
    for index, token in enumerate(items):
        if index <= skip_until:
            continue
        upper = token.upper
        if token.kind == "param":
            if token.text == "?":
                highest += 1
                out.append(f"${highest}")
            elif token.text.startswith("?"):
                number = int(token.text[1:])
                highest = max(highest, number)
                out.append(f"${number}")
            else:
                name = token.text[1:]
                if name not in named:
                    names.append(name)
                    named[name] = len(names)
                out.append(f"${named[name]}")
            continue
        if token.kind != "word":
            if token.text == "(":
                depth += 1
            elif token.text == ")":
                depth -= 1
                if select_list_depth is not None and depth < select_list_depth:
                    select_list_depth = None
            out.append(token.text)
            continue
        if upper == "INSERT" and following(index) == "OR":
            how = following(index, 2)
            if how not in ("IGNORE", "REPLACE"):
                raise Untranslatable(f"INSERT OR {how} has no PostgreSQL form: use ON CONFLICT")
            conflict = how
            out.append("INSERT")
            # drop "OR IGNORE"/"OR REPLACE" (and the space before them)
            skip_until = significant[position[index] + 2]
            continue
        if upper == "INTO" and insert_into is None and first in ("INSERT", "REPLACE"):
            insert_into = following(index).lower()
        if upper == "RETURNING" and depth == 0:
            returns = True
            if conflict:
                out.append(_conflict_clause(conflict, sql, insert_into, primary_key) + " ")
                conflict = None
        if upper == "SELECT":
            select_list_depth = depth
        elif upper == "FROM" and select_list_depth == depth:
            select_list_depth = None
        if upper == "WITHOUT" and ddl and following(index) == "ROWID":
            skip_until = significant[position[index] + 1]
            continue
        if upper == "ROWID":
            bare = select_list_depth == depth and following(index) != "AS"
            out.append("ctid AS rowid" if bare else "ctid")
            continue
        if upper == "LIKE":
            out.append("ILIKE")
            continue
        if upper == "AUTOINCREMENT":
            continue
        if ddl and upper in _DDL_TYPES and _is_type_position(words, position[index]):
            if (
                upper == "INTEGER"
                and following(index) == "PRIMARY"
                and following(index, 2) == "KEY"
                and table
                and not _references_follow(words, position[index])
            ):
                identity_columns.append(items[significant[position[index] - 1]].text)
                out.append("BIGINT GENERATED BY DEFAULT AS IDENTITY")
                continue
            out.append(_DDL_TYPES[upper])
            continue
        if upper == "INTEGER" and not ddl:  # CAST(? AS INTEGER): 64 bits, as SQLite's integers are
            out.append("BIGINT")
            continue
        out.append(token.text)

    text = "".join(out).strip()
    if conflict:
        text = text.rstrip(";").rstrip() + " " + _conflict_clause(conflict, sql, insert_into, primary_key)
    for column in identity_columns:
        text = text.rstrip(";").rstrip() + (
            f";\nCREATE TRIGGER {table}_{column}_follows_ids AFTER INSERT ON {table}"
            f" FOR EACH STATEMENT EXECUTE FUNCTION kindred_follow_ids('{column}')"
        )
    return PgStatement(text, tuple(names) if names else None, max(highest, len(names)), insert_into, returns)


def _table_of(words: list[str]) -> str | None:
    """The table a CREATE TABLE [IF NOT EXISTS] statement makes."""
    rest = words[2:]
    if rest[:3] == ["IF", "NOT", "EXISTS"]:
        rest = rest[3:]
    return rest[0].lower() if rest else None


def _is_type_position(words: list[str], n: int) -> bool:
    """A type name follows a column name (a word) in a column definition, not a keyword like AS/CAST."""
    before = words[n - 1] if n > 0 else ""
    return bool(re.fullmatch(r"[A-Z_][A-Z0-9_]*", before)) and before not in (
        "AS",
        "TABLE",
        "EXISTS",
        "ADD",
        "COLUMN",
        "KEY",
    )


def _references_follow(words: list[str], n: int) -> bool:
    """Whether this column's definition goes on to REFERENCES another table (a key copied, not made)."""
    depth = 0
    for word in words[n + 1 :]:
        if word == "(":
            depth += 1
        elif word == ")":
            if depth == 0:
                return False
            depth -= 1
        elif word == "," and depth == 0:
            return False
        elif word == "REFERENCES":
            return True
    return False


def _conflict_clause(
    how: str, sql: str, table: str | None, primary_key: Callable[[str], Sequence[str]]
) -> str:
    if how == "IGNORE":
        return "ON CONFLICT DO NOTHING"
    if table is None:
        raise Untranslatable("INSERT OR REPLACE without a table")
    columns = _inserted_columns(sql)
    key = list(primary_key(table))
    if not key:
        raise Untranslatable(f"INSERT OR REPLACE into {table}, which has no primary key")
    updates = [column for column in columns if column not in key]
    if not updates:
        return f"ON CONFLICT ({', '.join(key)}) DO NOTHING"
    return f"ON CONFLICT ({', '.join(key)}) DO UPDATE SET " + ", ".join(
        f"{column} = excluded.{column}" for column in updates
    )


def _inserted_columns(sql: str) -> list[str]:
    match = re.search(r"INTO\s+\w+\s*\(([^)]*)\)", sql, re.IGNORECASE)
    if not match:
        raise Untranslatable("INSERT OR REPLACE must name its columns")
    return [column.strip().lower() for column in match.group(1).split(",")]
