"""The check-ins tables and the SQL over them. Plain SQL, one place, so the cog reads as behaviour."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.storage import Migration
from cogs.checkins.timing import QuietHours, Schedule, days_from_text

if TYPE_CHECKING:
    from bot.storage import Database

MIGRATIONS = [
    Migration(
        1,
        "check-in schedules, answers, sobriety periods, milestones and partners",
        """
        CREATE TABLE checkin_members (
            member_id     INTEGER PRIMARY KEY REFERENCES members(id) ON DELETE CASCADE,
            community_id  INTEGER NOT NULL,
            local_time    TEXT NOT NULL,
            timezone      TEXT NOT NULL,
            days          TEXT NOT NULL,
            quiet_start   TEXT,
            quiet_end     TEXT,
            paused        INTEGER NOT NULL DEFAULT 0,
            paused_until  TEXT,
            next_due      INTEGER,
            next_day      TEXT,
            reminder_due  INTEGER,
            reminder_day  TEXT,
            sober_since   TEXT,
            announce_milestones INTEGER NOT NULL DEFAULT 0,
            announce_name TEXT,
            milestones_seen_through TEXT,
            share_checked_in INTEGER NOT NULL DEFAULT 1,
            share_mood    INTEGER NOT NULL DEFAULT 0,
            share_on_track INTEGER NOT NULL DEFAULT 0,
            partner_summary INTEGER NOT NULL DEFAULT 0,
            joined_at     TEXT NOT NULL
        );
        CREATE INDEX checkin_members_due ON checkin_members(next_due) WHERE next_due IS NOT NULL;
        CREATE INDEX checkin_members_reminder ON checkin_members(reminder_due) WHERE reminder_due IS NOT NULL;
        CREATE TABLE checkin_entries (
            member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            day           TEXT NOT NULL,
            community_id  INTEGER NOT NULL,
            step          TEXT NOT NULL,
            sent_at       TEXT NOT NULL,
            answered_at   TEXT,
            completed_at  TEXT,
            mood          INTEGER CHECK (mood BETWEEN 1 AND 5),
            craving       INTEGER CHECK (craving BETWEEN 0 AND 10),
            on_track      TEXT CHECK (on_track IN ('yes', 'struggling', 'slip')),
            intention     TEXT,
            note          TEXT,
            reminded      INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY (member_id, day)
        );
        CREATE INDEX checkin_entries_day ON checkin_entries(community_id, day);
        CREATE INDEX checkin_entries_notes ON checkin_entries(answered_at) WHERE note IS NOT NULL;
        CREATE TABLE checkin_sober_periods (
            member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            started       TEXT NOT NULL,
            ended         TEXT,
            PRIMARY KEY (member_id, started)
        );
        CREATE TABLE checkin_partner_invites (
            token         TEXT PRIMARY KEY,
            inviter_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            inviter_name  TEXT NOT NULL,
            created_at    TEXT NOT NULL
        );
        CREATE TABLE checkin_partners (
            member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            partner_id    INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            partner_name  TEXT NOT NULL,
            since         TEXT NOT NULL,
            PRIMARY KEY (member_id, partner_id)
        );
        """,
    )
]

ANSWER_COLUMNS = ("mood", "craving", "on_track", "intention", "note")
SHARE_ITEMS = {"checkins": "share_checked_in", "mood": "share_mood", "ontrack": "share_on_track"}


def unix(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def from_unix(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def schedule_of(row: Any) -> Schedule:
    return _schedule(row["local_time"], row["timezone"], row["days"], row["paused_until"], row["quiet_start"],
                     row["quiet_end"])


@lru_cache(maxsize=4096)
def _schedule(local_time: str, timezone: str, days: str, paused_until: str | None, quiet_start: str | None,
              quiet_end: str | None) -> Schedule:
    # Thousands of members share a handful of schedules: build each one once.
    quiet = None
    if quiet_start and quiet_end:
        quiet = QuietHours(time.fromisoformat(quiet_start), time.fromisoformat(quiet_end))
    return Schedule(
        local_time=time.fromisoformat(local_time),
        timezone=timezone,
        weekdays=days_from_text(days),
        paused_until=date.fromisoformat(paused_until) if paused_until else None,
        quiet=quiet,
    )


class CheckinStore:
    def __init__(self, db: Database):
        self.db = db

    # --- participants -----------------------------------------------------------------------------

    async def participant(self, member_id: int):
        return await self.db.fetchone("SELECT * FROM checkin_members WHERE member_id = ?", (member_id,))

    async def save_schedule(self, member_id: int, community_id: int, local_time: str, timezone: str,
                            days: str, joined_at: str) -> None:
        await self.db.execute(
            """INSERT INTO checkin_members (member_id, community_id, local_time, timezone, days, joined_at)
               VALUES (?,?,?,?,?,?)
               ON CONFLICT (member_id) DO UPDATE SET local_time = excluded.local_time,
                 timezone = excluded.timezone, days = excluded.days""",
            (member_id, community_id, local_time, timezone, days, joined_at),
        )

    async def update(self, member_id: int, **columns: Any) -> None:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        await self.db.execute(
            f"UPDATE checkin_members SET {assignments} WHERE member_id = ?", (*columns.values(), member_id)
        )

    async def earliest_due(self) -> int | None:
        """The first moment anything (a check-in or a reminder) is due; two index lookups."""
        row = await self.db.fetchone(
            """SELECT (SELECT MIN(next_due) FROM checkin_members WHERE next_due IS NOT NULL),
                      (SELECT MIN(reminder_due) FROM checkin_members WHERE reminder_due IS NOT NULL)"""
        )
        moments = [m for m in row if m is not None]
        return min(moments) if moments else None

    async def answer_context(self, platform: str, user_id: str, day: date):
        """For one tap: who answers, whether they are in check-ins, and that day's entry, in one query."""
        return await self.db.fetchone(
            """SELECT i.member_id, cm.community_id, e.step, e.on_track, e.day AS entry_day
               FROM identities i
               JOIN consents c ON c.member_id = i.member_id AND c.feature = 'checkins'
               JOIN checkin_members cm ON cm.member_id = i.member_id
               LEFT JOIN checkin_entries e ON e.member_id = i.member_id AND e.day = ?
               WHERE i.platform = ? AND i.user_id = ?""",
            (day.isoformat(), platform, user_id),
        )

    # --- entries ----------------------------------------------------------------------------------

    async def entry(self, member_id: int, day: date):
        return await self.db.fetchone(
            "SELECT * FROM checkin_entries WHERE member_id = ? AND day = ?", (member_id, day.isoformat())
        )

    async def open_entry(self, member_id: int, day: date, community_id: int, step: str, now: datetime) -> bool:
        """Create the day's entry if it does not exist yet. Returns whether it was created."""
        return bool(
            await self.db.execute_rowcount(
                """INSERT OR IGNORE INTO checkin_entries (member_id, day, community_id, step, sent_at)
                   VALUES (?,?,?,?,?)""",
                (member_id, day.isoformat(), community_id, step, now.isoformat()),
            )
        )

    async def record_answer(self, member_id: int, day: date, column: str, value: Any, next_step: str | None,
                            now: datetime) -> bool:
        """Store one answer (and move the entry on) in one statement, so it is durable when we reply."""
        if column not in ANSWER_COLUMNS:
            raise ValueError(column)
        step_sql = ", step = ?" if next_step else ""
        done_sql = ", completed_at = COALESCE(completed_at, ?)" if next_step == "done" else ""
        params: list[Any] = [value, now.isoformat()]
        if next_step:
            params.append(next_step)
        if next_step == "done":
            params.append(now.isoformat())
        params += [member_id, day.isoformat()]
        return bool(
            await self.db.execute_rowcount(
                f"""UPDATE checkin_entries SET {column} = ?, answered_at = COALESCE(answered_at, ?)
                    {step_sql}{done_sql} WHERE member_id = ? AND day = ?""",
                params,
            )
        )

    async def set_step(self, member_id: int, day: date, step: str, now: datetime) -> None:
        done = now.isoformat() if step == "done" else None
        await self.db.execute(
            """UPDATE checkin_entries SET step = ?, completed_at = COALESCE(completed_at, ?)
               WHERE member_id = ? AND day = ?""",
            (step, done, member_id, day.isoformat()),
        )

    async def entries(self, member_id: int, since: date | None = None) -> list:
        return await self.db.fetchall(
            "SELECT * FROM checkin_entries WHERE member_id = ? AND day >= ? ORDER BY day",
            (member_id, (since or date.min).isoformat()),
        )

    async def checked_in_days(self, member_id: int) -> list[date]:
        rows = await self.db.fetchall(
            "SELECT day FROM checkin_entries WHERE member_id = ? AND answered_at IS NOT NULL", (member_id,)
        )
        return [date.fromisoformat(row[0]) for row in rows]

    async def forget_old_notes(self, community_id: int, before: datetime) -> int:
        """Retention: notes and intentions answered before `before` are cleared; the numbers stay."""
        return await self.db.execute_rowcount(
            """UPDATE checkin_entries SET note = NULL, intention = NULL
               WHERE community_id = ? AND answered_at < ? AND (note IS NOT NULL OR intention IS NOT NULL)""",
            (community_id, before.isoformat()),
        )

    # --- sobriety ---------------------------------------------------------------------------------

    async def sober_periods(self, member_id: int) -> list:
        return await self.db.fetchall(
            "SELECT started, ended FROM checkin_sober_periods WHERE member_id = ? ORDER BY started", (member_id,)
        )

    async def replace_sober_periods(self, member_id: int, periods) -> None:
        async with self.db.transaction() as db:
            await db.execute("DELETE FROM checkin_sober_periods WHERE member_id = ?", (member_id,))
            for period in periods:
                await db.execute(
                    "INSERT INTO checkin_sober_periods (member_id, started, ended) VALUES (?,?,?)",
                    (member_id, period.started.isoformat(), period.ended.isoformat() if period.ended else None),
                )
            current = periods[-1].started.isoformat() if periods and periods[-1].ended is None else None
            await db.execute(
                "UPDATE checkin_members SET sober_since = ?, milestones_seen_through = ? WHERE member_id = ?",
                (current, current, member_id),
            )

    # --- partners ---------------------------------------------------------------------------------

    async def partners(self, member_id: int) -> list:
        """(partner_id, partner_name) rows: the name is the one the partner had when they paired."""
        return await self.db.fetchall(
            "SELECT partner_id, partner_name FROM checkin_partners WHERE member_id = ? ORDER BY since",
            (member_id,),
        )

    async def pair(self, a: int, a_name: str, b: int, b_name: str, now: datetime) -> None:
        async with self.db.transaction() as db:
            for first, second, second_name in ((a, b, b_name), (b, a, a_name)):
                await db.execute(
                    """INSERT OR IGNORE INTO checkin_partners (member_id, partner_id, partner_name, since)
                       VALUES (?,?,?,?)""",
                    (first, second, second_name, now.isoformat()),
                )

    async def unpair(self, a: int, b: int) -> bool:
        return bool(
            await self.db.execute_rowcount(
                """DELETE FROM checkin_partners WHERE (member_id = ? AND partner_id = ?)
                   OR (member_id = ? AND partner_id = ?)""",
                (a, b, b, a),
            )
        )

    # --- erasure ----------------------------------------------------------------------------------

    async def delete_member(self, member_id: int) -> None:
        async with self.db.transaction() as db:
            for sql in (
                "DELETE FROM checkin_entries WHERE member_id = ?",
                "DELETE FROM checkin_sober_periods WHERE member_id = ?",
                "DELETE FROM checkin_partner_invites WHERE inviter_id = ?",
                "DELETE FROM checkin_partners WHERE member_id = ?1 OR partner_id = ?1",
                "DELETE FROM checkin_members WHERE member_id = ?",
            ):
                await db.execute(sql, (member_id,))
