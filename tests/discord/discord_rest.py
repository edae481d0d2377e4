"""The REST routes of the Discord double that are not about interactions: identity, channels, messages,
DMs, threads, members and application command sync."""

from __future__ import annotations

import json
import time
from typing import Any

from aiohttp import web
from discord_payloads import (
    NONCE_WINDOW_SECONDS,
    SentFile,
    application_payload,
    command_payload,
    dm_channel_payload,
    snowflake,
    thread_payload,
)


def json_response(data: Any, status: int = 200, headers: dict | None = None) -> web.Response:
    # discord.py parses JSON only when Content-Type is exactly application/json (no charset suffix).
    return web.Response(
        body=json.dumps(data).encode(), status=status, content_type="application/json", headers=headers
    )


class RestMixin:
    """Mixed into DiscordDouble: needs its users, channels, messages, record_message() and _apply_edit()."""

    async def _get_me(self, **_: Any) -> web.Response:
        return json_response(self.bot_user.payload())

    async def _get_application(self, **_: Any) -> web.Response:
        return json_response(application_payload(self.application_id, "Kindred", self.owner))

    async def _get_gateway(self, **_: Any) -> web.Response:
        return json_response(
            {
                "url": self.gateway_url,
                "shards": 1,
                "session_start_limit": {
                    "total": 1000,
                    "remaining": 999,
                    "reset_after": 0,
                    "max_concurrency": 1,
                },
            }
        )

    async def _create_message(
        self, body: dict, files: list[SentFile], channel_id: str, **_: Any
    ) -> web.Response:
        if int(channel_id) not in self.channels:
            return json_response({"message": "Unknown Channel", "code": 10003}, 404)
        body = body or {}
        nonce = body.get("nonce")
        key = (self.bot_user.id, str(nonce))
        if body.get("enforce_nonce") and nonce is not None:
            earlier = self._nonces.get(key)
            if earlier is not None and time.monotonic() - earlier[0] < NONCE_WINDOW_SECONDS:
                self.nonce_repeats += 1
                existing = self.messages.get(earlier[1])
                if existing is None:  # created, then deleted: Discord answers Unknown Message
                    return json_response({"message": "Unknown Message", "code": 10008}, 404)
                return json_response(existing.payload)
        sent = self.record_message("channel", int(channel_id), body, files)
        if body.get("enforce_nonce") and nonce is not None:
            self._nonces[key] = (time.monotonic(), sent.id)
        return json_response(sent.payload)

    async def _edit_message(self, body: dict, message_id: str, **_: Any) -> web.Response:
        sent = self.messages.get(int(message_id))
        if sent is None:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        self._apply_edit(sent, body or {})
        return json_response(sent.payload)

    async def _get_channel(self, channel_id: str, **_: Any) -> web.Response:
        channel = self.channels.get(int(channel_id))
        return (
            json_response(channel)
            if channel
            else json_response({"message": "Unknown Channel", "code": 10003}, 404)
        )

    async def _create_dm(self, body: dict, **_: Any) -> web.Response:
        recipient = self.users.get(int(body["recipient_id"]))
        if recipient is None:
            return json_response({"message": "Unknown User", "code": 10013}, 404)
        channel_id = self.dm_channels.setdefault(recipient.id, snowflake())
        self.channels[channel_id] = dm_channel_payload(channel_id, recipient)
        return json_response(self.channels[channel_id])

    async def _create_thread(self, body: dict, channel_id: str, message_id: str, **_: Any) -> web.Response:
        parent = self.channels[int(channel_id)]
        thread = thread_payload(
            int(message_id), parent, body["name"], self.bot_user.id, body.get("auto_archive_duration", 1440)
        )
        self.channels[int(thread["id"])] = thread
        return json_response(thread, 201)

    async def _get_user(self, user_id: str, **_: Any) -> web.Response:
        user = self.users.get(int(user_id))
        return (
            json_response(user.payload())
            if user
            else json_response({"message": "Unknown User", "code": 10013}, 404)
        )

    async def _get_member(self, guild_id: str, user_id: str, **_: Any) -> web.Response:
        user = self.users.get(int(user_id))
        other = self.other_guilds.get(int(guild_id))
        if other is not None and user not in other.members:
            user = None
        return (
            json_response(user.member_payload())
            if user
            else json_response({"message": "Unknown Member", "code": 10007}, 404)
        )

    async def _put_commands(self, body: list, guild_id: str | None = None, **_: Any) -> web.Response:
        stored = [
            command_payload(
                c,
                command_id=snowflake(),
                application_id=self.application_id,
                guild_id=int(guild_id) if guild_id else None,
            )
            for c in body
        ]
        if guild_id:
            self.guild_commands = stored
        else:
            self.global_commands = stored
        self.command_syncs += 1
        return json_response(stored)

    async def _get_commands(self, guild_id: str | None = None, **_: Any) -> web.Response:
        return json_response(self.guild_commands if guild_id else self.global_commands)
