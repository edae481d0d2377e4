"""SQL for meetups: series, their occurrences, RSVPs with a waitlist, announcement posts, preferences.

An occurrence is keyed by the instant its rule gives it (`rule_start`, UTC); a row exists only once
something happened to it (an RSVP, an announcement, an edit or a cancellation). Every RSVP is decided
inside one database transaction (the core serialises transactions on its connection), so concurrent
answers can never put more people in seats than there are, and the waitlist keeps arrival order.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast
from zoneinfo import ZoneInfo

from bot.storage import Database, Migration
from bot.vault import Vault

from .models import ANSWERS, Meeting, Meetup, RsvpResult, iso
from .recurrence import Recurrence

MIGRATIONS = [
    Migration(
        1,
        "meetups, occurrences, RSVPs with waitlist order, announcement posts, reminder preferences",
        """
        CREATE TABLE meetups (
            id            INTEGER PRIMARY KEY,
            community_id  INTEGER NOT NULL,
            title         TEXT NOT NULL,
            description   TEXT NOT NULL DEFAULT '',
            place         TEXT NOT NULL DEFAULT '',
            zone          TEXT NOT NULL,
            first_local   TEXT NOT NULL,
            duration_min  INTEGER NOT NULL,
            capacity      INTEGER NOT NULL,
            recurrence    TEXT,
            cutoff_min    INTEGER NOT NULL DEFAULT 0,
            organiser     TEXT NOT NULL,
            origin        TEXT,
            status        TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
            sequence      INTEGER NOT NULL DEFAULT 0,
            created_at    TEXT NOT NULL
        );
        CREATE INDEX meetups_community ON meetups(community_id, status);
        CREATE TABLE meetup_occurrences (
            id            INTEGER PRIMARY KEY,
            meetup_id     INTEGER NOT NULL REFERENCES meetups(id) ON DELETE CASCADE,
            rule_start    TEXT NOT NULL,
            start_utc     TEXT NOT NULL,
            duration_min  INTEGER,
            place         TEXT,
            note          TEXT,
            cancelled     INTEGER NOT NULL DEFAULT 0,
            sequence      INTEGER NOT NULL DEFAULT 0,
            UNIQUE (meetup_id, rule_start)
        );
        CREATE TABLE meetup_rsvps (
            occurrence_id INTEGER NOT NULL REFERENCES meetup_occurrences(id) ON DELETE CASCADE,
            member_id     INTEGER NOT NULL,
            answer        TEXT NOT NULL CHECK (answer IN ('going', 'waitlist', 'maybe', 'cant')),
            position      INTEGER NOT NULL,
            platform      TEXT NOT NULL,
            display_name  TEXT NOT NULL DEFAULT '',
            answered_at   TEXT NOT NULL,
            PRIMARY KEY (occurrence_id, member_id)
        );
        CREATE INDEX meetup_rsvps_member ON meetup_rsvps(member_id);
        CREATE TABLE meetup_posts (
            occurrence_id INTEGER NOT NULL REFERENCES meetup_occurrences(id) ON DELETE CASCADE,
            platform      TEXT NOT NULL,
            place_id      TEXT NOT NULL,
            message_id    TEXT NOT NULL,
            PRIMARY KEY (occurrence_id, platform, place_id)
        );
        CREATE TABLE meetup_prefs (
            member_id     INTEGER PRIMARY KEY,
            reminders     INTEGER NOT NULL DEFAULT 1,
            remind_maybe  INTEGER NOT NULL DEFAULT 0
        );
        """,
    )
]

# The name a member showed when answering is sealed: a copy of the database alone does not say who goes
# to which recovery meetup. Bound to the member, so a token copied to another row does not open.
NAME_CONTEXT = "meetups.name:{member_id}"


class MeetupStore:
    def __init__(self, db: Database, vault: Callable[[], Vault]):
        self.db = db
        self._vault = vault  # called each time: `kindred keys rotate` replaces the bot's vault

    def _seal_name(self, member_id: int, name: str) -> str:
        return self._vault().seal(name[:80], NAME_CONTEXT.format(member_id=member_id))

    def _open_name(self, member_id: int, sealed: str) -> str:
        return self._vault().open(sealed, NAME_CONTEXT.format(member_id=member_id))

    async def seal_plain_names(self, db: Database) -> None:
        """Data migration 2: seal the names older versions stored in plain text (runs once, in its transaction)."""
        plain = await db.fetchall("SELECT rowid AS id, member_id, display_name FROM meetup_rsvps")
        for row in plain:
            await db.execute(
                "UPDATE meetup_rsvps SET display_name = ? WHERE rowid = ?",
                (self._seal_name(row["member_id"], row["display_name"]), row["id"]),
            )

    # --- meetups ----------------------------------------------------------------------------------

    async def create(
        self,
        *,
        community_id: int,
        title: str,
        description: str,
        place: str,
        start: datetime,
        duration: timedelta,
        capacity: int,
        recurrence: Recurrence | None,
        cutoff: timedelta,
        organiser: str,
        origin: dict | None,
        now: datetime,
    ) -> int:
        return await self.db.execute(
            """INSERT INTO meetups (community_id, title, description, place, zone, first_local, duration_min,
                   capacity, recurrence, cutoff_min, organiser, origin, created_at)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (
                community_id,
                title,
                description,
                place,
                cast(ZoneInfo, start.tzinfo).key,
                start.replace(tzinfo=None).isoformat(timespec="minutes"),
                int(duration.total_seconds() // 60),
                capacity,
                json.dumps(recurrence.to_dict()) if recurrence else None,
                int(cutoff.total_seconds() // 60),
                organiser,
                json.dumps(origin) if origin else None,
                iso(now),
            ),
        )

    async def get(self, meetup_id: int) -> Meetup | None:
        row = await self.db.fetchone("SELECT * FROM meetups WHERE id = ?", (meetup_id,))
        return Meetup.from_row(row) if row else None

    async def existing(self, meetup_id: int) -> Meetup:
        """A meetup that a row just read refers to (its foreign key guarantees it is there)."""
        meetup = await self.get(meetup_id)
        if meetup is None:
            raise LookupError(f"meetup {meetup_id} is gone")
        return meetup

    async def active(self, community_id: int | None = None) -> list[Meetup]:
        if community_id is None:
            rows = await self.db.fetchall("SELECT * FROM meetups WHERE status = 'active' ORDER BY id")
        else:
            rows = await self.db.fetchall(
                "SELECT * FROM meetups WHERE status = 'active' AND community_id = ? ORDER BY id",
                (community_id,),
            )
        return [Meetup.from_row(row) for row in rows]

    async def all_meetups(self) -> list[Meetup]:
        return [Meetup.from_row(row) for row in await self.db.fetchall("SELECT * FROM meetups ORDER BY id")]

    async def delete_meetup(self, meetup_id: int) -> None:
        """The meetup with its meetings, answers and post references (ON DELETE CASCADE)."""
        await self.db.execute("DELETE FROM meetups WHERE id = ?", (meetup_id,))

    async def update(self, meetup_id: int, **fields) -> None:
        columns = {
            "title": "title",
            "description": "description",
            "place": "place",
            "capacity": "capacity",
            "status": "status",
        }
        sets, values = [], []
        for name, value in fields.items():
            if name in columns:
                sets.append(f"{columns[name]} = ?")
                values.append(value)
            elif name == "duration":
                sets.append("duration_min = ?")
                values.append(int(value.total_seconds() // 60))
            elif name == "cutoff":
                sets.append("cutoff_min = ?")
                values.append(int(value.total_seconds() // 60))
            elif name == "start":
                sets += ["zone = ?", "first_local = ?"]
                values += [value.tzinfo.key, value.replace(tzinfo=None).isoformat(timespec="minutes")]
            elif name == "recurrence":
                sets.append("recurrence = ?")
                values.append(json.dumps(value.to_dict()) if value else None)
            else:
                raise ValueError(f"unknown meetup field {name}")
        sets.append("sequence = sequence + 1")
        await self.db.execute(f"UPDATE meetups SET {', '.join(sets)} WHERE id = ?", (*values, meetup_id))

    # --- occurrences ------------------------------------------------------------------------------

    def _occurrence(self, meetup: Meetup, rule_start: datetime, row) -> Meeting:
        rule_start = rule_start.astimezone(meetup.zone)
        if row is None:
            return Meeting(meetup, rule_start, rule_start, meetup.duration, meetup.place, "", False)
        return Meeting(
            meetup,
            rule_start,
            datetime.fromisoformat(row["start_utc"]).astimezone(meetup.zone),
            timedelta(minutes=row["duration_min"]) if row["duration_min"] else meetup.duration,
            row["place"] if row["place"] is not None else meetup.place,
            row["note"] or "",
            bool(row["cancelled"]),
            row["id"],
            row["sequence"],
        )

    async def occurrence(self, meetup: Meetup, rule_start: datetime) -> Meeting:
        row = await self.db.fetchone(
            "SELECT * FROM meetup_occurrences WHERE meetup_id = ? AND rule_start = ?",
            (meetup.id, iso(rule_start)),
        )
        return self._occurrence(meetup, rule_start, row)

    async def occurrence_by_id(self, occurrence_id: int) -> Meeting | None:
        row = await self.db.fetchone("SELECT * FROM meetup_occurrences WHERE id = ?", (occurrence_id,))
        if row is None:
            return None
        meetup = await self.existing(row["meetup_id"])
        return self._occurrence(meetup, datetime.fromisoformat(row["rule_start"]), row)

    async def materialize(self, occ: Meeting) -> int:
        """The occurrence's row id, creating the row if nothing had happened to it yet."""
        await self.db.execute(
            "INSERT OR IGNORE INTO meetup_occurrences (meetup_id, rule_start, start_utc) VALUES (?,?,?)",
            (occ.meetup.id, iso(occ.rule_start), iso(occ.start)),
        )
        occ.id = await self.db.fetchval(
            "SELECT id FROM meetup_occurrences WHERE meetup_id = ? AND rule_start = ?",
            (occ.meetup.id, iso(occ.rule_start)),
        )
        return occ.id

    async def materialized(self, meetup: Meetup, after: datetime | None = None) -> list[Meeting]:
        rows = await self.db.fetchall(
            "SELECT * FROM meetup_occurrences WHERE meetup_id = ? ORDER BY rule_start", (meetup.id,)
        )
        found = [self._occurrence(meetup, datetime.fromisoformat(row["rule_start"]), row) for row in rows]
        return [o for o in found if after is None or o.start > after or o.rule_start > after]

    async def upcoming(self, meetup: Meetup, now: datetime, limit: int) -> list[Meeting]:
        """The next `limit` meetings that will happen (cancelled ones left out, moves applied)."""
        rows = await self.db.fetchall(
            "SELECT * FROM meetup_occurrences WHERE meetup_id = ? AND (start_utc > ? OR rule_start > ?)",
            (meetup.id, iso(now), iso(now)),
        )
        changed = {datetime.fromisoformat(r["rule_start"]): r for r in rows}
        results: list[Meeting] = []
        cursor = now - timedelta(days=2)  # a meeting moved later may have a rule start just behind us
        while len(results) < limit:
            starts = meetup.rule_starts(after=cursor, limit=limit + len(changed) + 1)
            if not starts:
                break
            for rule_start in starts:
                occ = self._occurrence(meetup, rule_start, changed.get(rule_start))
                if not occ.cancelled and occ.start > now:
                    results.append(occ)
            cursor = starts[-1]
            if meetup.recurrence is None:
                break
        results.sort(key=lambda o: o.start)
        return results[:limit]

    async def change_occurrence(self, occ: Meeting, **fields) -> None:
        await self.materialize(occ)
        sets: list[str] = []
        values: list[Any] = []
        for name, value in fields.items():
            if name == "start":
                sets.append("start_utc = ?")
                values.append(iso(value))
            elif name == "duration":
                sets.append("duration_min = ?")
                values.append(int(value.total_seconds() // 60))
            elif name in ("place", "note", "cancelled"):
                sets.append(f"{name} = ?")
                values.append(value)
            elif name == "rule_start":
                sets.append("rule_start = ?")
                values.append(iso(value))
            else:
                raise ValueError(f"unknown occurrence field {name}")
        sets.append("sequence = sequence + 1")
        await self.db.execute(
            f"UPDATE meetup_occurrences SET {', '.join(sets)} WHERE id = ?", (*values, occ.id)
        )

    # --- RSVPs ------------------------------------------------------------------------------------

    async def answer(
        self, occ: Meeting, member_id: int, answer: str, platform: str, display_name: str, now: datetime
    ) -> RsvpResult:
        """Record one member's answer and fill seats from the waitlist, atomically."""
        assert answer in ANSWERS
        capacity = occ.meetup.capacity
        async with self.db.transaction() as db:
            occurrence_id = await self.materialize(occ)
            row = await db.fetchone(
                "SELECT answer, position FROM meetup_rsvps WHERE occurrence_id = ? AND member_id = ?",
                (occurrence_id, member_id),
            )
            previous = row["answer"] if row else None
            going = await db.fetchval(
                "SELECT COUNT(*) FROM meetup_rsvps WHERE occurrence_id = ? AND answer = 'going'",
                (occurrence_id,),
            )
            if answer == "going":
                if previous in ("going", "waitlist"):
                    stored = previous
                else:
                    stored = "going" if going < capacity else "waitlist"
            else:
                stored = answer
            if stored != previous:
                position = await db.fetchval(
                    "SELECT COALESCE(MAX(position), 0) + 1 FROM meetup_rsvps WHERE occurrence_id = ?",
                    (occurrence_id,),
                )
                await db.execute(
                    """INSERT INTO meetup_rsvps (occurrence_id, member_id, answer, position, platform, display_name,
                           answered_at) VALUES (?,?,?,?,?,?,?)
                       ON CONFLICT (occurrence_id, member_id) DO UPDATE SET answer=excluded.answer,
                           position=excluded.position, platform=excluded.platform,
                           display_name=excluded.display_name, answered_at=excluded.answered_at""",
                    (
                        occurrence_id,
                        member_id,
                        stored,
                        position,
                        platform,
                        self._seal_name(member_id, display_name),
                        iso(now),
                    ),
                )
            promoted = await self._fill_seats(db, occurrence_id, capacity)
            going = await db.fetchval(
                "SELECT COUNT(*) FROM meetup_rsvps WHERE occurrence_id = ? AND answer = 'going'",
                (occurrence_id,),
            )
            position = None
            if stored == "waitlist":
                position = await db.fetchval(
                    """SELECT COUNT(*) FROM meetup_rsvps WHERE occurrence_id = ? AND answer = 'waitlist'
                       AND position <= (SELECT position FROM meetup_rsvps WHERE occurrence_id = ? AND member_id = ?)""",
                    (occurrence_id, occurrence_id, member_id),
                )
        return RsvpResult(stored, previous, position, promoted, going, capacity)

    async def fill_seats(self, occ: Meeting) -> list[int]:
        """After a capacity change: move waitlisted members into free seats, first come first served."""
        async with self.db.transaction() as db:
            occurrence_id = await self.materialize(occ)
            return await self._fill_seats(db, occurrence_id, occ.meetup.capacity)

    async def _fill_seats(self, db: Database, occurrence_id: int, capacity: int) -> list[int]:
        going = await db.fetchval(
            "SELECT COUNT(*) FROM meetup_rsvps WHERE occurrence_id = ? AND answer = 'going'", (occurrence_id,)
        )
        free = capacity - going
        if free <= 0:
            return []
        rows = await db.fetchall(
            """SELECT member_id FROM meetup_rsvps WHERE occurrence_id = ? AND answer = 'waitlist'
               ORDER BY position LIMIT ?""",
            (occurrence_id, free),
        )
        promoted = [row["member_id"] for row in rows]
        for member_id in promoted:
            await db.execute(
                "UPDATE meetup_rsvps SET answer = 'going' WHERE occurrence_id = ? AND member_id = ?",
                (occurrence_id, member_id),
            )
        return promoted

    async def counts(self, occ: Meeting) -> dict[str, int]:
        counts = dict.fromkeys(("going", "waitlist", "maybe", "cant"), 0)
        if occ.id is None:
            return counts
        for row in await self.db.fetchall(
            "SELECT answer, COUNT(*) AS n FROM meetup_rsvps WHERE occurrence_id = ? GROUP BY answer",
            (occ.id,),
        ):
            counts[row["answer"]] = row["n"]
        return counts

    async def rsvps(self, occ: Meeting, answers: tuple[str, ...] = ("going", "waitlist", "maybe", "cant")):
        """Rows (member_id, answer, position, platform, display_name still sealed), waitlist in arrival order."""
        if occ.id is None:
            return []
        marks = ",".join("?" * len(answers))
        return await self.db.fetchall(
            f"""SELECT member_id, answer, position, platform, display_name FROM meetup_rsvps
                WHERE occurrence_id = ? AND answer IN ({marks}) ORDER BY position""",
            (occ.id, *answers),
        )

    async def rsvps_with_names(self, occ: Meeting, answers: tuple[str, ...]) -> list[dict]:
        """As rsvps(), with each member's shown name opened: only for lists people read."""
        return [
            {**row, "display_name": self._open_name(row["member_id"], row["display_name"])}
            for row in await self.rsvps(occ, answers)
        ]

    async def member_answer(self, occ: Meeting, member_id: int) -> str | None:
        if occ.id is None:
            return None
        return await self.db.fetchval(
            "SELECT answer FROM meetup_rsvps WHERE occurrence_id = ? AND member_id = ?", (occ.id, member_id)
        )

    async def member_going(self, member_id: int, now: datetime) -> list[Meeting]:
        rows = await self.db.fetchall(
            """SELECT o.* FROM meetup_rsvps r JOIN meetup_occurrences o ON o.id = r.occurrence_id
               JOIN meetups m ON m.id = o.meetup_id
               WHERE r.member_id = ? AND r.answer IN ('going', 'waitlist') AND o.cancelled = 0
                 AND m.status = 'active' AND o.start_utc > ? ORDER BY o.start_utc""",
            (member_id, iso(now)),
        )
        found = []
        for row in rows:
            meetup = await self.existing(row["meetup_id"])
            found.append(self._occurrence(meetup, datetime.fromisoformat(row["rule_start"]), row))
        return found

    # --- posts ------------------------------------------------------------------------------------

    async def add_post(self, occ: Meeting, platform: str, place_id: str, message_id: str) -> None:
        await self.materialize(occ)
        await self.db.execute(
            "INSERT OR REPLACE INTO meetup_posts (occurrence_id, platform, place_id, message_id) VALUES (?,?,?,?)",
            (occ.id, platform, place_id, message_id),
        )

    async def posts(self, occ: Meeting):
        if occ.id is None:
            return []
        return await self.db.fetchall("SELECT * FROM meetup_posts WHERE occurrence_id = ?", (occ.id,))

    # --- member preferences and data --------------------------------------------------------------

    async def prefs(self, member_id: int) -> tuple[bool, bool]:
        row = await self.db.fetchone(
            "SELECT reminders, remind_maybe FROM meetup_prefs WHERE member_id = ?", (member_id,)
        )
        return (True, False) if row is None else (bool(row["reminders"]), bool(row["remind_maybe"]))

    async def set_prefs(self, member_id: int, reminders: bool, remind_maybe: bool) -> None:
        await self.db.execute(
            "INSERT OR REPLACE INTO meetup_prefs (member_id, reminders, remind_maybe) VALUES (?,?,?)",
            (member_id, int(reminders), int(remind_maybe)),
        )

    async def export_member(self, member_id: int) -> dict:
        rows = await self.db.fetchall(
            """SELECT m.title, o.start_utc, r.answer, r.platform, r.display_name, r.answered_at
               FROM meetup_rsvps r JOIN meetup_occurrences o ON o.id = r.occurrence_id
               JOIN meetups m ON m.id = o.meetup_id WHERE r.member_id = ? ORDER BY o.start_utc""",
            (member_id,),
        )
        prefs = await self.prefs(member_id)
        return {
            "rsvps": [
                {**row, "display_name": self._open_name(member_id, row["display_name"])} for row in rows
            ],
            "reminders": {"on": prefs[0], "for_maybe_too": prefs[1]},
        }

    async def purge_answers(self, before: datetime) -> int:
        """Erase answers and post references of meetings that started before `before`."""
        async with self.db.transaction() as db:
            old = "SELECT id FROM meetup_occurrences WHERE start_utc < ?"
            count = await db.execute_rowcount(
                f"DELETE FROM meetup_rsvps WHERE occurrence_id IN ({old})", (iso(before),)
            )
            await db.execute(f"DELETE FROM meetup_posts WHERE occurrence_id IN ({old})", (iso(before),))
        return count

    async def organised_by(self, community_id: int, keys: list[str]) -> list[int]:
        if not keys:
            return []
        rows = await self.db.fetchall(
            f"SELECT id FROM meetups WHERE community_id = ? AND organiser IN ({','.join('?' for _ in keys)})",
            (community_id, *keys),
        )
        return [row["id"] for row in rows]

    async def hand_over(self, meetup_id: int, organiser: str) -> None:
        await self.db.execute("UPDATE meetups SET organiser = ? WHERE id = ?", (organiser, meetup_id))

    async def anonymise(self, meetup_id: int) -> None:
        """No organiser (moderators manage it) and none of the words its organiser wrote."""
        async with self.db.transaction() as db:
            await db.execute(
                """UPDATE meetups SET organiser = '', title = 'Meetup #' || id, description = '', place = '',
                   origin = NULL, sequence = sequence + 1 WHERE id = ?""",
                (meetup_id,),
            )
            await db.execute(
                "UPDATE meetup_occurrences SET place = NULL, note = NULL WHERE meetup_id = ?", (meetup_id,)
            )

    async def delete_member(self, member_id: int) -> list[Meeting]:
        """Erase a member's answers and preferences; returns the occurrences where a seat was freed."""
        freed = []
        rows = await self.db.fetchall(
            "SELECT occurrence_id FROM meetup_rsvps WHERE member_id = ? AND answer = 'going'", (member_id,)
        )
        async with self.db.transaction() as db:
            await db.execute("DELETE FROM meetup_rsvps WHERE member_id = ?", (member_id,))
            await db.execute("DELETE FROM meetup_prefs WHERE member_id = ?", (member_id,))
        for row in rows:
            occ = await self.occurrence_by_id(row["occurrence_id"])
            if occ is not None:
                freed.append(occ)
        return freed
