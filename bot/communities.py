"""Communities: one group of people, wherever they chat.

A Discord guild and Matrix rooms map to one community, with its own timezone, country and moderators.
Only what the config maps is a community's place. On platforms open to strangers (Discord, Matrix) a
server or room nobody mapped belongs to no community: there the bot offers DMs and personal features
only, and nobody's power in it makes them a moderator of anything (docs/security.md). Local adapters
(the console, the test kit) have one operator and speak for the default community (`[community]`).

A community's name, timezone and country come from the config file; a moderator can change them from
chat (`!community timezone ...`). The chat change is kept until the file's own value changes: whoever
changed it last wins, and the file is never silently ignored after an edit.
"""

from __future__ import annotations

import json
from typing import Any

from bot.config import CommunitySettings, Settings
from bot.model import Community, PlaceRef, Platform
from bot.storage import Database, Migration

DEFAULT_COMMUNITY_ID = 1
CHANGEABLE = ("name", "timezone", "country")  # what moderators may change from chat

MIGRATIONS = [
    Migration(
        1,
        "communities, where they live, and their settings",
        """
        CREATE TABLE communities (
            id       INTEGER PRIMARY KEY,
            name     TEXT NOT NULL UNIQUE,
            timezone TEXT NOT NULL,
            country  TEXT NOT NULL
        );
        CREATE TABLE community_scopes (
            platform     TEXT NOT NULL,
            scope_id     TEXT NOT NULL,
            community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
            PRIMARY KEY (platform, scope_id)
        );
        CREATE TABLE community_settings (
            community_id INTEGER NOT NULL REFERENCES communities(id) ON DELETE CASCADE,
            component    TEXT NOT NULL,
            key          TEXT NOT NULL,
            value        TEXT NOT NULL,
            PRIMARY KEY (community_id, component, key)
        );
        """,
    )
]


class CommunitySettingsStore:
    """Per-community settings a cog keeps (set by moderators), stored as JSON values."""

    def __init__(self, db: Database, community_id: int, component: str):
        self.db, self.community_id, self.component = db, community_id, component

    async def get(self, key: str, default: Any = None) -> Any:
        raw = await self.db.fetchval(
            "SELECT value FROM community_settings WHERE community_id = ? AND component = ? AND key = ?",
            (self.community_id, self.component, key),
        )
        return default if raw is None else json.loads(raw)

    async def set(self, key: str, value: Any) -> None:
        await self.db.execute(
            "INSERT OR REPLACE INTO community_settings (community_id, component, key, value) VALUES (?,?,?,?)",
            (self.community_id, self.component, key, json.dumps(value)),
        )

    async def delete(self, key: str) -> None:
        await self.db.execute(
            "DELETE FROM community_settings WHERE community_id = ? AND component = ? AND key = ?",
            (self.community_id, self.component, key),
        )

    async def all(self) -> dict[str, Any]:
        rows = await self.db.fetchall(
            "SELECT key, value FROM community_settings WHERE community_id = ? AND component = ?",
            (self.community_id, self.component),
        )
        return {row["key"]: json.loads(row["value"]) for row in rows}


