"""The member side of the Discord double: messages, slash commands, buttons and modals, and the
interaction callback / webhook routes the bot answers them through."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from discord_payloads import (
    MESSAGE_CONTENT_INTENT,
    FakeUser,
    dm_channel_payload,
    iso_now,
    resolve_mentions,
    snowflake,
)
from discord_rest import json_response

ATTACHMENT_SIZE_LIMIT = 10 * 1024 * 1024
# Application command option types (https://discord.com/developers/docs/interactions/application-commands)
SUB_COMMAND, SUB_COMMAND_GROUP, STRING, INTEGER, BOOLEAN, USER = 1, 2, 3, 4, 5, 6
ATTACHMENT = 11


@dataclass
class InteractionRecord:
    id: int
    token: str
    type: int
    channel_id: int
    user: FakeUser
    callbacks: list[dict] = field(default_factory=list)  # every callback body, in order
    reply_id: int | None = None  # the message of the first response (or the deferred placeholder)
    autocomplete_choices: list[dict] | None = None
    modal: dict | None = None
    message_id: int | None = None  # for a button press: the message the button is on
    dispatched_at: float = 0.0  # time.perf_counter() when INTERACTION_CREATE was sent
    answered_at: float = 0.0  # ... and when the bot's first callback arrived (for the benchmark)

    @property
    def answered(self) -> bool:
        return bool(self.callbacks)


class InteractionsMixin:
    """Mixed into DiscordDouble: needs its channels, users, dispatch(), record_message() and _notify()."""

    def _init_interactions(self) -> None:
        self.interactions: dict[int, InteractionRecord] = {}
        self._interactions_by_token: dict[str, InteractionRecord] = {}
        self.cdn_files: dict[int, bytes] = {}  # what members uploaded, served at /cdn/<id>/<filename>
        self.cdn_downloads: list[str] = []  # filenames the bot fetched, in order

    # ---------------------------------------------------------------- members' files
    def upload(self, filename: str, data: bytes, content_type: str | None = None) -> dict:
        """A file a member attaches (to a message or a slash command's option): its attachment object."""
        attachment_id = snowflake()
        self.cdn_files[attachment_id] = data
        url = f"http://127.0.0.1:{self.port}/cdn/{attachment_id}/{filename}"
        payload = {
            "id": str(attachment_id),
            "filename": filename,
            "size": len(data),
            "url": url,
            "proxy_url": url,
        }
        if content_type:
            payload["content_type"] = content_type
        return payload

    async def _serve_cdn(self, request: web.Request) -> web.Response:
        data = self.cdn_files.get(int(request.match_info["attachment_id"]))
        if data is None:
            return web.Response(status=404)
        self.cdn_downloads.append(request.match_info["filename"])
        self._notify()
        return web.Response(body=data, content_type="application/octet-stream")

    # ---------------------------------------------------------------- members acting
    async def user_says(
        self, user: FakeUser, channel_id: int, content: str, attachments: list[dict] | None = None
    ) -> dict:
        """A member posts a message (MESSAGE_CREATE): in a guild channel or their DM channel with the bot,
        optionally with files made by upload()."""
        channel = self.channels[channel_id]
        mentions = resolve_mentions(content, None)
        message = {
            "id": str(snowflake()),
            "channel_id": str(channel_id),
            "author": user.payload(),
            "content": content,
            "timestamp": iso_now(),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": mentions.everyone,
            "mentions": [],
            "mention_roles": [],
            "attachments": list(attachments or []),
            "embeds": [],
            "components": [],
            "pinned": False,
            "type": 0,
            "flags": 0,
        }
        if "guild_id" in channel:
            message["guild_id"] = channel["guild_id"]
            member = user.member_payload()
            member.pop("user")
            message["member"] = member
            if f"<@{self.bot_user.id}>" in content:
                message["mentions"] = [self.bot_user.payload()]
            elif not self.intents & MESSAGE_CONTENT_INTENT:
                # As Discord does: without the intent a bot reads only DMs and messages that mention it.
                message["content"], message["attachments"] = "", []
        await self.dispatch("MESSAGE_CREATE", message)
        return message

    def dm_channel_of(self, user: FakeUser) -> int:
        """The DM channel between a member and the bot (created as if the member opened it)."""
        channel_id = self.dm_channels.setdefault(user.id, snowflake())
        self.channels.setdefault(channel_id, dm_channel_payload(channel_id, user))
        return channel_id

    async def slash(
        self,
        user: FakeUser,
        channel_id: int,
        command: str,
        options: dict | None = None,
        focused: str | None = None,
    ) -> InteractionRecord:
        """Invoke a synced slash command such as "checkin start" with {"time": "08:00"}.

        Like the Discord client, it only offers commands the bot synced and types options by their
        declaration. With `focused`, it sends an autocomplete request for that option instead."""
        words = command.split()
        declared = next(
            (c for c in self.global_commands + self.guild_commands if c["name"] == words[0]), None
        )
        if declared is None:
            raise AssertionError(
                f"/{words[0]} was never synced; synced: "
                f"{[c['name'] for c in self.global_commands + self.guild_commands]}"
            )
        data = {"id": declared["id"], "name": words[0], "type": 1}
        if declared.get("guild_id"):
            data["guild_id"] = declared["guild_id"]
        container, node = data, declared
        for word in words[1:]:
            node = next(
                (
                    o
                    for o in node.get("options", [])
                    if o["name"] == word and o["type"] in (SUB_COMMAND, SUB_COMMAND_GROUP)
                ),
                None,
            )
            if node is None:
                raise AssertionError(f"/{command}: no subcommand {word!r} was synced")
            child = {"name": word, "type": node["type"], "options": []}
            container.setdefault("options", []).append(child)
            container = child
        typed = []
        declared_options = {o["name"]: o for o in node.get("options", [])}
        for name, value in (options or {}).items():
            if name not in declared_options:
                raise AssertionError(f"/{command} has no option {name!r}; it has {sorted(declared_options)}")
            option_type = declared_options[name]["type"]
            if option_type == ATTACHMENT:  # the value is an upload(); the option carries its id
                data.setdefault("resolved", {}).setdefault("attachments", {})[value["id"]] = value
                value = value["id"]
            option = {
                "name": name,
                "type": option_type,
                "value": str(value) if option_type in (STRING, USER) or name == focused else value,
            }
            if name == focused:
                option["focused"] = True
            typed.append(option)
        container.setdefault("options", []).extend(typed)
        if any(o["type"] == USER for o in typed):
            data.setdefault("resolved", {})["users"] = {
                o["value"]: self.users[int(o["value"])].payload() for o in typed if o["type"] == USER
            }
        return await self._interact(4 if focused else 2, user, channel_id, data)

    async def press(self, user: FakeUser, message_id: int, custom_id: str) -> InteractionRecord:
        """Press a button of a message the bot sent (any time later: buttons outlive restarts)."""
        sent = self.messages[message_id]
        if custom_id not in sent.custom_ids:
            raise AssertionError(
                f"message {message_id} has no button {custom_id!r}; it has {sent.custom_ids}"
            )
        return await self._interact(
            3, user, sent.channel_id, {"custom_id": custom_id, "component_type": 2}, message=sent.payload
        )

    async def submit_modal(
        self, user: FakeUser, opened_by: InteractionRecord, values: dict[str, str]
    ) -> InteractionRecord:
        """Fill in and submit the modal the bot opened in answer to `opened_by`."""
        modal = opened_by.modal
        if modal is None:
            raise AssertionError(f"interaction {opened_by.id} was not answered with a modal")

        def fill(component: dict) -> dict:
            if component["type"] == 1:
                return {"type": 1, "components": [fill(c) for c in component["components"]]}
            if component["type"] == 18:  # Label wrapping an input
                return {"type": 18, "component": fill(component["component"])}
            return {
                "type": component["type"],
                "custom_id": component["custom_id"],
                "value": values.get(component["custom_id"], ""),
            }

        data = {"custom_id": modal["custom_id"], "components": [fill(c) for c in modal["components"]]}
        return await self._interact(5, user, opened_by.channel_id, data)

    async def wait_answered(self, interaction: InteractionRecord, within: float = 5.0) -> InteractionRecord:
        await self.wait_until(
            lambda: interaction.answered, f"an answer to interaction {interaction.id}", within
        )
        return interaction

    async def wait_reply(self, interaction: InteractionRecord, within: float = 5.0):
        """The message that answered an interaction (after a defer: once it has been filled in)."""

        def reply():
            sent = self.messages.get(interaction.reply_id) if interaction.reply_id else None
            if sent is not None and not (int(sent.payload.get("flags") or 0) & 128):  # 128 = still loading
                return sent
            return None

        return await self.wait_until(reply, f"a reply to interaction {interaction.id}", within)

    async def _interact(
        self, interaction_type: int, user: FakeUser, channel_id: int, data: dict, message: dict | None = None
    ) -> InteractionRecord:
        channel = self.channels[channel_id]
        record = InteractionRecord(snowflake(), secrets.token_urlsafe(24), interaction_type, channel_id, user)
        if message is not None:
            record.message_id = int(message["id"])
        payload = {
            "id": str(record.id),
            "application_id": str(self.application_id),
            "type": interaction_type,
            "data": data,
            "token": record.token,
            "version": 1,
            "channel": channel,
            "channel_id": str(channel_id),
            "locale": "en-US",
            "attachment_size_limit": ATTACHMENT_SIZE_LIMIT,
            "entitlements": [],
            "app_permissions": str(self.permissions_of(self.bot_user)),
        }
        if "guild_id" in channel:
            payload.update(
                guild_id=channel["guild_id"],
                guild_locale="en-US",
                context=0,
                guild={"id": channel["guild_id"], "locale": "en-US", "features": []},
                member=user.member_payload(permissions=self.permissions_of(user, int(channel["guild_id"]))),
                authorizing_integration_owners={"0": channel["guild_id"]},
            )
        else:
            payload.update(user=user.payload(), context=1, authorizing_integration_owners={"0": str(user.id)})
        if message is not None:
            payload["message"] = message
        self.interactions[record.id] = record
        self._interactions_by_token[record.token] = record
        record.dispatched_at = time.perf_counter()
        await self.dispatch("INTERACTION_CREATE", payload)
        return record

    # ---------------------------------------------------------------- routes the bot answers through
    async def _interaction_callback(
        self, body: dict, files: list, interaction_id: str, token: str, **_: Any
    ) -> web.Response:
        record = self.interactions.get(int(interaction_id))
        if record is None or record.token != token:
            return json_response({"message": "Unknown interaction", "code": 10062}, 404)
        if record.callbacks:
            return json_response(
                {"message": "Interaction has already been acknowledged.", "code": 40060}, 400
            )
        record.answered_at = record.answered_at or time.perf_counter()
        record.callbacks.append(body)
        response_type, data = body["type"], body.get("data") or {}
        answer: dict = {"interaction": {"id": str(record.id), "type": record.type}}
        if response_type in (4, 5):  # message now, or "thinking" placeholder filled in later
            if response_type == 5:
                data = {"flags": (int(data.get("flags") or 0) | 128)}
            sent = self.record_message(
                "interaction", record.channel_id, data, files, interaction_id=record.id
            )
            record.reply_id = sent.id
            answer["interaction"].update(
                response_message_id=str(sent.id),
                response_message_loading=response_type == 5,
                response_message_ephemeral=sent.ephemeral,
            )
            answer["resource"] = {"type": response_type, "message": sent.payload}
        elif response_type == 7:  # update the message whose button was pressed
            self._apply_edit(self.messages[record.message_id], data)
            record.reply_id = record.message_id
        elif response_type == 8:
            record.autocomplete_choices = data.get("choices", [])
        elif response_type == 9:
            record.modal = data
        self._notify()
        return json_response(answer)

    async def _create_followup(self, body: dict, files: list, token: str, **_: Any) -> web.Response:
        record = self._interactions_by_token.get(token)
        if record is None or not record.callbacks:
            return json_response({"message": "Unknown Webhook", "code": 10015}, 404)
        return json_response(
            self.record_message(
                "followup", record.channel_id, body or {}, files, interaction_id=record.id
            ).payload
        )

    def _webhook_target(self, token: str, message_id: str):
        record = self._interactions_by_token.get(token)
        if record is None:
            return None
        target = record.reply_id if message_id == "@original" else int(message_id)
        return self.messages.get(target) if target else None

    async def _get_webhook_message(self, token: str, message_id: str, **_: Any) -> web.Response:
        sent = self._webhook_target(token, message_id)
        return (
            json_response(sent.payload)
            if sent
            else json_response({"message": "Unknown Message", "code": 10008}, 404)
        )

    async def _edit_webhook_message(self, body: dict, token: str, message_id: str, **_: Any) -> web.Response:
        sent = self._webhook_target(token, message_id)
        if sent is None:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        body = dict(body or {})
        body["flags"] = int(sent.payload.get("flags") or 0) & ~128  # the placeholder stops loading
        self._apply_edit(sent, body)
        return json_response(sent.payload)

    async def _delete_webhook_message(self, token: str, message_id: str, **_: Any) -> web.Response:
        sent = self._webhook_target(token, message_id)
        if sent is None:
            return json_response({"message": "Unknown Message", "code": 10008}, 404)
        sent.deleted = True
        self._notify()
        return web.Response(status=204)
