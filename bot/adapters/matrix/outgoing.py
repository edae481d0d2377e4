"""Sending on Matrix: notices, files, edits, reactions, and opening a direct-message room.

A mixin for MatrixAdapter, kept apart so that each module stays readable.

Every event goes with a transaction id fixed before the first try. With the outbox's token
(bot/outbox.py) it is derived from the token, so a resend after a crash carries the same one and the
homeserver answers with the event it already made: Synapse keeps (room, user, device, txn id) for 24
hours in its database, and the bot keeps its device across restarts (state.py).
"""

from __future__ import annotations

import io
import json
import logging
from urllib.parse import quote
from uuid import uuid4

from nio import (
    LocalProtocolError,
    OlmUnverifiedDeviceError,
    RoomCreateResponse,
    RoomPreset,
    RoomSendResponse,
    UploadResponse,
)

from bot.adapters.matrix.render import edit_content, file_content, message_content
from bot.model import Content, PlaceRef, SentRef, UserRef
from bot.pending import NUMBER_EMOJI

log = logging.getLogger(__name__)

ROOM_KNOWN_SECONDS = 15.0  # how long to wait for a room the bot just created or joined to show in sync
ENCRYPTION_STATE = {
    "type": "m.room.encryption",
    "state_key": "",
    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
}


class MatrixSendError(RuntimeError):
    """The homeserver refused a message; the reason is in the log (never the content)."""


