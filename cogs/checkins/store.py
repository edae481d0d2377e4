"""The check-ins tables and the SQL over them. Plain SQL, one place, so the cog reads as behaviour."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from bot.days import weekdays_from_text
from bot.storage import Migration
from cogs.checkins.questions import ORDER
from cogs.checkins.streaks import CarriedStreak, carried_streak, carry_forward
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
    Migration(
        3,
        "compact check-ins: times as unix seconds, notes and intentions in their own table, daily totals "
        "and streaks kept as answers arrive",
        lambda db: compact_checkins(db),
    ),
]

# Migration 3. Sizes after a year at 10,000 members (bench/bench_scale.py): each day's row was about 236
# bytes with its indexes, and clearing notes after 90 days left its pages half empty. Now a day's row
# holds only numbers (stored in the order of its key, member and day: no separate index), its texts live
# in a table keyed by day first, whose expired rows are deleted whole, a few pages at a time (the pages
# are reused by new notes), moderators' totals are counted as check-ins are sent and answered, and a
# streak is carried forward on each day's first answer instead of being counted from every entry.
COMPACT_SCHEMA = """
CREATE TABLE checkin_days (
    member_id     INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
    day           TEXT NOT NULL,
    community_id  INTEGER NOT NULL,
    step          TEXT NOT NULL,
    steps         TEXT,
    sent_at       INTEGER NOT NULL,
    answered_at   INTEGER,
    completed_at  INTEGER,
    mood          INTEGER CHECK (mood BETWEEN 1 AND 5),
    craving       INTEGER CHECK (craving BETWEEN 0 AND 10),
    on_track      TEXT CHECK (on_track IN ('yes', 'struggling', 'slip')),
    reminded      INTEGER NOT NULL DEFAULT 0,
    before_answer TEXT,
    PRIMARY KEY (member_id, day)
) WITHOUT ROWID;
CREATE TABLE checkin_texts (
    community_id  INTEGER NOT NULL,
    day           TEXT NOT NULL,
    member_id     INTEGER NOT NULL,
    intention     TEXT,
    note          TEXT
);
CREATE TABLE checkin_daily_counts (
    community_id  INTEGER NOT NULL,
    day           TEXT NOT NULL,
    asked         INTEGER NOT NULL,
    answered      INTEGER NOT NULL,
    PRIMARY KEY (community_id, day)
) WITHOUT ROWID;
ALTER TABLE checkin_members ADD COLUMN streak_day TEXT;
ALTER TABLE checkin_members ADD COLUMN streak_current INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checkin_members ADD COLUMN streak_longest INTEGER NOT NULL DEFAULT 0;
ALTER TABLE checkin_members ADD COLUMN streak_total INTEGER DEFAULT 0;
"""
COMPACT_SWAP = """
DROP TABLE checkin_entries;
ALTER TABLE checkin_days RENAME TO checkin_entries;
CREATE UNIQUE INDEX checkin_texts_by_day ON checkin_texts(community_id, day, member_id);
INSERT INTO checkin_daily_counts (community_id, day, asked, answered)
    SELECT community_id, day, COUNT(*), COUNT(answered_at) FROM checkin_entries GROUP BY community_id, day;
-- Members with history have their streak counted from their entries once, when it is next read.
UPDATE checkin_members SET streak_total = NULL WHERE EXISTS (
    SELECT 1 FROM checkin_entries e WHERE e.member_id = checkin_members.member_id AND e.answered_at IS NOT NULL);
"""
COPY_CHUNK = 5000


def _unix_of(text: str | None) -> int | None:
    return None if text is None else int(datetime.fromisoformat(text).timestamp())


async def compact_checkins(db: Database) -> None:
    """Migration 3: the new tables, every entry copied over in key order (times from ISO text to unix
    seconds, texts to their table), then the old table replaced and the totals counted."""
    await db.execute_script(COMPACT_SCHEMA)
    after: tuple[int, str] = (0, "")
    while True:
        rows = await db.fetchall(
            """SELECT member_id, day, community_id, step, steps, sent_at, answered_at, completed_at, mood, craving,
                      on_track, reminded, before_answer, intention, note
               FROM checkin_entries WHERE member_id > ?1 OR (member_id = ?1 AND day > ?2)
               ORDER BY member_id, day LIMIT ?3""",
            (*after, COPY_CHUNK),
        )
        if not rows:
            break
        await db.executemany(
            """INSERT INTO checkin_days (member_id, day, community_id, step, steps, sent_at, answered_at,
                 completed_at, mood, craving, on_track, reminded, before_answer) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            [
                (
                    r["member_id"],
                    r["day"],
                    r["community_id"],
                    r["step"],
                    stored_steps(r["steps"]),
                    _unix_of(r["sent_at"]),
                    _unix_of(r["answered_at"]),
                    _unix_of(r["completed_at"]),
                    r["mood"],
                    r["craving"],
                    r["on_track"],
                    r["reminded"],
                    r["before_answer"],
                )
                for r in rows
            ],
        )
        await db.executemany(
            "INSERT INTO checkin_texts (community_id, day, member_id, intention, note) VALUES (?,?,?,?,?)",
            [
                (r["community_id"], r["day"], r["member_id"], r["intention"], r["note"])
                for r in rows
                if r["intention"] is not None or r["note"] is not None
            ],
        )
        after = (rows[-1]["member_id"], rows[-1]["day"])
    await db.execute_script(COMPACT_SWAP)


