"""Sending what is due: one sweep a minute over the indexed `next_due` column.

Ten thousand members do not need ten thousand scheduler jobs: each member's next check-in moment is
computed when it changes (pure code in timing.py) and stored; the sweep reads every row that has come
due, claims them all and moves them on in one transaction, then sends. A check-in more than GRACE late
(the bot was down) is skipped with a log line instead of arriving at an odd hour.

Exactly once across crashes: the same transaction that claims the messages writes each one's intent
to the outbox (bot/outbox.py), keyed by member, day and kind. Each is then sent with its key, so the
platform recognises a resend; if the process dies before some went out, the outbox has the cog build
them again after the restart (`rebuild`) and sends them, once.

The claim is one round trip to the database thread however many members are due (`Database.run`):
its reads, the Python that decides, its writes and the next moment anything falls due all happen
there, in one transaction. Nothing in it awaits, so nothing outside it can change a row half way.

Who is asked: only members whose consent is on record as the claim reads (a schedule left behind by a
half-finished opt-out is cleared, never used), and of those only members who have not opted out,
stopped or erased their data by the time their message's turn comes (the sweep's `left`).

Sending: a sweep's messages go out as many at a time as the platform takes (`Adapter.send_concurrency`),
after the sweep has let go of its lock
(the next minute's claim never waits for them). The platform's limits set the pace: Discord's global
request limit, kept to by the adapter (bot/adapters/discord/pace.py), and Synapse's 429s, whose
retry_after matrix-nio waits out.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.model import Content, UserRef
from bot.outbox import Intent, Target, delivery_scope
from bot.outbox import Outgoing as OutboxItem
from bot.storage import Session
from cogs.checkins.questions import QuestionSet
from cogs.checkins.store import COUNT_ASKED_SQL, from_unix, schedule_from, stored_steps, unix
from cogs.checkins.timing import CheckinDue, next_due, reminder_at

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

log = logging.getLogger(__name__)

GRACE = timedelta(hours=3)
REMINDER_DELAY = timedelta(hours=3)
# Asked again this long after a sweep that found nothing scheduled at all (reschedule() wakes it sooner).
IDLE_RECHECK_SECONDS = 3600
REBUILD = "checkins"  # the outbox's name for `CheckinsCog.rebuild`
CHECKIN, REMINDER, PARTNERS = "checkin", "reminder", "partners"  # the messages a sweep sends


def message_key(kind: str, member_id: int, day: date) -> str:
    """The idempotency key of one of a member's messages of a day: the same in a rebuild after a crash."""
    return f"checkins:{kind}:{member_id}:{day.isoformat()}"


def intents_for(claimed: Claimed) -> list[Intent]:
    """What the claim promises to send, written in its own transaction."""
    intents = []
    for kind, items in ((CHECKIN, claimed.checkins), (REMINDER, claimed.reminders)):
        for item in items:
            payload = {"kind": kind, "member": item.member_id, "day": item.day.isoformat()}
            if kind == CHECKIN:  # what the member had seen of their milestones, for the same message again
                payload["seen"] = item.row["milestones_seen_through"]
            intents.append(
                Intent(
                    message_key(kind, item.member_id, item.day),
                    Target(item.user.platform, person=item.user),
                    REBUILD,
                    payload,
                )
            )
            if kind == CHECKIN and item.row["partner_summary"]:
                intents.append(
                    Intent(
                        message_key(PARTNERS, item.member_id, item.day),
                        Target(item.user.platform, person=item.user),
                        REBUILD,
                        {**payload, "kind": PARTNERS},
                    )
                )
    return intents


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

    def claim(conn: Session) -> Claimed:
        claimed = _claim(conn, now, platforms, questions)
        cog.bot.outbox.intend(conn, intents_for(claimed), now)
        return claimed

    claimed = await cog.bot.db.run(claim)
    if claimed.skipped:
        log.info("check-ins skipped: more than the grace window late", extra={"count": claimed.skipped})
    return claimed


# --- in one transaction, off the event loop: no awaiting -----------------------------------------------------

EARLIEST_SQL = """SELECT (SELECT MIN(next_due) FROM checkin_members WHERE next_due IS NOT NULL),
                         (SELECT MIN(reminder_due) FROM checkin_members WHERE reminder_due IS NOT NULL)"""


def _claim(
    conn: Session, now: datetime, platforms: frozenset[str], questions: dict[int, QuestionSet]
) -> Claimed:
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


