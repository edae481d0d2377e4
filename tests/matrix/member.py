"""A real matrix-nio client playing a community member, for tests and benchmarks.

It syncs in the background, keeps every room event it sees (decrypted where it can), and lets a test
wait for the event it expects with a deadline.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import Callable
from pathlib import Path
from uuid import uuid4

from nio import (
    Api,
    AsyncClient,
    AsyncClientConfig,
    Event,
    InviteMemberEvent,
    MatrixRoom,
    RoomCreateResponse,
    RoomMessage,
    RoomPreset,
    RoomSendResponse,
    UploadResponse,
)

from tests.matrix.synapse import RegisteredUser

WAIT_SECONDS = 15.0


class Member:
    """One logged-in member device with a running sync loop."""

    def __init__(self, homeserver: str, user: RegisteredUser, store_dir: Path, encryption: bool = True):
        self.user = user
        store_dir.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            homeserver,
            user.user_id,
            device_id=user.device_id,
            store_path=str(store_dir),
            config=AsyncClientConfig(
                encryption_enabled=encryption, store_sync_tokens=True, max_timeout_retry_wait_time=2
            ),
        )
        self.client.restore_login(user.user_id, user.device_id, user.access_token)
        self.events: list[tuple[str, Event]] = []  # (room_id, event) in arrival order
        self._arrived = asyncio.Event()
        self._sync_task: asyncio.Task | None = None
        self.client.add_event_callback(self._remember, Event)
        self.client.add_event_callback(self._accept_invite, InviteMemberEvent)

    @property
    def user_id(self) -> str:
        return self.user.user_id

    async def _remember(self, room: MatrixRoom, event: Event) -> None:
        self.events.append((room.room_id, event))
        self._arrived.set()

    async def _accept_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.user_id and event.membership == "invite":
            await self.client.join(room.room_id)

    async def start(self) -> None:
        first_sync = await asyncio.wait_for(self.client.sync(timeout=0, full_state=True), WAIT_SECONDS)
        if self.client.should_upload_keys:
            await asyncio.wait_for(self.client.keys_upload(), WAIT_SECONDS)
        del first_sync
        self._sync_task = asyncio.create_task(self.client.sync_forever(timeout=30_000))

    async def close(self) -> None:
        if self._sync_task:
            self._sync_task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._sync_task
        await self.client.close()

    # -- waiting ---------------------------------------------------------------------------------

    def mark(self) -> int:
        """A position in the event log: wait_for(after=mark) only looks at events after it."""
        return len(self.events)

    async def wait_for(
        self, predicate: Callable[[str, Event], bool], after: int = 0, seconds: float = WAIT_SECONDS
    ) -> Event:
        """The first event after `after` for which predicate(room_id, event) holds, or TimeoutError."""

        async def scan() -> Event:
            position = after
            while True:
                while position < len(self.events):
                    room_id, event = self.events[position]
                    position += 1
                    if predicate(room_id, event):
                        return event
                self._arrived.clear()
                await self._arrived.wait()

        return await asyncio.wait_for(scan(), seconds)

    async def wait_for_reply(
        self, room_id: str, sender: str, after: int, seconds: float = WAIT_SECONDS
    ) -> Event:
        """The next message event from `sender` in `room_id` (any msgtype, decrypted)."""
        return await self.wait_for(
            lambda rid, event: rid == room_id and event.sender == sender and isinstance(event, RoomMessage),
            after=after,
            seconds=seconds,
        )

    async def wait_until(self, condition: Callable[[], bool], seconds: float = WAIT_SECONDS) -> None:
        """Poll a condition on the client's state (room members, devices) until it holds."""

        async def poll() -> None:
            while not condition():  # noqa: ASYNC110 - nio's state has no change event to wait on
                await asyncio.sleep(0.05)

        await asyncio.wait_for(poll(), seconds)

    # -- acting ----------------------------------------------------------------------------------

    async def create_room(
        self, invite: list[str], encrypted: bool = False, direct: bool = False, name: str | None = None
    ) -> str:
        initial_state = []
        if encrypted:
            initial_state.append(
                {
                    "type": "m.room.encryption",
                    "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"},
                }
            )
        answer = await asyncio.wait_for(
            self.client.room_create(
                name=name,
                invite=invite,
                is_direct=direct,
                initial_state=initial_state,
                preset=RoomPreset.trusted_private_chat if direct else None,
            ),
            WAIT_SECONDS,
        )
        assert isinstance(answer, RoomCreateResponse), answer
        return answer.room_id

    async def wait_for_join(
        self, room_id: str, user_id: str, seconds: float = WAIT_SECONDS, invited_is_enough: bool = False
    ) -> None:
        """Wait until `user_id` has joined the room (or, if asked, is at least invited: what a client
        knows before it lets you type), and in encrypted rooms until its devices are known."""

        def joined() -> bool:
            room = self.client.rooms.get(room_id)
            # room.users also lists invited people, hence the explicit check.
            return (
                room is not None
                and user_id in room.users
                and (invited_is_enough or not room.users[user_id].invited)
            )

        await self.wait_until(joined, seconds)
        room = self.client.rooms[room_id]
        if room.encrypted:

            async def devices_known() -> None:
                while not list(self.client.device_store.active_user_devices(user_id)):
                    # The bot may not have published its keys yet: ask again until it has.
                    self.client.olm.users_for_key_query.add(user_id)
                    await self.client.keys_query()
                    await asyncio.sleep(0.05)

            await asyncio.wait_for(devices_known(), seconds)

    async def send_text(self, room_id: str, text: str, extra: dict | None = None) -> str:
        content = {"msgtype": "m.text", "body": text, **(extra or {})}
        answer = await asyncio.wait_for(
            self.client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True),
            WAIT_SECONDS,
        )
        assert isinstance(answer, RoomSendResponse), answer
        return answer.event_id

    async def send_file(
        self,
        room_id: str,
        filename: str,
        data: bytes,
        mimetype: str,
        msgtype: str = "m.file",
        caption: str | None = None,
        declared_size: int | None = None,
    ) -> str:
        """Upload a file and send it as Element does: encrypted (an EncryptedFile) in an encrypted room.
        With `caption`, the caption goes in `body` and the name in `filename` (MSC2530)."""
        encrypted = self.client.rooms[room_id].encrypted
        answer, keys = await asyncio.wait_for(
            self.client.upload(
                lambda *_: io.BytesIO(data),
                content_type=mimetype,
                filename=filename,
                encrypt=encrypted,
                filesize=len(data),
            ),
            WAIT_SECONDS,
        )
        assert isinstance(answer, UploadResponse), answer
        content = {
            "msgtype": msgtype,
            "body": caption or filename,
            "info": {"mimetype": mimetype, "size": len(data) if declared_size is None else declared_size},
        }
        if caption:
            content["filename"] = filename
        if encrypted:
            content["file"] = {**keys, "url": answer.content_uri}
        else:
            content["url"] = answer.content_uri
        sent = await asyncio.wait_for(
            self.client.room_send(room_id, "m.room.message", content, ignore_unverified_devices=True),
            WAIT_SECONDS,
        )
        assert isinstance(sent, RoomSendResponse), sent
        return sent.event_id

    async def react(self, room_id: str, event_id: str, key: str) -> str:
        """React as Element does: encrypted in an encrypted room (nio alone would send it in the clear),
        with m.relates_to also in the clear, as the spec asks."""
        content = {"m.relates_to": {"rel_type": "m.annotation", "event_id": event_id, "key": key}}
        room = self.client.rooms[room_id]
        if not room.encrypted:
            answer = await asyncio.wait_for(
                self.client.room_send(room_id, "m.reaction", content), WAIT_SECONDS
            )
        else:
            # What room_send does before encrypting: members, their devices, a shared session.
            if not room.members_synced:
                await asyncio.wait_for(self.client.joined_members(room_id), WAIT_SECONDS)
            if self.client.should_query_keys:
                await asyncio.wait_for(self.client.keys_query(), WAIT_SECONDS)
            if self.client.olm.should_share_group_session(room_id):
                await asyncio.wait_for(
                    self.client.share_group_session(room_id, ignore_unverified_devices=True), WAIT_SECONDS
                )
            event_type, encrypted = self.client.encrypt(room_id, "m.reaction", content)
            method, path, data = Api.room_send(
                self.client.access_token, room_id, event_type, encrypted, uuid4().hex
            )
            answer = await asyncio.wait_for(
                self.client._send(RoomSendResponse, method, path, data, (room_id,)), WAIT_SECONDS
            )
        assert isinstance(answer, RoomSendResponse), answer
        return answer.event_id
