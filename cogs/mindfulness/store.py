"""SQL for the mindfulness cog: community prompts, schedules, suggestions and the moderators' log.

The built-in library is not copied into each community: a community's library is the built-in prompts
overlaid with its own rows (a row with a built-in id is an edit or a retirement of that prompt). The
effective library is cached per community and dropped on every change, so posting does not query it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.storage import Migration
from cogs.mindfulness.library import Prompt, builtin_prompts
from cogs.mindfulness.rotation import RotationState

if TYPE_CHECKING:
    from bot.storage import Database

MIGRATIONS = [
    Migration(
        1,
        "community prompts, schedules, suggestions and the moderators' log",
        """
        CREATE TABLE mindfulness_prompts (
            community_id INTEGER NOT NULL,
            prompt_id    TEXT NOT NULL,
            category     TEXT NOT NULL,
            title        TEXT NOT NULL,
            text         TEXT NOT NULL,
            follow_up    TEXT,
            duration     INTEGER,
            retired      INTEGER NOT NULL DEFAULT 0,
            origin       TEXT NOT NULL,
            credit_name  TEXT,
            credit_member INTEGER,
            updated_at   TEXT NOT NULL,
            PRIMARY KEY (community_id, prompt_id)
        );
        CREATE TABLE mindfulness_schedules (
            id           INTEGER PRIMARY KEY,
            community_id INTEGER NOT NULL,
            platform     TEXT NOT NULL,
            place_id     TEXT NOT NULL,
            scope_id     TEXT,
            hour         INTEGER NOT NULL,
            minute       INTEGER NOT NULL,
            timezone     TEXT NOT NULL,
            days         TEXT NOT NULL,
            categories   TEXT NOT NULL DEFAULT '',
            grace_minutes INTEGER NOT NULL,
            paused       INTEGER NOT NULL DEFAULT 0,
            rotation     TEXT NOT NULL,
            last_posted_on TEXT,
            recent       TEXT NOT NULL DEFAULT '[]',
            created_at   TEXT NOT NULL
        );
        CREATE INDEX mindfulness_schedules_by_community ON mindfulness_schedules (community_id);
        CREATE TABLE mindfulness_suggestions (
            id           INTEGER PRIMARY KEY,
            community_id INTEGER NOT NULL,
            member_id    INTEGER NOT NULL,
            text         TEXT NOT NULL,
            status       TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected')),
            wants_credit INTEGER NOT NULL DEFAULT 0,
            duplicate_of TEXT,
            note         TEXT,
            prompt_id    TEXT,
            created_at   TEXT NOT NULL,
            decided_at   TEXT
        );
        CREATE INDEX mindfulness_suggestions_by_member ON mindfulness_suggestions (member_id);
        CREATE TABLE mindfulness_log (
            id           INTEGER PRIMARY KEY,
            community_id INTEGER NOT NULL,
            at           TEXT NOT NULL,
            actor_key    TEXT,
            actor_name   TEXT NOT NULL,
            action       TEXT NOT NULL,
            detail       TEXT NOT NULL DEFAULT ''
        );
        CREATE INDEX mindfulness_log_by_community ON mindfulness_log (community_id, id);
        """,
    ),
    Migration(
        2,
        "the name a member asked to be credited with (sealed), kept from when they chose it",
        "ALTER TABLE mindfulness_suggestions ADD COLUMN credit_name TEXT;",
    ),
]

LOG_RETENTION = timedelta(days=365)
RECENT_POSTS = 10


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass
class PromptSchedule:
    id: int
    community_id: int
    platform: str
    place_id: str
    scope_id: str | None
    hour: int
    minute: int
    timezone: str
    days: tuple[str, ...]
    categories: tuple[str, ...]  # empty: every category
    grace_minutes: int
    paused: bool
    rotation: RotationState
    last_posted_on: str | None = None  # local date of the last scheduled post (one a day, even on DST days)
    # The last few posts [(at, prompt id, how)], kept in the same row as the rotation so that a scheduled
    # post costs one write here rather than two; `!prompts log` shows them beside moderators' actions.
    recent: list = field(default_factory=list)

    def remember(self, at: str, prompt_id: str, how: str) -> None:
        self.recent = [*self.recent, [at, prompt_id, how]][-RECENT_POSTS:]

    @property
    def key(self) -> str:
        return f"c{self.community_id}:s{self.id}"

    @classmethod
    def from_row(cls, row) -> PromptSchedule:
        return cls(
            id=row["id"],
            community_id=row["community_id"],
            platform=row["platform"],
            place_id=row["place_id"],
            scope_id=row["scope_id"],
            hour=row["hour"],
            minute=row["minute"],
            timezone=row["timezone"],
            days=tuple(row["days"].split(",")),
            categories=tuple(c for c in row["categories"].split(",") if c),
            grace_minutes=row["grace_minutes"],
            paused=bool(row["paused"]),
            rotation=RotationState.from_json(row["rotation"]),
            last_posted_on=row["last_posted_on"],
            recent=json.loads(row["recent"]),
        )


def _prompt_from_row(row) -> Prompt:
    return Prompt(
        id=row["prompt_id"],
        category=row["category"],
        title=row["title"],
        text=row["text"],
        follow_up=row["follow_up"],
        duration=row["duration"],
        retired=bool(row["retired"]),
        origin=row["origin"],
        credit=row["credit_name"],
    )


def _marks(values) -> str:
    return ",".join("?" for _ in values)


class MindfulnessStore:
    def __init__(self, db: Database, clock):
        self.db = db
        self.clock = clock
        self._libraries: dict[int, dict[str, Prompt]] = {}
        # (community, categories) -> (the library it was drawn from, ids of its active prompts there)
        self._pools: dict[tuple[int, tuple[str, ...]], tuple[dict[str, Prompt], list[str]]] = {}
        self._schedules: dict[int, PromptSchedule] = {}

    # --- prompts ----------------------------------------------------------------------------------

    async def library(self, community_id: int) -> dict[str, Prompt]:
        """Every prompt of the community, retired ones included, by id (built-in order first)."""
        cached = self._libraries.get(community_id)
        if cached is not None:
            return cached
        await self.load_libraries([community_id])
        return self._libraries[community_id]

    async def load_libraries(self, community_ids) -> None:
        """Read the libraries not in memory yet, in one query (for posts that fall due together)."""
        missing = [cid for cid in dict.fromkeys(community_ids) if cid not in self._libraries]
        if not missing:
            return
        rows = await self.db.fetchall(
            f"SELECT * FROM mindfulness_prompts WHERE community_id IN ({_marks(missing)}) ORDER BY rowid",
            missing,
        )
        libraries = {cid: {prompt.id: prompt for prompt in builtin_prompts()} for cid in missing}
        for row in rows:
            libraries[row["community_id"]][row["prompt_id"]] = _prompt_from_row(row)
        self._libraries.update(libraries)

    def pool(self, community_id: int, library: dict[str, Prompt], categories: tuple[str, ...]) -> list[str]:
        """Ids of the library's active prompts in the categories (all if none), for the rotation.

        Kept until the community's library is read again: any edit replaces the library object.
        """
        cached = self._pools.get((community_id, categories))
        if cached is not None and cached[0] is library:
            return cached[1]
        ids = [
            p.id for p in library.values() if not p.retired and (not categories or p.category in categories)
        ]
        self._pools[(community_id, categories)] = (library, ids)
        return ids

    async def active(self, community_id: int, categories: tuple[str, ...] = ()) -> list[Prompt]:
        library = await self.library(community_id)
        return [p for p in library.values() if not p.retired and (not categories or p.category in categories)]

    async def save_prompts(
        self, community_id: int, prompts: list[Prompt], credit_member: int | None = None
    ) -> None:
        """Insert or replace community rows (all in one transaction)."""
        now = iso(self.clock.now())
        async with self.db.transaction() as db:
            for prompt in prompts:
                await db.execute(
                    # An edit keeps whose suggestion it was, so that !forgetme can still clear the credit.
                    """INSERT INTO mindfulness_prompts (community_id, prompt_id, category, title, text,
                       follow_up, duration, retired, origin, credit_name, credit_member, updated_at)
                       VALUES (?,?,?,?,?,?,?,?,?,?,?,?)
                       ON CONFLICT (community_id, prompt_id) DO UPDATE SET category = excluded.category,
                         title = excluded.title, text = excluded.text, follow_up = excluded.follow_up,
                         duration = excluded.duration, retired = excluded.retired, origin = excluded.origin,
                         credit_name = excluded.credit_name,
                         credit_member = CASE WHEN excluded.credit_name IS NULL THEN NULL
                                              ELSE coalesce(excluded.credit_member, mindfulness_prompts.credit_member) END,
                         updated_at = excluded.updated_at""",
                    (
                        community_id,
                        prompt.id,
                        prompt.category,
                        prompt.title,
                        prompt.text,
                        prompt.follow_up,
                        prompt.duration,
                        int(prompt.retired),
                        prompt.origin,
                        prompt.credit,
                        credit_member,
                        now,
                    ),
                )
        self._libraries.pop(community_id, None)

    async def clear_credit(self, member_id: int) -> None:
        await self.db.execute(
            "UPDATE mindfulness_prompts SET credit_name = NULL, credit_member = NULL WHERE credit_member = ?",
            (member_id,),
        )
        self._libraries.clear()

    async def credited_prompts(self, member_id: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT prompt_id FROM mindfulness_prompts WHERE credit_member = ?", (member_id,)
        )
        return [row[0] for row in rows]

    # --- schedules --------------------------------------------------------------------------------

    async def add_schedule(self, schedule: PromptSchedule) -> PromptSchedule:
        schedule.id = await self.db.execute(
            """INSERT INTO mindfulness_schedules (community_id, platform, place_id, scope_id, hour, minute,
               timezone, days, categories, grace_minutes, paused, rotation, created_at)
               VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)""",
            (
                schedule.community_id,
                schedule.platform,
                schedule.place_id,
                schedule.scope_id,
                schedule.hour,
                schedule.minute,
                schedule.timezone,
                ",".join(schedule.days),
                ",".join(schedule.categories),
                schedule.grace_minutes,
                int(schedule.paused),
                schedule.rotation.to_json(),
                iso(self.clock.now()),
            ),
        )
        self._schedules[schedule.id] = schedule
        return schedule

    async def schedule(self, schedule_id: int) -> PromptSchedule | None:
        cached = self._schedules.get(schedule_id)
        if cached is not None:
            return cached
        row = await self.db.fetchone("SELECT * FROM mindfulness_schedules WHERE id = ?", (schedule_id,))
        if row is None:
            return None
        self._schedules[schedule_id] = schedule = PromptSchedule.from_row(row)
        return schedule

    async def schedules_by_id(self, schedule_ids) -> dict[int, PromptSchedule]:
        """The schedules asked for that exist; those not in memory yet are read in one query."""
        missing = [sid for sid in dict.fromkeys(schedule_ids) if sid not in self._schedules]
        if missing:
            rows = await self.db.fetchall(
                f"SELECT * FROM mindfulness_schedules WHERE id IN ({_marks(missing)})", missing
            )
            for row in rows:
                self._schedules[row["id"]] = PromptSchedule.from_row(row)
        return {sid: self._schedules[sid] for sid in schedule_ids if sid in self._schedules}

    async def schedules(self, community_id: int) -> list[PromptSchedule]:
        rows = await self.db.fetchall(
            "SELECT id FROM mindfulness_schedules WHERE community_id = ? ORDER BY id", (community_id,)
        )
        return [schedule for row in rows if (schedule := await self.schedule(row[0])) is not None]

    async def save_rotation(self, schedule: PromptSchedule) -> None:
        await self.db.execute(
            "UPDATE mindfulness_schedules SET rotation = ?, last_posted_on = ?, recent = ? WHERE id = ?",
            (schedule.rotation.to_json(), schedule.last_posted_on, json.dumps(schedule.recent), schedule.id),
        )

    async def save_rotations(self, schedules: list[PromptSchedule]) -> None:
        """`save_rotation` for many schedules in one statement (after a batch of posts)."""
        if not schedules:
            return
        await self.db.execute(
            "UPDATE mindfulness_schedules SET rotation = saved.column2, last_posted_on = saved.column3, "
            "recent = saved.column4 FROM (VALUES (CAST(? AS INTEGER),?,?,?)"
            + ",(?,?,?,?)"
            * (len(schedules) - 1)
            + ") AS saved "
            "WHERE mindfulness_schedules.id = saved.column1",
            [
                value
                for schedule in schedules
                for value in (
                    schedule.id,
                    schedule.rotation.to_json(),
                    schedule.last_posted_on,
                    json.dumps(schedule.recent),
                )
            ],
        )

    async def set_paused(self, schedule: PromptSchedule, paused: bool) -> None:
        schedule.paused = paused
        await self.db.execute(
            "UPDATE mindfulness_schedules SET paused = ? WHERE id = ?", (int(paused), schedule.id)
        )

    async def remove_schedule(self, schedule_id: int) -> None:
        self._schedules.pop(schedule_id, None)
        await self.db.execute("DELETE FROM mindfulness_schedules WHERE id = ?", (schedule_id,))

    # --- suggestions ------------------------------------------------------------------------------

    async def add_suggestion(
        self, community_id: int, member_id: int, sealed_text: str, duplicate_of: str | None
    ) -> int:
        return await self.db.execute(
            """INSERT INTO mindfulness_suggestions (community_id, member_id, text, status, duplicate_of, created_at)
               VALUES (?,?,?,?,?,?)""",
            (community_id, member_id, sealed_text, "pending", duplicate_of, iso(self.clock.now())),
        )

    async def suggestion(self, suggestion_id: int):
        return await self.db.fetchone("SELECT * FROM mindfulness_suggestions WHERE id = ?", (suggestion_id,))

    async def suggestions_of(self, member_id: int):
        return await self.db.fetchall(
            "SELECT * FROM mindfulness_suggestions WHERE member_id = ? ORDER BY id DESC", (member_id,)
        )

    async def pending_counts(self, community_id: int, member_id: int) -> tuple[int, int]:
        """Suggestions waiting for review: (this member's, the whole community's)."""
        row = await self.db.fetchone(
            "SELECT SUM(CASE WHEN member_id = ? THEN 1 ELSE 0 END), COUNT(*) FROM mindfulness_suggestions WHERE community_id = ? "
            "AND status = 'pending'",
            (member_id, community_id),
        )
        return (int(row[0] or 0), int(row[1] or 0)) if row else (0, 0)

    async def pending_suggestions(self, community_id: int):
        return await self.db.fetchall(
            "SELECT * FROM mindfulness_suggestions WHERE community_id = ? AND status = 'pending' ORDER BY id",
            (community_id,),
        )

    async def set_credit_wish(self, suggestion_id: int, member_id: int, sealed_name: str | None) -> bool:
        """The member's choice: credited with this (sealed) name, or anonymous (None)."""
        return bool(
            await self.db.execute_rowcount(
                "UPDATE mindfulness_suggestions SET wants_credit = ?, credit_name = ? WHERE id = ? AND member_id = ?",
                (int(sealed_name is not None), sealed_name, suggestion_id, member_id),
            )
        )

    async def decide(
        self, suggestion_id: int, status: str, sealed_note: str | None, prompt_id: str | None
    ) -> None:
        await self.db.execute(
            "UPDATE mindfulness_suggestions SET status = ?, note = ?, prompt_id = ?, decided_at = ? WHERE id = ?",
            (status, sealed_note, prompt_id, iso(self.clock.now()), suggestion_id),
        )

    async def delete_suggestions_of(self, member_id: int, prompts: Sequence[tuple[int, str]] = ()) -> None:
        """Their suggestions, and `prompts` ((community, prompt id)) made from them in their own words."""
        async with self.db.transaction() as db:
            for community_id, prompt_id in prompts:
                await db.execute(
                    "DELETE FROM mindfulness_prompts WHERE community_id = ? AND prompt_id = ? "
                    "AND origin = 'suggestion'",
                    (community_id, prompt_id),
                )
                # The id is a slug of their words: the moderators' log keeps the line, not the words.
                await db.execute(
                    "UPDATE mindfulness_log SET detail = replace(detail, ?1, 'a removed prompt') "
                    "WHERE community_id = ?2 AND instr(detail, ?1) > 0",
                    (prompt_id, community_id),
                )
            await db.execute("DELETE FROM mindfulness_suggestions WHERE member_id = ?", (member_id,))
        self._libraries.clear()

    # --- the moderators' log ----------------------------------------------------------------------

    async def log(
        self, community_id: int, actor_key: str | None, actor_name: str, action: str, detail: str = ""
    ) -> None:
        await self.db.execute(
            "INSERT INTO mindfulness_log (community_id, at, actor_key, actor_name, action, detail) VALUES (?,?,?,?,?,?)",
            (community_id, iso(self.clock.now()), actor_key, actor_name, action, detail),
        )

    async def forget_old_log(self, now: datetime) -> int:
        """Moderator actions are kept a year (the daily retention sweep)."""
        return await self.db.execute_rowcount(
            "DELETE FROM mindfulness_log WHERE at < ?", (iso(now - LOG_RETENTION),)
        )

    async def recent_log(self, community_id: int, limit: int):
        return await self.db.fetchall(
            "SELECT * FROM mindfulness_log WHERE community_id = ? ORDER BY id DESC LIMIT ?",
            (community_id, limit),
        )

    async def log_entries_by(self, actor_keys: list[str]):
        if not actor_keys:
            return []
        marks = ",".join("?" for _ in actor_keys)
        return await self.db.fetchall(
            f"SELECT at, action, detail FROM mindfulness_log WHERE actor_key IN ({marks}) ORDER BY id",
            actor_keys,
        )

    async def anonymise_log(self, actor_keys: list[str]) -> int:
        if not actor_keys:
            return 0
        marks = ",".join("?" for _ in actor_keys)
        return await self.db.execute_rowcount(
            f"UPDATE mindfulness_log SET actor_key = NULL, actor_name = 'a former moderator' "
            f"WHERE actor_key IN ({marks})",
            actor_keys,
        )