class Communities:
    def __init__(self, db: Database, settings: Settings):
        self.db = db
        self.settings = settings
        self.moderator_keys: dict[int, set[str]] = {}
        self._cache: dict[tuple[str, str], int] = {}
        self._by_id: dict[int, Community] = {}
        # What the config file says for each community, to tell whether a chat change is still the latest.
        self._from_file: dict[int, dict[str, str]] = {}

    async def sync_from_config(self) -> None:
        """Make the database agree with the config: the default community is always id 1."""
        entries = [self.settings.community, *self.settings.communities]
        async with self.db.transaction() as db:
            for index, entry in enumerate(entries):
                community_id = await self._upsert(db, entry, DEFAULT_COMMUNITY_ID if index == 0 else None)
                self.moderator_keys[community_id] = set(entry.moderators)
                self._from_file[community_id] = {key: getattr(entry, key) for key in CHANGEABLE}
                for guild in entry.discord_guilds:
                    await self._map(db, Platform.DISCORD, guild, community_id)
                for room in entry.matrix_rooms:
                    await self._map(db, Platform.MATRIX, room, community_id)
        await self._load()

    async def _upsert(self, db: Database, entry: CommunitySettings, fixed_id: int | None) -> int:
        if fixed_id is not None:
            await db.execute(
                """INSERT INTO communities (id, name, timezone, country) VALUES (?,?,?,?)
                   ON CONFLICT (id) DO UPDATE SET name=excluded.name, timezone=excluded.timezone,
                   country=excluded.country""",
                (fixed_id, entry.name, entry.timezone, entry.country),
            )
            return fixed_id
        await db.execute(
            """INSERT INTO communities (name, timezone, country) VALUES (?,?,?)
               ON CONFLICT (name) DO UPDATE SET timezone=excluded.timezone, country=excluded.country""",
            (entry.name, entry.timezone, entry.country),
        )
        return await db.fetchval("SELECT id FROM communities WHERE name = ?", (entry.name,))

    async def _map(self, db: Database, platform: str, scope_id: str, community_id: int) -> None:
        await db.execute(
            "INSERT OR REPLACE INTO community_scopes (platform, scope_id, community_id) VALUES (?,?,?)",
            (platform, scope_id, community_id),
        )

    async def _load(self) -> None:
        self._by_id = {}
        for row in await self.db.fetchall("SELECT * FROM communities"):
            changed = await self.settings_for(row["id"], "core").all()
            from_file = self._from_file.get(row["id"], {key: row[key] for key in CHANGEABLE})
            values = {key: _latest(from_file[key], changed.get(key)) for key in CHANGEABLE}
            self._by_id[row["id"]] = Community(
                row["id"], values["name"], values["timezone"], values["country"]
            )
        self._cache = {
            (row["platform"], row["scope_id"]): row["community_id"]
            for row in await self.db.fetchall("SELECT * FROM community_scopes")
        }

    def get(self, community_id: int) -> Community:
        return self._by_id.get(community_id) or self._by_id[DEFAULT_COMMUNITY_ID]

    def all(self) -> list[Community]:
        return sorted(self._by_id.values(), key=lambda c: c.id)

    def for_place(self, place: PlaceRef) -> Community:
        """The community whose settings (timezone, country) apply here: the mapped one, else the default."""
        return self.mapped(place) or self.get(DEFAULT_COMMUNITY_ID)

    def mapped(self, place: PlaceRef) -> Community | None:
        """The community the config maps this place (or its server, space) to; None if nobody mapped it."""
        scope = place.scope_id or place.place_id
        community_id = self._cache.get((place.platform, scope))
        return None if community_id is None else self.get(community_id)

    def scopes(self, community_id: int, platform: str) -> list[str]:
        return [
            scope for (plat, scope), cid in self._cache.items() if cid == community_id and plat == platform
        ]

    def settings_for(self, community_id: int, component: str) -> CommunitySettingsStore:
        return CommunitySettingsStore(self.db, community_id, component)

    async def setting_of_many(
        self, community_ids: list[int], component: str, key: str, default: Any = None
    ) -> dict[int, Any]:
        """One setting of many communities in one query (a cog posting for all of them at once)."""
        if not community_ids:
            return {}
        rows = await self.db.fetchall(
            "SELECT community_id, value FROM community_settings WHERE component = ? AND key = ? "
            f"AND community_id IN ({','.join('?' for _ in community_ids)})",
            (component, key, *community_ids),
        )
        found = {row["community_id"]: json.loads(row["value"]) for row in rows}
        return {community_id: found.get(community_id, default) for community_id in community_ids}

    async def update(self, community_id: int, **changes: str) -> Community:
        """A moderator's change to the community's name, timezone or country, kept over the config's
        value until that value itself is edited."""
        store = self.settings_for(community_id, "core")
        from_file = self._from_file.get(community_id, {})
        for key, value in changes.items():
            if key not in CHANGEABLE:
                raise ValueError(f"a community has no setting {key!r}")
            await store.set(key, {"value": value, "over": from_file.get(key)})
        await self._load()
        return self.get(community_id)


def _latest(from_file: str, changed: Any) -> str:
    """The chat change if it was made over the file's current value (or is an older, plain one)."""
    if isinstance(changed, dict):
        return changed["value"] if changed.get("over") in (None, from_file) else from_file
    return changed if isinstance(changed, str) else from_file
