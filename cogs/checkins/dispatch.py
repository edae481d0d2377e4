"""Sending what is due: one sweep a minute over the indexed `next_due` column.

Ten thousand members do not need ten thousand scheduler jobs: each member's next check-in moment is
computed when it changes (pure code in timing.py) and stored; the sweep reads every row that has come
due, claims them all and moves them on in one transaction, then sends. Claiming before sending means a
crash between the two loses at most that one message rather than ever sending it twice, the same
at-most-once promise the core scheduler's delivery ledger makes. A check-in more than GRACE late (the
bot was down) is skipped with a log line instead of arriving at an odd hour.

The claim is one round trip to the database thread however many members are due (`Database.run`):
its reads, the Python that decides, its writes and the next moment anything falls due all happen
there, in one transaction. Nothing in it awaits, so nothing outside it can change a row half way.
"""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.model import Content, UserRef
from cogs.checkins.questions import QuestionSet
from cogs.checkins.store import from_unix, schedule_from, unix
from cogs.checkins.timing import Due, next_due, reminder_at

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

log = logging.getLogger(__name__)

GRACE = timedelta(hours=3)
REMINDER_DELAY = timedelta(hours=3)
# Asked again this long after a sweep that found nothing scheduled at all (reschedule() wakes it sooner).
IDLE_RECHECK_SECONDS = 3600


@lru_cache(maxsize=8192)
def shared_next_due(schedule, after: datetime):
    """Members due at the same moment on the same schedule share one computation."""
    return next_due(schedule, after)


@dataclass
class Outgoing:
    member_id: int
    user: UserRef
    community_id: int
    day: date
    row: object  # the member's checkin_members row as it was before the claim (+ the entry's step)


@dataclass
class Claimed:
    checkins: list[Outgoing] = field(default_factory=list)
    reminders: list[Outgoing] = field(default_factory=list)
    skipped: int = 0
    wake_at: int | None = None  # the earliest moment anything is due after this claim (unix seconds)


async def claim_due(cog: CheckinsCog, now: datetime) -> Claimed:
    """Claim every check-in and reminder due by `now`, in one round trip. Returns what to send."""
    questions: dict[int, QuestionSet] = {}
    for community in cog.bot.communities.all():  # read once, then kept: no trip after the first sweep
        questions[community.id] = await cog.questions(community.id)
    platforms = frozenset(cog.bot.adapters)
    claimed = await cog.bot.db.run(lambda conn: _claim(conn, now, platforms, questions))
    if claimed.skipped:
        log.info("check-ins skipped: more than the grace window late", extra={"count": claimed.skipped})
    return claimed


# --- on the database thread: plain sqlite3, no awaiting ------------------------------------------------

EARLIEST_SQL = """SELECT (SELECT MIN(next_due) FROM checkin_members WHERE next_due IS NOT NULL),
                         (SELECT MIN(reminder_due) FROM checkin_members WHERE reminder_due IS NOT NULL)"""


def _claim(conn: sqlite3.Connection, now: datetime, platforms: frozenset[str],
           questions: dict[int, QuestionSet]) -> Claimed:
    claimed = Claimed()
    checkin_at, reminder_at_ = conn.execute(EARLIEST_SQL).fetchone()
    if checkin_at is not None and checkin_at <= unix(now):
        claimed.checkins, claimed.skipped = _claim_checkins(conn, now, platforms, questions)
    if reminder_at_ is not None and reminder_at_ <= unix(now):
        claimed.reminders = _claim_reminders(conn, now, platforms)
    if any(moment is not None and moment <= unix(now) for moment in (checkin_at, reminder_at_)):
        checkin_at, reminder_at_ = conn.execute(EARLIEST_SQL).fetchone()  # the claim moved rows on
    upcoming = [moment for moment in (checkin_at, reminder_at_) if moment is not None]
    claimed.wake_at = min(upcoming) if upcoming else unix(now) + IDLE_RECHECK_SECONDS
    return claimed


def _reachable(conn: sqlite3.Connection, platforms: frozenset[str], where_sql: str,
               params: tuple) -> dict[int, UserRef]:
    """One account per member on a connected platform, for every member the condition selects."""
    found: dict[int, UserRef] = {}
    for member_id, platform, user_id in conn.execute(
        f"""SELECT i.member_id, i.platform, i.user_id FROM identities i
            JOIN checkin_members cm ON cm.member_id = i.member_id WHERE {where_sql}
            ORDER BY i.added_at""",
        params,
    ):
        if member_id not in found and platform in platforms:
            found[member_id] = UserRef(platform, user_id)
    return found


def _questions(conn: sqlite3.Connection, questions: dict[int, QuestionSet], community_id: int) -> QuestionSet:
    if community_id not in questions:  # a community no longer in the config: read its questions here
        stored = conn.execute(
            """SELECT value FROM community_settings
               WHERE community_id = ? AND component = 'checkins' AND key = 'questions'""",
            (community_id,),
        ).fetchone()
        questions[community_id] = QuestionSet.from_settings(json.loads(stored[0]) if stored else None)
    return questions[community_id]


