"""Members, their platform identities, and what they consented to.

A member row exists only once a person has opted in to something: commands such as !help or
!helpline never create one. Cogs key their data by member id, so a person who links a Discord and a
Matrix account (two identities, one member) is exported and erased as one.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.model import UserRef
from bot.storage import Database, Migration

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.commands import Context
    from bot.core import Kindred
    from bot.services import BotServices

MIGRATIONS = [
    Migration(
        1,
        "members, identities and consent records",
        """
        CREATE TABLE members (
            id         INTEGER PRIMARY KEY,
            created_at TEXT NOT NULL
        );
        CREATE TABLE identities (
            platform   TEXT NOT NULL,
            user_id    TEXT NOT NULL,
            member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            added_at   TEXT NOT NULL,
            PRIMARY KEY (platform, user_id)
        );
        CREATE INDEX identities_member ON identities(member_id);
        CREATE TABLE consents (
            member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            feature    TEXT NOT NULL,
            statement  TEXT NOT NULL,
            statement_sha256 TEXT NOT NULL,
            agreed_at  TEXT NOT NULL,
            PRIMARY KEY (member_id, feature)
        );
        """,
    ),
    Migration(
        2,
        "one-time codes that link a member's accounts across platforms",
        """
        CREATE TABLE link_codes (
            code_sha256 TEXT PRIMARY KEY,
            member_id   INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            expires_at  TEXT NOT NULL
        );
        """,
    ),
    Migration(
        3,
        "a consent keeps the hash of the statement agreed to; each statement's text is kept once",
        # Each consent row used to carry the whole statement (about 1 KB); thousands of members agree to
        # the same few texts. The text is kept once, under its SHA-256, and a consent names that hash.
        """
        CREATE TABLE consent_statements (
            sha256     TEXT PRIMARY KEY,
            text       TEXT NOT NULL,
            first_agreed_at TEXT NOT NULL
        );
        INSERT INTO consent_statements (sha256, text, first_agreed_at)
            SELECT statement_sha256, statement, MIN(agreed_at) FROM consents GROUP BY statement_sha256, statement;
        CREATE TABLE consents_by_hash (
            member_id  INTEGER NOT NULL REFERENCES members(id) ON DELETE CASCADE,
            feature    TEXT NOT NULL,
            statement_sha256 TEXT NOT NULL REFERENCES consent_statements(sha256),
            agreed_at  TEXT NOT NULL,
            PRIMARY KEY (member_id, feature)
        );
        INSERT INTO consents_by_hash (member_id, feature, statement_sha256, agreed_at)
            SELECT member_id, feature, statement_sha256, agreed_at FROM consents;
        DROP TABLE consents;
        ALTER TABLE consents_by_hash RENAME TO consents;
        """,
    ),
    Migration(
        4,
        "each account keeps where the bot reaches it privately (a Discord DM channel id)",
        # discord.py keeps only 128 DM channels in memory: without this, every check-in to a member past
        # those cost two requests (open the DM, then send), twice the time at Discord's request limit.
        "ALTER TABLE identities ADD COLUMN direct_place TEXT;",
    ),
]

LINK_CODE_LIFETIME_MINUTES = 10


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


def _hash_code(code: str) -> str:
    normalized = code.strip().upper().replace(" ", "").replace("-", "")
    return hashlib.sha256(normalized.encode()).hexdigest()


class Members:
    def __init__(self, db: Database, clock: Clock):
        self.db = db
        self.clock = clock

    def _now(self) -> str:
        return _stamp(self.clock.now())

    async def lookup(self, user: UserRef) -> int | None:
        return await self.db.fetchval(
            "SELECT member_id FROM identities WHERE platform = ? AND user_id = ?",
            (user.platform, user.user_id),
        )

    async def ensure(self, user: UserRef) -> int:
        """The member id for this person, created now. Call only once they have opted in."""
        async with self.db.transaction() as db:
            existing = await self.lookup(user)
            if existing is not None:
                return existing
            member_id = await db.execute("INSERT INTO members (created_at) VALUES (?)", (self._now(),))
            await db.execute(
                "INSERT INTO identities (platform, user_id, member_id, added_at) VALUES (?,?,?,?)",
                (user.platform, user.user_id, member_id, self._now()),
            )
            return member_id

    async def identities(self, member_id: int) -> list[UserRef]:
        rows = await self.db.fetchall(
            "SELECT platform, user_id FROM identities WHERE member_id = ? ORDER BY added_at, platform",
            (member_id,),
        )
        return [UserRef(row["platform"], row["user_id"]) for row in rows]

    async def link(self, member_id: int, user: UserRef) -> None:
        """Attach another platform identity to an existing member (linked accounts)."""
        await self.db.execute(
            "INSERT OR REPLACE INTO identities (platform, user_id, member_id, added_at) VALUES (?,?,?,?)",
            (user.platform, user.user_id, member_id, self._now()),
        )

    async def direct_place(self, user: UserRef) -> str | None:
        """Where the bot last reached this member's account privately, if it is a member's."""
        return await self.db.fetchval(
            "SELECT direct_place FROM identities WHERE platform = ? AND user_id = ?",
            (user.platform, user.user_id),
        )

    async def remember_direct_place(self, user: UserRef, place_id: str | None) -> None:
        """Keep it with the account (None forgets it). Nothing is kept for someone who is not a member:
        the row exists only once they opted in."""
        await self.db.execute(
            "UPDATE identities SET direct_place = ? WHERE platform = ? AND user_id = ?",
            (place_id, user.platform, user.user_id),
        )

    async def unlink(self, user: UserRef) -> None:
        await self.db.execute(
            "DELETE FROM identities WHERE platform = ? AND user_id = ?", (user.platform, user.user_id)
        )

    async def new_link_code(self, member_id: int, now: datetime) -> str:
        """A short one-time code; only its hash is kept, and it expires in ten minutes."""
        code = "-".join(secrets.token_hex(2).upper() for _ in range(3))
        expires = (now + timedelta(minutes=LINK_CODE_LIFETIME_MINUTES)).isoformat()
        async with self.db.transaction() as db:
            await db.execute(
                "DELETE FROM link_codes WHERE member_id = ? OR expires_at < ?", (member_id, now.isoformat())
            )
            await db.execute(
                "INSERT INTO link_codes (code_sha256, member_id, expires_at) VALUES (?,?,?)",
                (_hash_code(code), member_id, expires),
            )
        return code

    async def redeem_link_code(self, code: str, now: datetime) -> int | None:
        """The member the code belongs to, if it is valid; a code works once."""
        async with self.db.transaction() as db:
            row = await db.fetchone(
                "SELECT member_id, expires_at FROM link_codes WHERE code_sha256 = ?", (_hash_code(code),)
            )
            if row is None:
                return None
            await db.execute("DELETE FROM link_codes WHERE code_sha256 = ?", (_hash_code(code),))
            return row["member_id"] if row["expires_at"] >= now.isoformat() else None

    async def delete(self, member_id: int) -> None:
        # identities and consents go with the member (ON DELETE CASCADE).
        await self.db.execute("DELETE FROM members WHERE id = ?", (member_id,))

    async def export(self, member_id: int) -> dict:
        identities = await self.identities(member_id)
        consents = await self.db.fetchall(
            """SELECT c.feature, s.text AS statement, c.agreed_at FROM consents c
               JOIN consent_statements s ON s.sha256 = c.statement_sha256
               WHERE c.member_id = ? ORDER BY c.feature""",
            (member_id,),
        )
        created = await self.db.fetchval("SELECT created_at FROM members WHERE id = ?", (member_id,))
        direct = await self.db.fetchall(
            "SELECT platform, user_id, direct_place FROM identities WHERE member_id = ? AND direct_place IS NOT NULL",
            (member_id,),
        )
        return {
            "member_since": created,
            "accounts": [user.key for user in identities],
            "private_chats": {f"{row['platform']}:{row['user_id']}": row["direct_place"] for row in direct},
            "consents": [dict(row) for row in consents],
        }


def feature_title(bot: BotServices, feature: str | None) -> str:
    """A feature as members read it ("check-ins" for "checkins"): its cog's title, in lower case."""
    return next(
        (cog.title.lower() for cog in bot.cogs.values() if cog.feature == feature and cog.title),
        feature or "",
    )


