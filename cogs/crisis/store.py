"""The crisis cog's tables and SQL. No table here ever holds what a member wrote in a message.

- crisis_member_prefs: a member's own country (only after they opted in to "crisis").
- crisis_safety_plans: a member's safety plan, one row per section, sealed with the vault.
- crisis_alerts: one row per moderator alert: level, category, where (channel and message link), and
  which moderator acknowledged. It does not say who the member is: the alert message in the moderators'
  channel names them, the database does not, so nothing is kept about someone who never opted in.
- crisis_alert_copies: where an alert's messages went (a channel, or a moderator's direct-message
  channel) and their ids, so that "taken by ..." reaches every copy; goes with its alert.
- crisis_cooldowns: what each person was last answered about and until when a repeat stays quiet,
  keyed by a digest of their account (never the account), gone when the cool-down ends. On disk so a
  restart does not answer a repeat again (and a re-delivered message is not silenced by its own record).

An alert is unique per source event (the platform's id of the message that raised it), so a message
delivered again after a crash raises no second alert. While an alert's first delivery is under way its
row holds, sealed, whom to answer (`pending_member`), so a restart can finish it; that goes at once after.
"""

from __future__ import annotations

import json

from bot.model import PlaceRef
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
    ),
    Migration(
        2,
        "crisis: where each alert was sent, so that an acknowledgement is told everywhere it went",
        """
        CREATE TABLE crisis_alert_copies (
            alert_id   INTEGER NOT NULL REFERENCES crisis_alerts(id) ON DELETE CASCADE,
            platform   TEXT NOT NULL,
            place_id   TEXT NOT NULL,
            is_direct  INTEGER NOT NULL,
            scope_id   TEXT,
            message_id TEXT NOT NULL,
            PRIMARY KEY (alert_id, platform, place_id, message_id)
        );
        """,
    ),
    Migration(
        3,
        "crisis: one alert per source event, its first delivery finished after a crash, cool-downs on disk",
        """
        ALTER TABLE crisis_alerts ADD COLUMN source_event TEXT;
        ALTER TABLE crisis_alerts ADD COLUMN pending_member TEXT;
        CREATE UNIQUE INDEX crisis_alerts_source ON crisis_alerts(source_event) WHERE source_event IS NOT NULL;
        CREATE TABLE crisis_cooldowns (
            who          TEXT PRIMARY KEY,
            level        TEXT NOT NULL,
            kinds        TEXT NOT NULL,
            until        TEXT NOT NULL,
            source_event TEXT
        );
        """,
    ),
]