# An entry's questions, ",mood,craving,...,"; NULL (most entries) means all of them.
ALL_STEPS = "," + ",".join(ORDER) + ","
_STEPS = f"COALESCE(steps, '{ALL_STEPS}')"
# The step after :column in an entry's list, or 'done' after the last one.
_AFTER = f"substr({_STEPS}, instr({_STEPS}, ',' || :column || ',') + length(:column) + 2)"
NEXT_STEP_SQL = (
    f"(CASE WHEN {_AFTER} = '' THEN 'done' ELSE substr({_AFTER}, 1, instr({_AFTER}, ',') - 1) END)"
)


def next_step_in(steps: str, key: str) -> str:
    """The same rule in Python: the step after `key` in ",a,b,c,", or 'done'."""
    keys = [k for k in steps.split(",") if k]
    return keys[keys.index(key) + 1] if key in keys and keys.index(key) + 1 < len(keys) else "done"


def stored_steps(steps: str) -> str | None:
    return None if steps == ALL_STEPS else steps


ANSWER_COLUMNS = ("mood", "craving", "on_track", "intention", "note")
TEXT_COLUMNS = ("intention", "note")  # sealed, in checkin_texts; deleted after the community's retention
# An entry as the cog reads it: its numbers, its questions spelled out, and its texts if any are kept.
ENTRY_SQL = f"""SELECT e.member_id, e.day, e.community_id, e.step, {_STEPS} AS steps, e.sent_at, e.answered_at,
                       e.completed_at, e.mood, e.craving, e.on_track, e.reminded, t.intention, t.note
                FROM checkin_entries e LEFT JOIN checkin_texts t
                  ON t.community_id = e.community_id AND t.day = e.day AND t.member_id = e.member_id"""
SHARE_ITEMS = {"checkins": "share_checked_in", "mood": "share_mood", "ontrack": "share_on_track"}


def unix(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp())


def from_unix(seconds: int | None) -> datetime | None:
    return None if seconds is None else datetime.fromtimestamp(seconds, UTC)


def schedule_of(row: Any) -> CheckinSchedule:
    return schedule_from(
        row["local_time"],
        row["timezone"],
        row["days"],
        row["paused_until"],
        row["quiet_start"],
        row["quiet_end"],
    )