class Consent:
    """Opt-in records: what a member agreed to, and when. A consent names the statement by its SHA-256;
    `consent_statements` keeps each statement's text once, however many agreed to it."""

    def __init__(self, bot: Kindred):
        self.bot = bot

    async def has(self, member_id: int | None, feature: str) -> bool:
        if member_id is None:
            return False
        return bool(
            await self.bot.db.fetchval(
                "SELECT 1 FROM consents WHERE member_id = ? AND feature = ?", (member_id, feature)
            )
        )

    async def ask(self, ctx: Context, feature: str, statement: str) -> None:
        """Show what the feature stores and ask for agreement; on Agree the cog's on_consent runs."""
        from bot.model import Choice, Content

        await ctx.reply(
            Content(
                title="Before we start",
                text=statement,
                choices=[
                    Choice(f"consent:agree:{feature}", "I agree", "success"),
                    Choice(f"consent:decline:{feature}", "No thanks"),
                ],
                about=f"joining {feature_title(self.bot, feature)}",
            ),
            private=True,
        )

    async def record(self, user: UserRef, feature: str, statement: str) -> int:
        # One transaction: a member row never exists without the consent that allowed it.
        agreed_at = _stamp(self.bot.clock.now())
        digest = hashlib.sha256(statement.encode()).hexdigest()
        async with self.bot.db.transaction() as db:
            member_id = await self.bot.members.ensure(user)
            await db.execute(
                "INSERT OR IGNORE INTO consent_statements (sha256, text, first_agreed_at) VALUES (?,?,?)",
                (digest, statement, agreed_at),
            )
            await db.execute(
                "INSERT OR REPLACE INTO consents (member_id, feature, statement_sha256, agreed_at) VALUES (?,?,?,?)",
                (member_id, feature, digest, agreed_at),
            )
        return member_id

    async def revoke(self, member_id: int, feature: str) -> bool:
        return bool(
            await self.bot.db.execute_rowcount(
                "DELETE FROM consents WHERE member_id = ? AND feature = ?", (member_id, feature)
            )
        )