class MatrixSending:
    """Outgoing half of the Matrix adapter (expects self.client, self.config, self.state, self.bot)."""

    async def send(self, place: PlaceRef, content: Content, token: str | None = None) -> SentRef:
        partner = self._direct_partner(place.place_id) if place.is_direct else None
        return await self._send_content(
            place.place_id, content, UserRef("matrix", partner) if partner else None, token
        )

    async def send_private(self, user: UserRef, content: Content, token: str | None = None) -> SentRef:
        # The DM room is remembered on disk (state.py) before anything is sent into it, so a resend
        # after a crash goes to the same room, where the transaction id recognises it.
        room_id = await self._direct_room(user.user_id)
        return await self._send_content(room_id, content, user, token)

    async def edit(self, ref: SentRef, content: Content) -> None:
        partner = self._direct_partner(ref.place_id)
        new = message_content(
            content, *await self._time_context(ref.place_id, UserRef("matrix", partner) if partner else None)
        )
        await self._room_send(ref.place_id, "m.room.message", edit_content(ref.message_id, new))

    # -- the pieces ------------------------------------------------------------------------------

    async def _time_context(self, room_id: str, reader: UserRef | None):
        """The zone times are written in: the reader's own if they chose one (a DM), else the community's."""
        community = self.bot.communities.for_place(self._place_for(room_id))
        return await self.bot.timezone_for(reader, community), self.bot.clock.now()

    async def _send_content(
        self, room_id: str, content: Content, private_to: UserRef | None, token: str | None = None
    ) -> SentRef:
        token = token or uuid4().hex  # each event's transaction id below is this and what part it is
        first_event_id = None
        if (
            content.text
            or content.title
            or content.fields
            or content.choices
            or content.ask
            or content.footer
        ):
            message = message_content(content, *await self._time_context(room_id, private_to))
            first_event_id = await self._room_send(room_id, "m.room.message", message, f"{token}.m")
        for index, attachment in enumerate(content.files):
            event_id = await self._send_file(
                room_id, attachment.filename, attachment.mime_type, attachment.data, f"{token}.f{index}"
            )
            first_event_id = first_event_id or event_id
        ref = SentRef("matrix", room_id, first_event_id or "")
        await self.bot.pending.remember(ref, content, private_to)
        if content.choices and first_event_id:
            # Pre-set the number reactions so that a member answers with one tap, as on Discord's buttons.
            self.bot.spawn(self._offer_reactions(room_id, first_event_id, len(content.choices), token))
        return ref

    async def _offer_reactions(self, room_id: str, event_id: str, count: int, token: str) -> None:
        for number, key in enumerate(NUMBER_EMOJI[:count]):
            try:
                await self._room_send(
                    room_id,
                    "m.reaction",
                    {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}},
                    f"{token}.r{number}",
                )
            except MatrixSendError:
                return

    async def _send_file(
        self, room_id: str, filename: str, mime_type: str, data: bytes, transaction: str | None = None
    ) -> str:
        room = await self._known_room(room_id)
        encrypted = bool(room and room.encrypted)
        answer, keys = await self.client.upload(
            lambda *_: io.BytesIO(data),
            content_type=mime_type,
            filename=filename,
            encrypt=encrypted,
            filesize=len(data),
        )
        if not isinstance(answer, UploadResponse):
            log.error("matrix upload refused", extra={"status": getattr(answer, "status_code", None)})
            raise MatrixSendError("the homeserver refused the file upload")
        encrypted_file = {**keys, "url": answer.content_uri} if encrypted else None
        event = file_content(filename, mime_type, data, answer.content_uri, encrypted_file)
        # (a resend uploads the file again; the event below is still recognised by its transaction id)
        return await self._room_send(room_id, "m.room.message", event, transaction)

    async def _room_send(
        self, room_id: str, event_type: str, content: dict, transaction: str | None = None
    ) -> str:
        """Send one event. The transaction id is fixed before the first try, so nio's retries (network
        errors, 429 after the server's retry_after_ms) can never make the homeserver post it twice."""
        transaction = transaction or uuid4().hex
        for attempt in range(2):
            room = self.client.rooms.get(room_id)
            if room is not None and room.encrypted:
                await self._query_keys()
                if not self.config.trust_unverified_devices:
                    self._trust_on_first_use(room)
            try:
                answer = await self.client.room_send(
                    room_id,
                    event_type,
                    content,
                    tx_id=transaction,
                    ignore_unverified_devices=self.config.trust_unverified_devices,
                )
            except OlmUnverifiedDeviceError:
                log.error(
                    "matrix: not sending to an encrypted room with unverified devices; verify them "
                    "or set [matrix] trust_unverified_devices = true",
                    extra={"room": room_id},
                )
                raise MatrixSendError("unverified devices in an encrypted room") from None
            except LocalProtocolError:
                # nio does not know the room yet (just created or joined): wait for sync once.
                if attempt == 0 and await self._known_room(room_id):
                    continue
                raise MatrixSendError(f"room {room_id} is not known to the bot") from None
            if isinstance(answer, RoomSendResponse):
                return answer.event_id
            log.error(
                "matrix send refused", extra={"room": room_id, "status": getattr(answer, "status_code", None)}
            )
            raise MatrixSendError("the homeserver refused the message")
        raise MatrixSendError("unreachable")

    def _trust_on_first_use(self, room) -> None:
        """Trust each member device the first time the bot sees it, and pin its keys (nio's store keeps
        them and refuses a device whose keys later change). The bot cannot verify interactively; this is
        what makes an encrypted DM work with no set-up. `trust_unverified_devices = true` skips the
        bookkeeping and sends to every device as unverified. See docs/matrix.md."""
        for user_id in room.users:
            for device in self.client.device_store.active_user_devices(user_id):
                if device.trust_state.name == "unset":
                    self.client.verify_device(device)
                    log.info("matrix: trusting a device on first use", extra={"device": device.id})

    async def _known_room(self, room_id: str):
        """The nio room, waiting (with a deadline) for the sync loop to bring a brand-new one."""
        await self._until_synced(lambda: room_id in self.client.rooms, ROOM_KNOWN_SECONDS)
        return self.client.rooms.get(room_id)

    async def _direct_room(self, user_id: str) -> str:
        """The bot's DM room with this member: remembered, found among joined rooms, or newly opened."""
        remembered = self.state.direct_rooms.get(user_id)
        if remembered and self._room_has(remembered, user_id):
            return remembered
        for room in self.client.rooms.values():
            if self._is_direct(room) and self._direct_partner(room.room_id) == user_id:
                self.state.remember_direct_room(user_id, room.room_id)
                return room.room_id
        answer = await self.client.room_create(
            is_direct=True,
            invite=[user_id],
            preset=RoomPreset.trusted_private_chat,
            initial_state=[ENCRYPTION_STATE],
        )  # private talk is always end-to-end encrypted
        if not isinstance(answer, RoomCreateResponse):
            log.error(
                "matrix: could not open a direct room", extra={"status": getattr(answer, "status_code", None)}
            )
            raise MatrixSendError("could not open a direct-message room")
        self.state.remember_direct_room(user_id, answer.room_id)
        await self._mark_direct(user_id, answer.room_id)
        await self._encryption_ready(answer.room_id, user_id)
        return answer.room_id

    async def _mark_direct(self, user_id: str, room_id: str) -> None:
        """Add the DM to the bot's m.direct account data, as clients do: the bot account's other
        sessions, and the bot itself after losing its data directory, still know it is a DM."""
        mapping = {user: list(rooms) for user, rooms in self._m_direct.items()}
        if room_id in mapping.setdefault(user_id, []):
            return
        mapping[user_id].append(room_id)
        self._m_direct = mapping
        self._direct_from_account_data.add(room_id)
        path = f"/_matrix/client/v3/user/{quote(self.client.user_id)}/account_data/m.direct"
        try:
            answer = await self.client.send(
                "PUT",
                path,
                json.dumps(mapping),
                headers={
                    "Authorization": f"Bearer {self.client.access_token}",
                    "Content-Type": "application/json",
                },
            )
            answer.release()
            if answer.status != 200:
                log.warning("matrix: m.direct not updated", extra={"status": answer.status})
        except Exception:  # the DM works without it; only other clients' view is affected
            log.warning("matrix: m.direct not updated", exc_info=True)

    async def _encryption_ready(self, room_id: str, user_id: str) -> None:
        """Wait until sync has shown the new room as encrypted with the member in it, and nio tracks the
        member's devices: a message sent earlier would be encrypted for nobody and unreadable."""
        olm = self.client.olm

        def ready() -> bool:
            room = self.client.rooms.get(room_id)
            return (
                room is not None
                and room.encrypted
                and user_id in room.users
                and (user_id in olm.tracked_users or user_id in olm.users_for_key_query)
            )

        if not await self._until_synced(ready, ROOM_KNOWN_SECONDS):
            log.warning("matrix: a new direct room was slow to sync", extra={"room": room_id})

    def _room_has(self, room_id: str, user_id: str) -> bool:
        room = self.client.rooms.get(room_id)
        return room is not None and user_id in room.users