def _first_account_each(rows: list, platforms: frozenset[str]) -> list[tuple[object, UserRef | None]]:
    """Rows joined to the members' accounts on connected platforms (`_account_join`), ordered by member
    and then earliest linked account, become one (row, its first account or None) per member."""
    found: dict[int, tuple[object, UserRef | None]] = {}
    for row in rows:
        member_id, platform, user_id = row[0], row[-2], row[-1]
        if member_id not in found:
            found[member_id] = (row, UserRef(platform, user_id) if platform in platforms else None)
    return list(found.values())


def _account_join(platforms: frozenset[str]) -> str:
    """Joins each checkin_members row `cm` to its accounts on connected platforms (or to NULLs)."""
    return f"""LEFT JOIN identities i ON i.member_id = cm.member_id
               AND i.platform IN ({",".join("?" * len(platforms))})"""


def _questions(conn: Session, questions: dict[int, QuestionSet], community_id: int) -> QuestionSet:
    if community_id not in questions:  # a community no longer in the config: read its questions here
        stored = conn.execute(
            """SELECT value FROM community_settings
               WHERE community_id = ? AND component = 'checkins' AND key = 'questions'""",
            (community_id,),
        ).fetchone()
        questions[community_id] = QuestionSet.from_settings(json.loads(stored[0]) if stored else None)
    return questions[community_id]


def _claim_checkins(
    conn: Session, now: datetime, platforms: frozenset[str], questions: dict[int, QuestionSet]
) -> tuple[list[Outgoing], int]:
    # Named columns, read by position in the loop below (a name lookup on a row costs more than the rest).
    rows = conn.execute(
        f"""SELECT cm.member_id, cm.community_id, cm.local_time, cm.timezone, cm.days, cm.paused_until,
                   cm.quiet_start, cm.quiet_end, cm.next_due, cm.next_day, cm.sober_since,
                   cm.milestones_seen_through, cm.announce_milestones, cm.announce_name, cm.partner_summary,
                   EXISTS (SELECT 1 FROM checkin_entries e
                           WHERE e.member_id = cm.member_id AND e.day = cm.next_day) AS already,
                   EXISTS (SELECT 1 FROM consents c
                           WHERE c.member_id = cm.member_id AND c.feature = 'checkins') AS consented,
                   i.platform, i.user_id
            FROM checkin_members cm {_account_join(platforms)}
            WHERE cm.next_due IS NOT NULL AND cm.next_due <= ?
            ORDER BY cm.next_due, cm.member_id, i.added_at, i.platform
            FOR UPDATE OF cm SKIP LOCKED""",
        (*platforms, unix(now)),
    ).fetchall()
    outgoing: list[Outgoing] = []
    entries, moves = [], []
    skipped = 0
    sent_at, latest = unix(now), unix(now - GRACE)
    # Members on the same schedule who are due at the same moment (hundreds, in a big community)
    # share one computation of their next check-in and reminder.
    timing: dict[tuple, tuple] = {}
    for row, user in _first_account_each(rows, platforms):
        member_id, community_id = row[0], row[1]
        schedule_and_due = row[2:10]
        known = timing.get(schedule_and_due)
        if known is None:
            known = timing[schedule_and_due] = _next_moments(now, *schedule_and_due)
        following_at, following_day, reminder, day = known
        sent = False
        if not row[16]:
            following_at = following_day = None  # consent gone (opting out clears this too): never ask again
        elif row[8] < latest:
            skipped += 1
        elif not row[15] and user is not None:
            asked = _questions(conn, questions, community_id)
            entries.append(
                (member_id, row[9], community_id, asked.first(), stored_steps(asked.steps_text()), sent_at)
            )
            outgoing.append(Outgoing(member_id, user, community_id, day, row))
            sent = True
        moves.append(
            (
                following_at,
                following_day,
                reminder if sent else None,
                row[9] if sent and reminder else None,
                # The check-in message tells of milestones reached since last time: from now, that is today.
                row[9] if sent and row[10] else None,
                member_id,
            )
        )
    conn.executemany(
        """INSERT OR IGNORE INTO checkin_entries (member_id, day, community_id, step, steps, sent_at)
           VALUES (?,?,?,?,?,?)""",
        entries,
    )
    # Each was checked absent (`already`) under the members' row locks: all of them are new.
    conn.executemany(
        COUNT_ASKED_SQL, [(*key, asked) for key, asked in Counter((e[2], e[1]) for e in entries).items()]
    )
    conn.executemany(
        """UPDATE checkin_members SET next_due = ?, next_day = ?, reminder_due = ?, reminder_day = ?,
             milestones_seen_through = COALESCE(?, milestones_seen_through)
           WHERE member_id = ?""",
        moves,
    )
    return outgoing, skipped