class CrisisStore:
    def __init__(self, db: Database):
        self.db = db

    # --- member country ---------------------------------------------------------------------------

    async def country(self, member_id: int | None) -> str | None:
        if member_id is None:
            return None
        return await self.db.fetchval(
            "SELECT country FROM crisis_member_prefs WHERE member_id = ?", (member_id,)
        )

    async def set_country(self, member_id: int, country: str | None, now: str) -> None:
        await self.db.execute(
            "INSERT OR REPLACE INTO crisis_member_prefs (member_id, country, updated_at) VALUES (?,?,?)",
            (member_id, country, now),
        )

    async def holds_data(self, member_id: int | None) -> bool:
        """Whether a country or any safety-plan section is stored for this member."""
        if member_id is None:
            return False
        return bool(
            await self.db.fetchval(
                "SELECT 1 FROM crisis_member_prefs WHERE member_id = ? AND country IS NOT NULL UNION ALL "
                "SELECT 1 FROM crisis_safety_plans WHERE member_id = ? LIMIT 1",
                (member_id, member_id),
            )
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
        return await self.db.execute_rowcount(
            "DELETE FROM crisis_safety_plans WHERE member_id = ?", (member_id,)
        )

    async def delete_member(self, member_id: int) -> None:
        async with self.db.transaction() as db:
            await db.execute("DELETE FROM crisis_safety_plans WHERE member_id = ?", (member_id,))
            await db.execute("DELETE FROM crisis_member_prefs WHERE member_id = ?", (member_id,))

    # --- alerts -----------------------------------------------------------------------------------

    async def create_alert(self, **fields) -> int:
        """The new alert's id; with a `source_event` already alerted, that alert's id (nothing is added)."""
        names = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        async with self.db.transaction() as db:
            rows = await db.fetchall(
                f"INSERT OR IGNORE INTO crisis_alerts ({names}) VALUES ({marks}) RETURNING id",
                tuple(fields.values()),
            )
            if rows:
                return rows[0][0]
            return await db.fetchval(
                "SELECT id FROM crisis_alerts WHERE source_event = ?", (fields["source_event"],)
            )

    async def settle_alert(self, alert_id: int) -> None:
        """Its first delivery is done: whom it was about is no longer kept."""
        await self.db.execute("UPDATE crisis_alerts SET pending_member = NULL WHERE id = ?", (alert_id,))

    # --- cool-downs -------------------------------------------------------------------------------

    async def cooldown(self, who: str):
        return await self.db.fetchone("SELECT * FROM crisis_cooldowns WHERE who = ?", (who,))

    async def set_cooldown(
        self, who: str, level: str, kinds: list, until: str, source_event: str | None
    ) -> None:
        await self.db.execute(
            "INSERT OR REPLACE INTO crisis_cooldowns (who, level, kinds, until, source_event) VALUES (?,?,?,?,?)",
            (who, level, json.dumps(kinds), until, source_event),
        )

    async def forget_cooldowns(self, whos: list[str], ended_by: str | None = None) -> int:
        """These people's cool-downs (`!forgetme`), and any that ended before `ended_by`."""
        removed = 0
        if whos:
            removed += await self.db.execute_rowcount(
                f"DELETE FROM crisis_cooldowns WHERE who IN ({','.join('?' * len(whos))})", whos
            )
        if ended_by is not None:
            removed += await self.db.execute_rowcount(
                "DELETE FROM crisis_cooldowns WHERE until < ?", (ended_by,)
            )
        return removed

    async def alert(self, alert_id: int):
        return await self.db.fetchone("SELECT * FROM crisis_alerts WHERE id = ?", (alert_id,))

    async def open_alerts(self, community_id: int):
        """Alerts nobody has acknowledged yet, newest first."""
        return await self.db.fetchall(
            "SELECT * FROM crisis_alerts WHERE community_id = ? AND acknowledged_at IS NULL "
            "ORDER BY created_at DESC, id DESC",
            (community_id,),
        )

    async def add_copies(self, alert_id: int, copies: list[tuple[PlaceRef, str]]) -> None:
        """Each (place, message id) this alert was sent as."""
        async with self.db.transaction() as db:
            for place, message_id in copies:
                await db.execute(
                    "INSERT OR IGNORE INTO crisis_alert_copies (alert_id, platform, place_id, is_direct, scope_id, "
                    "message_id) VALUES (?,?,?,?,?,?)",
                    (
                        alert_id,
                        place.platform,
                        place.place_id,
                        int(place.is_direct),
                        place.scope_id,
                        message_id,
                    ),
                )

    async def copy_places(self, alert_id: int) -> list[PlaceRef]:
        """Every distinct place this alert went to."""
        rows = await self.db.fetchall(
            "SELECT DISTINCT platform, place_id, is_direct, scope_id FROM crisis_alert_copies WHERE alert_id = ? "
            "ORDER BY platform, place_id",
            (alert_id,),
        )
        return [
            PlaceRef(row["platform"], row["place_id"], bool(row["is_direct"]), row["scope_id"])
            for row in rows
        ]

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
                (f"% ({key})",),
            )
        return changed

    async def count_realert(self, alert_id: int, round_: int) -> None:
        """Re-alert round `round_` is going out (the same round run again after a crash counts once)."""
        await self.db.execute(
            "UPDATE crisis_alerts SET realerts = CASE WHEN realerts < ? THEN ? ELSE realerts END"
            " WHERE id = ?",
            (round_, round_, alert_id),
        )

    async def mark_urgent(self, alert_id: int) -> None:
        await self.db.execute("UPDATE crisis_alerts SET urgent = 1 WHERE id = ?", (alert_id,))