def _claim_checkins(conn: sqlite3.Connection, now: datetime, platforms: frozenset[str],
                    questions: dict[int, QuestionSet]) -> tuple[list[Outgoing], int]:
    due = (unix(now),)
    # Named columns, read by position in the loop below (a name lookup on a row costs more than the rest).
    rows = conn.execute(
        """SELECT cm.member_id, cm.community_id, cm.local_time, cm.timezone, cm.days, cm.paused_until,
                  cm.quiet_start, cm.quiet_end, cm.next_due, cm.next_day, cm.sober_since,
                  cm.milestones_seen_through, cm.announce_milestones, cm.announce_name, cm.partner_summary,
                  EXISTS (SELECT 1 FROM checkin_entries e
                          WHERE e.member_id = cm.member_id AND e.day = cm.next_day) AS already,
                  EXISTS (SELECT 1 FROM consents c
                          WHERE c.member_id = cm.member_id AND c.feature = 'checkins') AS consented
           FROM checkin_members cm WHERE cm.next_due IS NOT NULL AND cm.next_due <= ?""",
        due,
    ).fetchall()
    users = _reachable(conn, platforms, "cm.next_due IS NOT NULL AND cm.next_due <= ?", due)
    outgoing: list[Outgoing] = []
    entries, moves = [], []
    skipped = 0
    sent_at, latest = now.isoformat(), now - GRACE
    days: dict[str, date] = {}
    for row in rows:
        member_id, community_id, local_time, timezone, weekdays, paused_until, quiet_start, quiet_end, \
            due_unix, day_text = row[:10]
        schedule = schedule_from(local_time, timezone, weekdays, paused_until, quiet_start, quiet_end)
        due_at = from_unix(due_unix)
        following = shared_next_due(schedule, max(now, due_at))
        reminder = seen_through = None
        user = users.get(member_id)
        if not row[16]:
            following = None  # their consent is gone (opting out clears the schedule too): never ask again
        elif due_at < latest:
            skipped += 1
        elif not row[15] and user is not None:
            day = days.get(day_text) or days.setdefault(day_text, date.fromisoformat(day_text))
            asked = _questions(conn, questions, community_id)
            entries.append((member_id, day_text, community_id, asked.first(), asked.steps_text(), sent_at))
            outgoing.append(Outgoing(member_id, user, community_id, day, row))
            reminder = reminder_at(schedule, Due(day, due_at), REMINDER_DELAY)
            # The check-in message tells of milestones reached since last time: from now, that is today.
            seen_through = day_text if row[10] else None
        moves.append((
            unix(following.at) if following else None,
            following.day.isoformat() if following else None,
            unix(reminder),
            day_text if reminder else None,
            seen_through,
            member_id,
        ))
    conn.executemany(
        """INSERT OR IGNORE INTO checkin_entries (member_id, day, community_id, step, steps, sent_at)
           VALUES (?,?,?,?,?,?)""",
        entries,
    )
    conn.executemany(
        """UPDATE checkin_members SET next_due = ?, next_day = ?, reminder_due = ?, reminder_day = ?,
             milestones_seen_through = COALESCE(?, milestones_seen_through)
           WHERE member_id = ?""",
        moves,
    )
    return outgoing, skipped


def _claim_reminders(conn: sqlite3.Connection, now: datetime, platforms: frozenset[str]) -> list[Outgoing]:
    """Claim the single reminder of every check-in still unanswered when its reminder falls due."""
    due = (unix(now),)
    rows = conn.execute(
        """SELECT cm.*, e.step FROM checkin_members cm JOIN checkin_entries e
           ON e.member_id = cm.member_id AND e.day = cm.reminder_day
           WHERE cm.reminder_due IS NOT NULL AND cm.reminder_due <= ?
             AND e.answered_at IS NULL AND e.reminded = 0
             AND EXISTS (SELECT 1 FROM consents c WHERE c.member_id = cm.member_id AND c.feature = 'checkins')""",
        due,
    ).fetchall()
    users = _reachable(conn, platforms, "cm.reminder_due IS NOT NULL AND cm.reminder_due <= ?", due)
    conn.execute("UPDATE checkin_members SET reminder_due = NULL, reminder_day = NULL WHERE reminder_due <= ?", due)
    outgoing, marks = [], []
    for row in rows:
        late = now - from_unix(row["reminder_due"])
        user = users.get(row["member_id"])
        if late > GRACE or user is None:
            continue
        day = date.fromisoformat(row["reminder_day"])
        marks.append((row["member_id"], day.isoformat()))
        outgoing.append(Outgoing(row["member_id"], user, row["community_id"], day, row))
    conn.executemany("UPDATE checkin_entries SET reminded = 1 WHERE member_id = ? AND day = ?", marks)
    return outgoing


# --- back on the event loop ----------------------------------------------------------------------------

async def send_all(cog: CheckinsCog, outgoing: list[Outgoing], build) -> int:
    """Send each message; one member's failure (a closed DM, say) does not stop the others."""
    sent = 0
    for item in outgoing:
        if item.member_id in cog.left_since_claim:
            continue  # they left, or erased their data, while this sweep was sending
        try:
            content: Content = await build(item)
            await cog.bot.send_private(item.user, content)
            sent += 1
        except Exception:
            log.exception("check-in message could not be sent", extra={"member": item.member_id})
    return sent