@lru_cache(maxsize=4096)
def schedule_from(
    local_time: str,
    timezone: str,
    days: str,
    paused_until: str | None,
    quiet_start: str | None,
    quiet_end: str | None,
) -> CheckinSchedule:
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

    async def save_schedule(
        self, member_id: int, community_id: int, local_time: str, timezone: str, days: str, joined_at: str
    ) -> None:
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
            f"{ENTRY_SQL} WHERE e.member_id = ? AND e.day = ?", (member_id, day.isoformat())
        )

    async def open_entry(
        self, member_id: int, day: date, community_id: int, steps: str, now: datetime
    ) -> bool:
        """Create the day's entry if it does not exist yet (counted in the day's totals). Returns whether
        it was created."""
        first = next((k for k in steps.split(",") if k), "done")
        async with self.db.transaction() as db:
            # The member's row, locked: on a shared database the sweep (which locks it too) cannot open
            # the same check-in meanwhile and count it twice.
            await db.fetchone(
                "SELECT member_id FROM checkin_members WHERE member_id = ? FOR UPDATE", (member_id,)
            )
            created = await db.execute_rowcount(
                """INSERT OR IGNORE INTO checkin_entries (member_id, day, community_id, step, steps, sent_at)
                   VALUES (?,?,?,?,?,?)""",
                (member_id, day.isoformat(), community_id, first, stored_steps(steps), unix(now)),
            )
            if created:
                await db.execute(COUNT_ASKED_SQL, (community_id, day.isoformat(), 1))
        return bool(created)

    async def answer(self, platform: str, user_id: str, day: date, column: str, value: Any, now: datetime):
        """Record one answer (the hot path): find the member by their account and consent, store the
        value, move the entry on if this was its current question; on the day's first answer, count it
        in the day's totals and carry the member's streak forward. One transaction of keyed statements on
        the event loop's thread (`run_inline`): a trip to the database thread would cost more. A typed
        intention or note goes to checkin_texts in the same transaction.

        Returns (member_id, community_id, step now, step before, on_track before), or None when this
        account is not in check-ins or has no check-in that day.
        """
        if column not in ANSWER_COLUMNS:
            raise ValueError(column)
        the_member = """SELECT i.member_id FROM identities i
                        JOIN consents c ON c.member_id = i.member_id AND c.feature = 'checkins'
                        WHERE i.platform = :platform AND i.user_id = :user_id"""
        values = {
            "value": value,
            "now": unix(now),
            "column": column,
            "day": day.isoformat(),
            "platform": platform,
            "user_id": user_id,
        }
        stored = "" if column in TEXT_COLUMNS else f"{column} = :value,"

        def record(session):
            if column in TEXT_COLUMNS:
                session.execute(
                    f"""INSERT INTO checkin_texts (community_id, day, member_id, {column})
                        SELECT community_id, day, member_id, :value FROM checkin_entries
                        WHERE day = :day AND member_id = ({the_member})
                        ON CONFLICT (community_id, day, member_id) DO UPDATE SET {column} = excluded.{column}""",
                    values,
                )
            rows = session.execute(
                f"""UPDATE checkin_entries SET
                      {stored}
                      answered_at = COALESCE(answered_at, :now),
                      before_answer = step || '|' || COALESCE(on_track, '') || '|'
                                      || CASE WHEN answered_at IS NULL THEN 'first' ELSE '' END,
                      step = CASE WHEN step = :column THEN {NEXT_STEP_SQL} ELSE step END,
                      completed_at = CASE WHEN step = :column AND {NEXT_STEP_SQL} = 'done'
                                          THEN COALESCE(completed_at, :now) ELSE completed_at END
                    WHERE day = :day AND member_id = ({the_member})
                    RETURNING member_id, community_id, step, before_answer""",
                values,
            ).fetchall()
            if not rows:
                return None
            member_id, community_id, step, before = rows[0]
            step_before, on_track_before, first = before.split("|")
            if first:
                _first_answer_of_the_day(session, member_id, community_id, day)
            return member_id, community_id, step, step_before, on_track_before or None

        return await self.db.run_inline(record)

    async def set_step(self, member_id: int, day: date, step: str, now: datetime) -> None:
        done = unix(now) if step == "done" else None
        await self.db.execute(
            """UPDATE checkin_entries SET step = ?, completed_at = COALESCE(completed_at, ?)
               WHERE member_id = ? AND day = ?""",
            (step, done, member_id, day.isoformat()),
        )

    async def entries(self, member_id: int, since: date | None = None) -> list:
        return await self.db.fetchall(
            f"{ENTRY_SQL} WHERE e.member_id = ? AND e.day >= ? ORDER BY e.day",
            (member_id, (since or date.min).isoformat()),
        )

    async def forget_old_texts(self, community_id: int, before: date) -> int:
        """Retention: notes and intentions of check-ins before `before` are deleted; the numbers stay.
        One range of the day index (checkin_texts_by_day), never a pass over the history."""
        return await self.db.execute_rowcount(
            "DELETE FROM checkin_texts WHERE community_id = ? AND day < ?", (community_id, before.isoformat())
        )

    # --- streaks ----------------------------------------------------------------------------------

    async def streak_kept(self, member_id: int, today: date):
        """The streak carried forward on each day's first answer, and whether a check-in sent after its
        latest day and before `today` went unanswered (which ends the run). None when it must be counted
        from the entries (history from before it was kept, an answer to an older day, or a day before
        its latest)."""
        row = await self.db.fetchone(STREAK_SQL, (member_id, today.isoformat()))
        if row is None or row["streak_total"] is None or (row["streak_day"] or "") > today.isoformat():
            return None
        return row

    async def recount_streak(self, member_id: int) -> list[tuple[date, bool]]:
        """Count the member's streak from every check-in sent and keep it, in one transaction (an answer
        arriving meanwhile waits, so none is missed). Returns (day, answered) for each, oldest first."""

        def recount(session) -> list[tuple[date, bool]]:
            sent = [
                (date.fromisoformat(day), bool(answered))
                for day, answered in session.execute(
                    "SELECT day, answered_at IS NOT NULL FROM checkin_entries WHERE member_id = ? ORDER BY day",
                    (member_id,),
                ).fetchall()
            ]
            _keep_streak(session, member_id, carried_streak(sent))
            return sent

        return await self.db.run(recount)

    # --- sobriety ---------------------------------------------------------------------------------

    async def sober_periods(self, member_id: int) -> list:
        return await self.db.fetchall(
            "SELECT started, ended FROM checkin_sober_periods WHERE member_id = ? ORDER BY started",
            (member_id,),
        )

    async def replace_sober_periods(self, member_id: int, periods) -> None:
        async with self.db.transaction() as db:
            await db.execute("DELETE FROM checkin_sober_periods WHERE member_id = ?", (member_id,))
            for period in periods:
                await db.execute(
                    "INSERT INTO checkin_sober_periods (member_id, started, ended) VALUES (?,?,?)",
                    (
                        member_id,
                        period.started.isoformat(),
                        period.ended.isoformat() if period.ended else None,
                    ),
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
            # Their check-ins leave the day's totals too, as they leave everything else.
            await db.execute(
                """UPDATE checkin_daily_counts SET asked = asked - gone.n_asked, answered = answered - gone.n_answered
                   FROM (SELECT community_id, day, COUNT(*) AS n_asked, COUNT(answered_at) AS n_answered
                         FROM checkin_entries WHERE member_id = ? GROUP BY community_id, day) AS gone
                   WHERE checkin_daily_counts.community_id = gone.community_id
                     AND checkin_daily_counts.day = gone.day""",
                (member_id,),
            )
            for sql in (
                """DELETE FROM checkin_texts WHERE rowid IN (
                     SELECT t.rowid FROM checkin_entries e JOIN checkin_texts t ON t.community_id = e.community_id
                       AND t.day = e.day AND t.member_id = e.member_id WHERE e.member_id = ?)""",
                "DELETE FROM checkin_entries WHERE member_id = ?",
                "DELETE FROM checkin_sober_periods WHERE member_id = ?",
                "DELETE FROM checkin_partner_invites WHERE inviter_id = ?",
                "DELETE FROM checkin_partners WHERE member_id = ?1 OR partner_id = ?1",
                "DELETE FROM checkin_members WHERE member_id = ?",
            ):
                await db.execute(sql, (member_id,))


# --- the day's first answer: totals and streak, in the answer's own transaction --------------------------

# A day's check-ins sent, counted as the sweep (or `!checkin now`) opens them: (community, day, how many).
COUNT_ASKED_SQL = """INSERT INTO checkin_daily_counts (community_id, day, asked, answered) VALUES (?, ?, ?, 0)
                     ON CONFLICT (community_id, day) DO UPDATE
                     SET asked = checkin_daily_counts.asked + excluded.asked"""
# The kept streak, and whether a check-in sent after its day and before ?2 went unanswered.
STREAK_SQL = """SELECT streak_day, streak_current, streak_longest, streak_total,
                       EXISTS (SELECT 1 FROM checkin_entries e WHERE e.member_id = cm.member_id
                               AND e.day > cm.streak_day AND e.day < ?2 AND e.answered_at IS NULL) AS broken
                FROM checkin_members cm WHERE member_id = ?1"""


def _first_answer_of_the_day(session, member_id: int, community_id: int, day: date) -> None:
    session.execute(
        "UPDATE checkin_daily_counts SET answered = answered + 1 WHERE community_id = ? AND day = ?",
        (community_id, day.isoformat()),
    )
    row = session.execute(STREAK_SQL, (member_id, day.isoformat())).fetchone()
    if row is None or row["streak_total"] is None:
        return  # counted from the entries when next read
    kept = CarriedStreak(
        date.fromisoformat(row["streak_day"]) if row["streak_day"] else None,
        row["streak_current"],
        row["streak_longest"],
        row["streak_total"],
    )
    _keep_streak(session, member_id, carry_forward(kept, day, broken=bool(row["broken"])))


def _keep_streak(session, member_id: int, kept: CarriedStreak | None) -> None:
    if kept is None:
        session.execute("UPDATE checkin_members SET streak_total = NULL WHERE member_id = ?", (member_id,))
        return
    session.execute(
        """UPDATE checkin_members SET streak_day = ?, streak_current = ?, streak_longest = ?, streak_total = ?
           WHERE member_id = ?""",
        (kept.day.isoformat() if kept.day else None, kept.current, kept.longest, kept.total, member_id),
    )
