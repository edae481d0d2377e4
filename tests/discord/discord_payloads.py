"""Discord API objects as the real API returns them, for the local Discord double.

Shapes follow the Discord API v10 documentation closely enough that the real discord.py 2.7 client parses
them without special cases: a test that passes here exercises the same code paths as production.
"""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

DISCORD_EPOCH_MS = 1420070400000
# Discord keeps a message's nonce "a few minutes" (no number given); the double, this long (real seconds).
NONCE_WINDOW_SECONDS = 180.0
_counter = itertools.count(1)

# Permission bits (https://discord.com/developers/docs/topics/permissions)
VIEW_CHANNEL = 1 << 10
SEND_MESSAGES = 1 << 11
EMBED_LINKS = 1 << 14
ATTACH_FILES = 1 << 15
READ_MESSAGE_HISTORY = 1 << 16
MENTION_EVERYONE = 1 << 17
USE_APPLICATION_COMMANDS = 1 << 31
SEND_MESSAGES_IN_THREADS = 1 << 38
CREATE_PUBLIC_THREADS = 1 << 35
MANAGE_GUILD = 1 << 5
EVERYONE_PERMISSIONS = (
    VIEW_CHANNEL
    | SEND_MESSAGES
    | EMBED_LINKS
    | ATTACH_FILES
    | READ_MESSAGE_HISTORY
    | USE_APPLICATION_COMMANDS
    | SEND_MESSAGES_IN_THREADS
    | CREATE_PUBLIC_THREADS
)

MESSAGE_CONTENT_INTENT = 1 << 15  # the privileged intent to read ordinary channel messages


def snowflake() -> int:
    """A new, increasing Discord id whose timestamp part is now (discord.py derives created_at from it)."""
    milliseconds = int(time.time() * 1000) - DISCORD_EPOCH_MS  # real clock: Discord's servers stamp ids
    return (milliseconds << 22) | (next(_counter) % (1 << 22))


def iso_now() -> str:
    return datetime.now(UTC).isoformat()  # real clock: the double stands in for Discord's servers


@dataclass
class FakeUser:
    id: int
    username: str
    bot: bool = False
    role_ids: list[int] = field(default_factory=list)

    def payload(self) -> dict:
        return {
            "id": str(self.id),
            "username": self.username,
            "global_name": self.username.title(),
            "discriminator": "0",
            "avatar": None,
            "bot": self.bot,
            "public_flags": 0,
            "flags": 0,
        }

    def member_payload(self, permissions: int | None = None) -> dict:
        member = {
            "user": self.payload(),
            "nick": None,
            "avatar": None,
            "roles": [str(r) for r in self.role_ids],
            "joined_at": "2025-01-01T00:00:00+00:00",
            "premium_since": None,
            "deaf": False,
            "mute": False,
            "flags": 0,
            "pending": False,
            "communication_disabled_until": None,
        }
        if permissions is not None:  # interactions carry the member's computed permissions in the channel
            member["permissions"] = str(permissions)
        return member


def role_payload(role_id: int, name: str, permissions: int, position: int) -> dict:
    return {
        "id": str(role_id),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0},
        "hoist": False,
        "icon": None,
        "unicode_emoji": None,
        "position": position,
        "permissions": str(permissions),
        "managed": False,
        "mentionable": True,
        "flags": 0,
    }


def text_channel_payload(channel_id: int, guild_id: int, name: str, position: int) -> dict:
    return {
        "id": str(channel_id),
        "type": 0,
        "guild_id": str(guild_id),
        "name": name,
        "position": position,
        "permission_overwrites": [],
        "topic": None,
        "nsfw": False,
        "parent_id": None,
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "flags": 0,
    }


def dm_channel_payload(channel_id: int, recipient: FakeUser) -> dict:
    return {
        "id": str(channel_id),
        "type": 1,
        "recipients": [recipient.payload()],
        "last_message_id": None,
        "flags": 0,
    }


def thread_payload(thread_id: int, parent: dict, name: str, owner_id: int, archive_minutes: int) -> dict:
    return {
        "id": str(thread_id),
        "type": 11,
        "guild_id": parent["guild_id"],
        "parent_id": parent["id"],
        "name": name,
        "owner_id": str(owner_id),
        "last_message_id": None,
        "rate_limit_per_user": 0,
        "message_count": 0,
        "member_count": 1,
        "flags": 0,
        "total_message_sent": 0,
        "thread_metadata": {
            "archived": False,
            "auto_archive_duration": archive_minutes,
            "archive_timestamp": iso_now(),
            "locked": False,
        },
    }


