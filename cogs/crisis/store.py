"""The crisis cog's tables and SQL. No table here ever holds what a member wrote in a message.

- crisis_member_prefs: a member's own country (only after they opted in to "crisis").
- crisis_safety_plans: a member's safety plan, one row per section, sealed with the vault.
- crisis_alerts: one row per moderator alert: level, category, where (channel and message link), and
  which moderator acknowledged. It does not say who the member is: the alert message in the moderators'
  channel names them, the database does not, so nothing is kept about someone who never opted in.
"""

from __future__ import annotations

from bot.storage import Database, Migration

MIGRATIONS = [
    Migration(
        1,
        "crisis: member country, sealed safety plans, moderator alerts (no message text)",
        """
        CREATE TABLE crisis_member_prefs (
            member_id  INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
            country    TEXT,
            updated_at TEXT NOT NULL
        );
        CREATE TABLE crisis_safety_plans (
            member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            section    TEXT NOT NULL,
            sealed     TEXT NOT NULL,
            updated_at TEXT NOT NULL,
            PRIMARY KEY (member_id, section)
        );
        CREATE TABLE crisis_alerts (
            id               INTEGER PRIMARY KEY,
            community_id     INTEGER NOT NULL,
            level            TEXT NOT NULL,
            category         TEXT,
            source_platform  TEXT NOT NULL,
            source_place     TEXT,
            source_is_direct INTEGER NOT NULL DEFAULT 0,
            link             TEXT,
            created_at       TEXT NOT NULL,
            alert_platform   TEXT,
            alert_place      TEXT,
            alert_message    TEXT,
            realerts         INTEGER NOT NULL DEFAULT 0,
            urgent           INTEGER NOT NULL DEFAULT 0,
            acknowledged_by  TEXT,
            acknowledged_at  TEXT
        );
        """,
    )
]


class CrisisStore:
    def __init__(self, db: Database):
        self.db = db

    # --- member country ---------------------------------------------------------------------------

    async def country(self, member_id: int | None) -> str | None:
        if member_id is None:
            return None
        return await self.db.fetchval("SELECT country FROM crisis_member_prefs WHERE member_id = ?", (member_id,))

    async def set_country(self, member_id: int, country: str | None, now: str) -> None:
        await self.db.execute(
            "INSERT OR REPLACE INTO crisis_member_prefs (member_id, country, updated_at) VALUES (?,?,?)",
            (member_id, country, now),
        )

    # --- safety plans -----------------------------------------------------------------------------

    async def plan_rows(self, member_id: int) -> dict[str, str]:
        rows = await self.db.fetchall(
            "SELECT section, sealed FROM crisis_safety_plans WHERE member_id = ?", (member_id,)
        )
        return {row["section"]: row["sealed"] for row in rows}

    async def save_section(self, member_id: int, section: str, sealed: str | None, now: str) -> None:
        if sealed is None:
            await self.db.execute(
                "DELETE FROM crisis_safety_plans WHERE member_id = ? AND section = ?", (member_id, section)
            )
            return
        await self.db.execute(
            "INSERT OR REPLACE INTO crisis_safety_plans (member_id, section, sealed, updated_at) VALUES (?,?,?,?)",
            (member_id, section, sealed, now),
        )

    async def delete_plan(self, member_id: int) -> int:
        return await self.db.execute_rowcount("DELETE FROM crisis_safety_plans WHERE member_id = ?", (member_id,))

    async def delete_member(self, member_id: int) -> None:
        async with self.db.transaction() as db:
            await db.execute("DELETE FROM crisis_safety_plans WHERE member_id = ?", (member_id,))
            await db.execute("DELETE FROM crisis_member_prefs WHERE member_id = ?", (member_id,))

    # --- alerts -----------------------------------------------------------------------------------

    async def create_alert(self, **fields) -> int:
        names = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        return await self.db.execute(f"INSERT INTO crisis_alerts ({names}) VALUES ({marks})", tuple(fields.values()))

    async def alert(self, alert_id: int):
        return await self.db.fetchone("SELECT * FROM crisis_alerts WHERE id = ?", (alert_id,))


    async def acknowledge(self, alert_id: int, by: str, now: str) -> bool:
        """Record who took the alert; False if someone already had."""
        changed = await self.db.execute_rowcount(
            "UPDATE crisis_alerts SET acknowledged_by = ?, acknowledged_at = ? "
            "WHERE id = ? AND acknowledged_at IS NULL",
            (by, now, alert_id),
        )
        return bool(changed)

    async def forget_alerts_before(self, before: str) -> int:
        """Retention: alert rows (level, kind, where, who acknowledged) go after ALERT_RETENTION."""
        return await self.db.execute_rowcount("DELETE FROM crisis_alerts WHERE created_at < ?", (before,))

    async def anonymise_acknowledger(self, keys: list[str]) -> int:
        """A moderator who erases their data stays on past alerts only as 'a former moderator'."""
        changed = 0
        for key in keys:
            changed += await self.db.execute_rowcount(
                "UPDATE crisis_alerts SET acknowledged_by = 'a former moderator' WHERE acknowledged_by LIKE ?",
                (f"% ({key})",))
        return changed

    async def count_realert(self, alert_id: int) -> None:
        await self.db.execute("UPDATE crisis_alerts SET realerts = realerts + 1 WHERE id = ?", (alert_id,))

    async def mark_urgent(self, alert_id: int) -> None:
        await self.db.execute("UPDATE crisis_alerts SET urgent = 1 WHERE id = ?", (alert_id,))