def _next_moments(
    now: datetime,
    local_time: str,
    timezone: str,
    weekdays: str,
    paused_until: str | None,
    quiet_start: str | None,
    quiet_end: str | None,
    due_unix: int,
    day_text: str,
) -> tuple:
    """(next check-in, its local day, this check-in's reminder, this check-in's day) for a schedule
    whose check-in of `day_text` fell due at `due_unix`; moments as unix seconds, days as text."""
    schedule = schedule_from(local_time, timezone, weekdays, paused_until, quiet_start, quiet_end)
    due_at, day = from_unix(due_unix), date.fromisoformat(day_text)
    following = next_due(schedule, max(now, due_at))
    reminder = reminder_at(schedule, CheckinDue(day, due_at), REMINDER_DELAY)
    return (
        unix(following.at) if following else None,
        following.day.isoformat() if following else None,
        unix(reminder),
        day,
    )


def _claim_reminders(conn: Session, now: datetime, platforms: frozenset[str]) -> list[Outgoing]:
    """Claim the single reminder of every check-in still unanswered when its reminder falls due."""
    due = (unix(now),)
    rows = conn.execute(
        f"""SELECT cm.member_id, cm.community_id, cm.reminder_due, cm.reminder_day, e.step, i.platform, i.user_id
            FROM checkin_members cm JOIN checkin_entries e
              ON e.member_id = cm.member_id AND e.day = cm.reminder_day
            {_account_join(platforms)}
            WHERE cm.reminder_due IS NOT NULL AND cm.reminder_due <= ?
              AND e.answered_at IS NULL AND e.reminded = 0
              AND EXISTS (SELECT 1 FROM consents c WHERE c.member_id = cm.member_id AND c.feature = 'checkins')
            ORDER BY cm.reminder_due, cm.member_id, i.added_at, i.platform
            FOR UPDATE OF cm SKIP LOCKED""",
        (*platforms, *due),
    ).fetchall()
    # Every due reminder is cleared, sent or not (answered, already reminded, no consent); rows another
    # replica's sweep holds are its own to clear.
    conn.execute(
        """UPDATE checkin_members SET reminder_due = NULL, reminder_day = NULL WHERE member_id IN
                      (SELECT member_id FROM checkin_members WHERE reminder_due <= ? FOR UPDATE SKIP LOCKED)""",
        due,
    )
    outgoing, marks = [], []
    latest = unix(now - GRACE)
    for row, user in _first_account_each(rows, platforms):
        if row["reminder_due"] < latest or user is None:
            continue
        day = date.fromisoformat(row["reminder_day"])
        marks.append((row["member_id"], row["reminder_day"]))
        outgoing.append(Outgoing(row["member_id"], user, row["community_id"], day, row))
    conn.executemany("UPDATE checkin_entries SET reminded = 1 WHERE member_id = ? AND day = ?", marks)
    return outgoing


# --- back on the event loop ----------------------------------------------------------------------------


async def send_all(cog: CheckinsCog, outgoing: list[Outgoing], build, kind: str, left: set[int]) -> int:
    """Build every claimed message, then send them through the outbox together: their intents taken
    in one statement, marked sent in one. One member's failure (a closed DM, say) does not stop the
    others, and nothing goes to someone who left while the sweep was sending."""
    items, built = [], []
    for item in outgoing:
        key = message_key(kind, item.member_id, item.day)
        if item.member_id in left:
            await cog.bot.outbox.drop(key)  # they left, or erased their data, since the claim
            continue
        try:
            # In the message's own scope: a milestone announcement the building makes is keyed by it
            # too, so a rebuild after a crash does not announce twice.
            with delivery_scope(key):
                content: Content | None = await build(item)
        except Exception:
            log.exception("check-in message could not be built", extra={"member": item.member_id})
            continue
        if content is None:  # nothing to say after all (a partner summary with no partners left)
            await cog.bot.outbox.drop(key)
            continue
        items.append(
            OutboxItem(
                Target(item.user.platform, person=item.user),
                content,
                key=key,
                wanted=lambda member=item.member_id: member not in left,
            )
        )
        built.append(item)
    sent = 0
    # As many in flight at once as the platforms take (Adapter.send_concurrency); the one that takes most
    # sets it for the batch (in practice a sweep's members are on one or two platforms).
    platforms = {item.user.platform for item in built}
    concurrency = max(
        (cog.bot.adapters[p].send_concurrency for p in platforms if p in cog.bot.adapters), default=1
    )
    results = await cog.bot.outbox.deliver_many(items, concurrency=concurrency)
    for item, result in zip(built, results, strict=True):
        if isinstance(result, BaseException):
            log.error("check-in message could not be sent", exc_info=result, extra={"member": item.member_id})
        elif result is not None:
            sent += 1
    return sent
