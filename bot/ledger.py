"""The scheduler's delivery ledger: one row per (schedule, occurrence), written before a handler runs.

A row exists once an occurrence is claimed ('running'), and ends as 'done', 'failed' or 'skipped'
(missed, outside its grace window). Claiming inserts only rows that are not there yet, so two settles
never both run an occurrence. A row a dead process left 'running' is run again at the next start
(bot/scheduler.py), its sends kept to once by the outbox (bot/outbox.py); `attempts` bounds that.

Many occurrences fall due at the same moment (every community's 08:30 in one timezone), and each
await on the database is a round trip to aiosqlite's thread that costs more than SQLite's work. So
each method here writes a whole batch in one statement: one round trip for up to `CHUNK` rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import islice
from typing import Any

from bot.storage import Database

# Rows per statement: at 4 parameters a row (2 for a claim) this stays under 999, the oldest SQLite limit of bound variables.
CHUNK = 200

LedgerKey = tuple[int, str]  # (schedule id, occurrence as UTC ISO text)


def _chunks(items: Sequence, size: int = CHUNK):
    for start in range(0, len(items), size):
        yield items[start : start + size]


def marks(values: Sequence[Any]) -> str:
    return ",".join("?" for _ in values)


def in_batches(
    items: Sequence, schedule_of: Callable[[Any], int] = lambda due: due.schedule_id
) -> list[list]:
    """Split into batches of at most `CHUNK` items in which each schedule appears once (the handlers
    report failures by schedule id; a schedule with two occurrences due gets them in order)."""
    batches: list[tuple[list, set[int]]] = []
    first_open = 0  # batches before this one are full
    for item in items:
        schedule_id = schedule_of(item)
        # A later batch only holds schedules that an earlier one has, so it is never the fuller one.
        target = next(
            (entry for entry in islice(batches, first_open, None) if schedule_id not in entry[1]), None
        )
        if target is None:
            target = ([], set())
            batches.append(target)
        target[0].append(item)
        target[1].add(schedule_id)
        while first_open < len(batches) and len(batches[first_open][0]) == CHUNK:
            first_open += 1
    return [batch for batch, _ in batches]


class DeliveryLedger:
    def __init__(self, db: Database):
        self.db = db

    async def claim(self, keys: Sequence[LedgerKey], status: str, now: str) -> set[LedgerKey]:
        """Insert a row with `status` for each key not in the ledger yet; returns the keys inserted.

        One `INSERT OR IGNORE ... RETURNING` per chunk: a statement is atomic on its own, and rows
        that already exist (claimed before, by this run, an earlier one or another replica) come back
        in nobody's result, so no two callers ever both get the same key. On PostgreSQL two replicas
        inserting the same key at once meet on the primary key: the second waits for the first to
        commit, then inserts nothing.
        """
        inserted: set[LedgerKey] = set()
        for chunk in _chunks(keys):
            # Only for schedules that still exist: a one-shot's row is deleted once its occurrence is
            # in the ledger, possibly by a settle running beside this one (FOREIGN KEY, otherwise). On
            # PostgreSQL the schedule row is read FOR KEY SHARE: a delete committed by another replica
            # after this statement began is seen, and one not yet begun waits for this claim.
            rows = await self.db.fetchall(
                "INSERT OR IGNORE INTO deliveries (schedule_id, occurrence, status, updated_at)"
                " SELECT claim.column1, claim.column2, ?, ? FROM (VALUES (CAST(? AS INTEGER),?)"
                + ",(?,?)"
                * (len(chunk) - 1)
                + ") AS claim WHERE EXISTS (SELECT 1 FROM schedules WHERE schedules.id = claim.column1 FOR KEY SHARE)"
                " RETURNING schedule_id, occurrence",
                [status, now, *(value for key in chunk for value in key)],
            )
            inserted.update((row[0], row[1]) for row in rows)
        return inserted

    async def forget_before(self, occurrence: str) -> int:
        """Drop rows of occurrences older than any catch-up looks back (the daily sweep), so the ledger
        holds days, not years."""
        return await self.db.execute_rowcount("DELETE FROM deliveries WHERE occurrence < ?", (occurrence,))

    async def record(self, outcomes: Sequence[tuple[int, str, str]], now: str) -> None:
        """Set each claimed row's final status: `outcomes` holds (schedule id, occurrence, status)."""
        for chunk in _chunks(outcomes):
            await self.db.execute(
                "UPDATE deliveries SET status = outcome.column3, updated_at = ? FROM (VALUES (CAST(? AS INTEGER),?,?)"
                + ",(?,?,?)" * (len(chunk) - 1)
                + ") AS outcome WHERE deliveries.schedule_id = outcome.column1"
                " AND deliveries.occurrence = outcome.column2",
                [now, *(value for outcome in chunk for value in outcome)],
            )

    async def count_attempt(self, keys: Sequence[LedgerKey], now: str) -> None:
        """One more run of each of these claimed occurrences is starting (a re-run after a crash)."""
        for chunk in _chunks(keys):
            await self.db.execute(
                "UPDATE deliveries SET attempts = attempts + 1, updated_at = ? FROM (VALUES (CAST(? AS INTEGER),?)"
                + ",(?,?)" * (len(chunk) - 1)
                + ") AS run WHERE deliveries.schedule_id = run.column1 AND deliveries.occurrence = run.column2",
                [now, *(value for key in chunk for value in key)],
            )
