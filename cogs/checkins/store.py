"""The check-ins tables and the SQL over them. Plain SQL, one place, so the cog reads as behaviour."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.days import weekdays_from_text
from bot.storage import Migration
from cogs.checkins.timing import CheckinSchedule, QuietHours

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
    ),
    Migration(
        2,
        "each check-in keeps the questions it was sent with, and its state before the latest answer",
        """
        ALTER TABLE checkin_entries ADD COLUMN steps TEXT NOT NULL DEFAULT ',mood,craving,on_track,intention,note,';
        ALTER TABLE checkin_entries ADD COLUMN before_answer TEXT;
        """,
    ),
]

# The step after :column in an entry's ",mood,craving,...," list, or 'done' after the last one.
_AFTER = "substr(steps, instr(steps, ',' || :column || ',') + length(:column) + 2)"
NEXT_STEP_SQL = f"(CASE WHEN {_AFTER} = '' THEN 'done' ELSE substr({_AFTER}, 1, instr({_AFTER}, ',') - 1) END)"


def next_step_in(steps: str, key: str) -> str:
    """The same rule in Python: the step after `key` in ",a,b,c,", or 'done'."""
    keys = [k for k in steps.split(",") if k]
    return keys[keys.index(key) + 1] if key in keys and keys.index(key) + 1 < len(keys) else "done"

ANSWER_COLUMNS = ("mood", "craving", "on_track", "intention", "note")
SHARE_ITEMS = {"checkins": "share_checked_in", "mood": "share_mood", "ontrack": "share_on_track"}


def unix(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def from_unix(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def schedule_of(row: Any) -> CheckinSchedule:
    return schedule_from(row["local_time"], row["timezone"], row["days"], row["paused_until"],
                         row["quiet_start"], row["quiet_end"])


@lru_cache(maxsize=4096)
def schedule_from(local_time: str, timezone: str, days: str, paused_until: str | None, quiet_start: str | None,
                  quiet_end: str | None) -> CheckinSchedule:
    # Thousands of members share a handful of schedules: build each one once.
    quiet = None
    if quiet_start and quiet_end:
        quiet = QuietHours(time.fromisoformat(quiet_start), time.fromisoformat(quiet_end))
    return CheckinSchedule(
        local_time=time.fromisoformat(local_time),
        timezone=timezone,
        weekdays=weekdays_from_text(days),
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

    # --- entries ----------------------------------------------------------------------------------

    async def entry(self, member_id: int, day: date):
        return await self.db.fetchone(
            "SELECT * FROM checkin_entries WHERE member_id = ? AND day = ?", (member_id, day.isoformat())
        )

    async def open_entry(self, member_id: int, day: date, community_id: int, steps: str, now: datetime) -> bool:
        """Create the day's entry if it does not exist yet. Returns whether it was created."""
        first = next((k for k in steps.split(",") if k), "done")
        return bool(
            await self.db.execute_rowcount(
                """INSERT OR IGNORE INTO checkin_entries (member_id, day, community_id, step, steps, sent_at)
                   VALUES (?,?,?,?,?,?)""",
                (member_id, day.isoformat(), community_id, first, steps, now.isoformat()),
            )
        )

    async def answer(self, platform: str, user_id: str, day: date, column: str, value: Any, now: datetime):
        """Record one tap in one statement (the hot path): find the member by their account and
        consent, store the value, move the entry on if this was its current question.

        Returns (member_id, community_id, step now, step before, on_track before), or None when this
        account is not in check-ins or has no check-in that day.
        """
        if column not in ANSWER_COLUMNS:
            raise ValueError(column)
        # On the event loop's thread (fetchall_inline): a trip to the database thread costs more than this.
        rows = await self.db.fetchall_inline(
            f"""UPDATE checkin_entries SET
                  {column} = :value,
                  answered_at = COALESCE(answered_at, :now),
                  before_answer = step || '|' || COALESCE(on_track, ''),
                  step = CASE WHEN step = :column THEN {NEXT_STEP_SQL} ELSE step END,
                  completed_at = CASE WHEN step = :column AND {NEXT_STEP_SQL} = 'done'
                                      THEN COALESCE(completed_at, :now) ELSE completed_at END
                WHERE day = :day AND member_id = (
                  SELECT i.member_id FROM identities i
                  JOIN consents c ON c.member_id = i.member_id AND c.feature = 'checkins'
                  WHERE i.platform = :platform AND i.user_id = :user_id)
                RETURNING member_id, community_id, step, before_answer""",
            {"value": value, "now": now.isoformat(), "column": column, "day": day.isoformat(),
             "platform": platform, "user_id": user_id},
        )
        if not rows:
            return None
        row = rows[0]
        step_before, _, on_track_before = row["before_answer"].partition("|")
        return row["member_id"], row["community_id"], row["step"], step_before, on_track_before or None

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

    async def partners(self, member_id: int, live_only: bool = True) -> list:
        """(partner_id, partner_name) rows: the name (sealed) is the one the partner had when they paired.

        Consent is read here, at every read: a partnership is live only while both members are in
        check-ins (`consents`), so an opt-out, with or without keeping data, ends every partner view and
        every message to or about them at once. `live_only=False` is for the member's own export."""
        if not live_only:
            return await self.db.fetchall(
                "SELECT partner_id, partner_name FROM checkin_partners WHERE member_id = ? ORDER BY since",
                (member_id,),
            )
        return await self.db.fetchall(
            """SELECT p.partner_id, p.partner_name FROM checkin_partners p
               WHERE p.member_id = ?1
                 AND EXISTS (SELECT 1 FROM consents WHERE member_id = ?1 AND feature = 'checkins')
                 AND EXISTS (SELECT 1 FROM consents c WHERE c.member_id = p.partner_id AND c.feature = 'checkins')
               ORDER BY p.since""",
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
