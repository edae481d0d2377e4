"""Upload slash commands only when their declarations changed.

Discord limits how often commands may be replaced, and a sync on every start makes members' command
lists flicker. A fingerprint of the last uploaded set is kept in the database, per application.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.adapters.discord.slash import declarations_hash
from bot.storage import Migration

if TYPE_CHECKING:
    from bot.adapters.discord.adapter import DiscordAdapter

log = logging.getLogger(__name__)

COMPONENT = "adapter.discord"
MIGRATIONS = [
    Migration(
        1,
        "fingerprint of the slash commands last uploaded to Discord",
        """
        CREATE TABLE discord_command_sync (
            application_id    TEXT PRIMARY KEY,
            declarations_hash TEXT NOT NULL,
            synced_at         TEXT NOT NULL
        );
        """,
    )
]


async def sync_commands_if_changed(adapter: DiscordAdapter) -> bool:
    """Sync when the fingerprint differs from the stored one; True if it synced."""
    db = adapter.bot.db
    await db.migrate(COMPONENT, MIGRATIONS)
    application_id = str(adapter.client.application_id)
    digest = declarations_hash(adapter.tree)
    stored = await db.fetchval(
        "SELECT declarations_hash FROM discord_command_sync WHERE application_id = ?", (application_id,)
    )
    if stored == digest:
        log.info("slash commands unchanged, not syncing")
        return False
    uploaded = await adapter.tree.sync()
    await db.execute(
        """INSERT INTO discord_command_sync (application_id, declarations_hash, synced_at) VALUES (?, ?, ?)
           ON CONFLICT(application_id) DO UPDATE SET declarations_hash = excluded.declarations_hash,
                                                     synced_at = excluded.synced_at""",
        (application_id, digest, adapter.bot.clock.now().isoformat()),
    )
    log.info("slash commands synced", extra={"count": len(uploaded)})
    return True
