"""Sending what is due: one sweep a minute over the indexed `next_due` column.

Ten thousand members do not need ten thousand scheduler jobs: each member's next check-in moment is
computed when it changes (pure code in timing.py) and stored; the sweep reads every row that has come
due, claims them all and moves them on in one transaction, then sends. Claiming before sending means a
crash between the two loses at most that one message rather than ever sending it twice, the same
at-most-once promise the core scheduler's delivery ledger makes. A check-in more than GRACE late (the
bot was down) is skipped with a log line instead of arriving at an odd hour.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING

from bot.model import Content, UserRef
from cogs.checkins.store import from_unix, schedule_of, unix
from cogs.checkins.timing import Due, next_due, reminder_at

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

log = logging.getLogger(__name__)

GRACE = timedelta(hours=3)
REMINDER_DELAY = timedelta(hours=3)


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
    row: object


async def reachable_identities(cog: CheckinsCog, where_sql: str, params: tuple) -> dict[int, UserRef]:
    """One account per member on a connected platform, for every member the condition selects."""
    rows = await cog.bot.db.fetchall(
        f"""SELECT i.member_id, i.platform, i.user_id FROM identities i
            JOIN checkin_members cm ON cm.member_id = i.member_id WHERE {where_sql}
            ORDER BY i.added_at""",
        params,
    )
    found: dict[int, UserRef] = {}
    for row in rows:
        if row["member_id"] not in found and row["platform"] in cog.bot.adapters:
            found[row["member_id"]] = UserRef(row["platform"], row["user_id"])
    return found


async def sweep_checkins(cog: CheckinsCog, now: datetime) -> list[Outgoing]:
    """Claim every check-in due by `now` and move each member to their next one. Returns what to send."""
    db = cog.bot.db
    async with db.transaction():
        due_rows = await db.fetchall(
            "SELECT * FROM checkin_members WHERE next_due IS NOT NULL AND next_due <= ?", (unix(now),)
        )
        if not due_rows:
            return []
        users = await reachable_identities(cog, "cm.next_due IS NOT NULL AND cm.next_due <= ?", (unix(now),))
        already = {
            row[0]
            for row in await db.fetchall(
                """SELECT e.member_id FROM checkin_entries e JOIN checkin_members cm
                   ON cm.member_id = e.member_id AND e.day = cm.next_day
                   WHERE cm.next_due IS NOT NULL AND cm.next_due <= ?""",
                (unix(now),),
            )
        }
        outgoing: list[Outgoing] = []
        entries, moves = [], []
        skipped = 0
        for row in due_rows:
            schedule = schedule_of(row)
            due_at, day = from_unix(row["next_due"]), date.fromisoformat(row["next_day"])
            following = shared_next_due(schedule, max(now, due_at))
            reminder = None
            member_id = row["member_id"]
            user = users.get(member_id)
            if now - due_at > GRACE:
                skipped += 1
            elif member_id not in already and user is not None:
                questions = await cog.questions(row["community_id"])
                entries.append((member_id, day.isoformat(), row["community_id"], questions.first(),
                                questions.steps_text(), now.isoformat()))
                outgoing.append(Outgoing(member_id, user, row["community_id"], day, row))
                reminder = reminder_at(schedule, Due(day, due_at), REMINDER_DELAY)
            moves.append((
                unix(following.at) if following else None,
                following.day.isoformat() if following else None,
                unix(reminder),
                day.isoformat() if reminder else None,
                member_id,
            ))
        await db.executemany(
            """INSERT OR IGNORE INTO checkin_entries (member_id, day, community_id, step, steps, sent_at)
               VALUES (?,?,?,?,?,?)""",
            entries,
        )
        await db.executemany(
            """UPDATE checkin_members SET next_due = ?, next_day = ?, reminder_due = ?, reminder_day = ?
               WHERE member_id = ?""",
            moves,
        )
    if skipped:
        log.info("check-ins skipped: more than the grace window late", extra={"count": skipped})
    return outgoing


async def sweep_reminders(cog: CheckinsCog, now: datetime) -> list[Outgoing]:
    """Claim the single reminder of every check-in still unanswered when its reminder falls due."""
    db = cog.bot.db
    async with db.transaction():
        rows = await db.fetchall(
            """SELECT cm.*, e.step FROM checkin_members cm JOIN checkin_entries e
               ON e.member_id = cm.member_id AND e.day = cm.reminder_day
               WHERE cm.reminder_due IS NOT NULL AND cm.reminder_due <= ?
                 AND e.answered_at IS NULL AND e.reminded = 0""",
            (unix(now),),
        )
        users = await reachable_identities(cog, "cm.reminder_due IS NOT NULL AND cm.reminder_due <= ?",
                                           (unix(now),))
        await db.execute(
            "UPDATE checkin_members SET reminder_due = NULL, reminder_day = NULL WHERE reminder_due <= ?",
            (unix(now),),
        )
        outgoing, marks = [], []
        for row in rows:
            late = now - from_unix(row["reminder_due"])
            user = users.get(row["member_id"])
            if late > GRACE or user is None:
                continue
            day = date.fromisoformat(row["reminder_day"])
            marks.append((row["member_id"], day.isoformat()))
            outgoing.append(Outgoing(row["member_id"], user, row["community_id"], day, row))
        await db.executemany("UPDATE checkin_entries SET reminded = 1 WHERE member_id = ? AND day = ?", marks)
    return outgoing


async def send_all(cog: CheckinsCog, outgoing: list[Outgoing], build) -> int:
    """Send each message; one member's failure (a closed DM, say) does not stop the others."""
    sent = 0
    for item in outgoing:
        try:
            content: Content = await build(item)
            await cog.bot.send_private(item.user, content)
            sent += 1
        except Exception:
            log.exception("check-in message could not be sent", extra={"member": item.member_id})
    return sent