def message_payload(
    *,
    message_id: int,
    channel_id: int,
    author: FakeUser,
    guild_id: int | None,
    body: dict,
    attachments: list[dict],
    mentions: Mentions,
) -> dict:
    """The message object Discord returns for a created message, built from what the client sent."""
    message = {
        "id": str(message_id),
        "channel_id": str(channel_id),
        "author": author.payload(),
        "content": body.get("content") or "",
        "timestamp": iso_now(),
        "edited_timestamp": None,
        "tts": bool(body.get("tts")),
        "mention_everyone": mentions.everyone,
        "mentions": [
            {"id": str(uid), "username": f"user{uid}", "discriminator": "0", "avatar": None}
            for uid in mentions.users
        ],
        "mention_roles": [str(r) for r in mentions.roles],
        "attachments": attachments,
        "embeds": body.get("embeds") or [],
        "components": body.get("components") or [],
        "pinned": False,
        "type": 0,
        "flags": int(body.get("flags") or 0),
    }
    if guild_id is not None:
        message["guild_id"] = str(guild_id)
    if body.get("nonce") is not None:
        message["nonce"] = body["nonce"]
    return message


@dataclass
class Mentions:
    """Who a message would really ping, given its content and allowed_mentions (Discord's rules)."""

    everyone: bool = False
    users: list[int] = field(default_factory=list)
    roles: list[int] = field(default_factory=list)


def resolve_mentions(content: str, allowed_mentions: dict | None) -> Mentions:
    """Apply Discord's allowed_mentions rules: no object means every kind of mention pings."""
    if allowed_mentions is None:
        parse, allowed_users, allowed_roles = {"everyone", "users", "roles"}, set(), set()
    else:
        parse = set(allowed_mentions.get("parse", []))
        allowed_users = {int(u) for u in allowed_mentions.get("users", [])}
        allowed_roles = {int(r) for r in allowed_mentions.get("roles", [])}
    everyone = ("@everyone" in content or "@here" in content) and "everyone" in parse
    users = [
        int(u) for u in re.findall(r"<@!?(\d+)>", content) if "users" in parse or int(u) in allowed_users
    ]
    roles = [int(r) for r in re.findall(r"<@&(\d+)>", content) if "roles" in parse or int(r) in allowed_roles]
    return Mentions(everyone=everyone, users=users, roles=roles)


def application_payload(application_id: int, name: str, owner: FakeUser) -> dict:
    return {
        "id": str(application_id),
        "name": name,
        "icon": None,
        "description": "",
        "bot_public": True,
        "bot_require_code_grant": False,
        "owner": owner.payload(),
        "verify_key": "0" * 64,
        "flags": 0,
        "team": None,
        "summary": "",
        "rpc_origins": [],
        "interactions_endpoint_url": None,
    }


def command_payload(declaration: dict, *, command_id: int, application_id: int, guild_id: int | None) -> dict:
    """A stored application command: what Discord answers to a bulk overwrite."""
    command = {
        "type": 1,
        "description": "",
        "options": [],
        "default_member_permissions": None,
        "nsfw": False,
        "dm_permission": True,
        **declaration,
    }
    command.update(id=str(command_id), application_id=str(application_id), version=str(snowflake()))
    if command["default_member_permissions"] is not None:  # Discord answers a permission bit set as a string
        command["default_member_permissions"] = str(command["default_member_permissions"])
    if guild_id is not None:
        command["guild_id"] = str(guild_id)
    return command


@dataclass
class RecordedRequest:
    method: str
    path: str
    body: Any
    status: int


@dataclass
class SentFile:
    filename: str
    data: bytes
    content_type: str


@dataclass
class SentMessage:
    """One message the bot made appear: in a channel, a DM, or as an interaction reply or followup."""

    kind: str  # "channel", "interaction", "followup"
    payload: dict  # the live message object (edits update it)
    allowed_mentions: dict | None
    mentions: Mentions
    files: list[SentFile] = field(default_factory=list)
    interaction_id: int | None = None
    edits: int = 0
    deleted: bool = False

    @property
    def id(self) -> int:
        return int(self.payload["id"])

    @property
    def channel_id(self) -> int:
        return int(self.payload["channel_id"])

    @property
    def content(self) -> str:
        return self.payload.get("content") or ""

    @property
    def embeds(self) -> list[dict]:
        return self.payload.get("embeds") or []

    @property
    def ephemeral(self) -> bool:
        return bool(int(self.payload.get("flags") or 0) & 64)

    @property
    def custom_ids(self) -> list[str]:
        """custom_id of every button or select in the message, in display order."""
        found = []

        def walk(components):
            for component in components:
                if "custom_id" in component:
                    found.append(component["custom_id"])
                walk(component.get("components", []))

        walk(self.payload.get("components") or [])
        return found

    def text(self) -> str:
        """Everything a member reads: content plus embed titles, descriptions and fields."""
        parts = [self.content]
        for embed in self.embeds:
            parts += [
                embed.get("title", ""),
                embed.get("description", ""),
                embed.get("footer", {}).get("text", ""),
            ]
            parts += [f"{f['name']} {f['value']}" for f in embed.get("fields", [])]
        return "\n".join(p for p in parts if p)


@dataclass
class Fault:
    method: str
    path_pattern: re.Pattern
    status: int
    retry_after: float
    remaining: int
