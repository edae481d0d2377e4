"""The Matrix adapter: matrix-nio (with vodozemac end-to-end encryption) speaking for Kindred.

Life cycle: log in once with password or token and keep that device (session.json, crypto store), then
one sync loop fetches batches and one dispatcher hands their events to the bot in order. A batch's sync
token is saved only after its events were handled, and handled event ids are remembered, so a crash or
restart neither loses nor repeats anything. On the very first start the backlog is skipped: the bot
answers only what is said after it arrived. Network errors and homeserver restarts are retried with
backoff by nio's request layer (which also honours a 429's retry_after_ms) and by the loop below.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time

from nio import (
    AsyncClient,
    AsyncClientConfig,
    EncryptionError,
    InviteMemberEvent,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    ReactionEvent,
    RoomCreateEvent,
    RoomMemberEvent,
    RoomMessageText,
    SyncResponse,
    UnknownAccountDataEvent,
    WhoamiResponse,
)

from bot.adapters.base import Adapter, Capabilities
from bot.adapters.matrix.outgoing import MatrixSending
from bot.adapters.matrix.render import incoming_text, matrix_user
from bot.adapters.matrix.state import MatrixState
from bot.config import Settings
from bot.model import ChoiceEvent, Content, IncomingMessage, PlaceRef, UserRef

log = logging.getLogger(__name__)

MODERATOR_POWER = 50
FIRST_SYNC_SECONDS = 30.0
LONG_POLL_MS = 30_000
RETRY_CAP_SECONDS = 10.0
CATCH_UP_LIMIT_SECONDS = 12 * 3600  # after a long outage, old commands are not answered out of the blue
DECRYPT_GRACE_SECONDS = 4.0  # a late room key often arrives within a sync or two
RESEND_HINT_EVERY_SECONDS = 600
STOP_SECONDS = 10.0
# The first sync of a new bot takes only the latest event per room: the backlog is never answered.
FIRST_START_FILTER = {"room": {"timeline": {"limit": 1}}}
SYNC_FILTER = {"room": {"timeline": {"limit": 100}}}


class MatrixAdapter(MatrixSending, Adapter):
    platform = "matrix"
    capabilities = Capabilities(reactions=True, edits=True, files=True)

    def __init__(self, settings: Settings):
        super().__init__()
        self.config = settings.matrix
        self.state = MatrixState(settings.data_dir / "matrix")
        self.own_server = self.config.user_id.split(":", 1)[1]
        self.allowed_servers = set(self.config.allowed_servers or [self.own_server])
        self.allowed_inviters = set(self.config.allowed_inviters)
        self.retry_cap_seconds = RETRY_CAP_SECONDS
        self.decrypt_grace_seconds = DECRYPT_GRACE_SECONDS
        self.client: AsyncClient | None = None
        self._batches: asyncio.Queue = asyncio.Queue()
        self._tasks: list[asyncio.Task] = []
        self._since: str | None = None
        self._first_batch_done = asyncio.Event()
        self._direct_from_account_data: set[str] = set()
        self._resend_hints: dict[tuple[str, str], float] = {}
        self._key_query_lock = asyncio.Lock()
        self._room_creators: dict[str, set[str]] = {}
        self._synced = asyncio.Condition()  # notified after each sync response is fully processed

    # -- life cycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        self.client = await self._login()
        self._since = self.state.sync_token
        self._tasks = [asyncio.create_task(self._sync_forever(), name="matrix-sync"),
                       asyncio.create_task(self._dispatch_forever(), name="matrix-dispatch")]
        try:
            await asyncio.wait_for(self._first_batch_done.wait(), FIRST_SYNC_SECONDS)
        except TimeoutError:
            log.warning("matrix: first sync still pending; carrying on in the background")

    async def stop(self) -> None:
        """Stop syncing, let the dispatcher finish what it already fetched (with a deadline), close."""
        if self._tasks:
            sync_task, dispatch_task = self._tasks
            sync_task.cancel()
            await self._batches.put(None)  # the dispatcher ends when it reaches this
            try:
                await asyncio.wait_for(asyncio.shield(dispatch_task), STOP_SECONDS)
            except (TimeoutError, Exception):
                dispatch_task.cancel()
            for task in self._tasks:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._tasks = []
        if self.client:
            await self.client.close()

    async def _login(self) -> AsyncClient:
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False,
                                   max_timeout_retry_wait_time=self.retry_cap_seconds,
                                   request_timeout=LONG_POLL_MS / 1000 + 30)
        user_id = self.config.user_id
        saved = self.state.session(user_id)
        client = AsyncClient(self.config.homeserver, user_id, device_id=saved and saved["device_id"],
                             store_path=str(self.state.crypto_dir), config=config)
        if saved:
            client.restore_login(user_id, saved["device_id"], saved["access_token"])
            if isinstance(await client.whoami(), WhoamiResponse):
                return client
            log.warning("matrix: saved access token no longer valid; logging in again on the same device")
            if not self.config.password:
                raise RuntimeError("[matrix] the saved login was revoked: set a new access_token or a password")
        if self.config.access_token and not saved:
            client.access_token = self.config.access_token
            who = await client.whoami()
            if not isinstance(who, WhoamiResponse) or not who.device_id:
                raise RuntimeError("[matrix] access_token was refused by the homeserver")
            client.restore_login(user_id, who.device_id, self.config.access_token)
        else:
            answer = await client.login(self.config.password, device_name=self.config.device_name)
            if not isinstance(answer, LoginResponse):
                raise RuntimeError(f"[matrix] login refused: {getattr(answer, 'message', answer)}")
        self.state.save_session(user_id, client.device_id, client.access_token)
        log.info("matrix: logged in", extra={"device": client.device_id})
        return client

    # -- sync ------------------------------------------------------------------------------------

    async def _sync_forever(self) -> None:
        first, failures = True, 0
        new_bot = self.state.sync_token is None
        while True:
            try:
                answer = await self.client.sync(
                    timeout=0 if first else LONG_POLL_MS, since=self._since, full_state=first,
                    sync_filter=FIRST_START_FILTER if first and new_bot else SYNC_FILTER)
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a network fault nio gave up on: back off and go on
                answer = error
            if not isinstance(answer, SyncResponse):
                failures += 1
                delay = min(self.retry_cap_seconds, 0.25 * 2 ** min(failures, 8))
                log.warning("matrix sync failed; retrying", extra={
                    "error": type(answer).__name__, "status": getattr(answer, "status_code", None),
                    "retry_in": delay})
                await asyncio.sleep(delay)
                continue
            failures = 0
            self._since = answer.next_batch
            async with self._synced:
                self._synced.notify_all()
            await self._batches.put((answer, first and new_bot, first and not new_bot))
            first = False
            await self._crypto_housekeeping()

    async def _until_synced(self, condition, seconds: float) -> bool:
        """Wait until `condition()` holds after a processed sync (nio's room state is whole then)."""
        async def wait() -> None:
            async with self._synced:
                await self._synced.wait_for(condition)

        try:
            await asyncio.wait_for(wait(), seconds)
        except TimeoutError:
            return condition()
        return True

    async def _crypto_housekeeping(self) -> None:
        """What nio's sync_forever does between syncs: publish, fetch and claim keys, send to-device."""
        client = self.client
        try:
            if client.should_upload_keys:
                await client.keys_upload()
            await self._query_keys()
            if client.should_claim_keys:
                await client.keys_claim(client.get_users_for_key_claiming())
            await client.send_to_device_messages()
        except Exception:
            log.warning("matrix: key housekeeping failed; will retry after the next sync", exc_info=True)

    async def _query_keys(self) -> None:
        """Fetch the device keys of people new to our encrypted rooms. One query at a time: a send waits
        for one under way, so a brand-new DM is never encrypted for nobody."""
        async with self._key_query_lock:
            if self.client.should_query_keys:
                await self.client.keys_query()

    async def _dispatch_forever(self) -> None:
        while True:
            item = await self._batches.get()
            if item is None:
                return
            batch, backlog_only, catching_up = item
            try:
                await self._handle_batch(batch, backlog_only, catching_up)
            except Exception:
                log.exception("matrix: a batch failed")
            self.state.batch_done(batch.next_batch)
            self._first_batch_done.set()

    async def _handle_batch(self, batch: SyncResponse, backlog_only: bool, catching_up: bool) -> None:
        for event in batch.account_data_events:
            if isinstance(event, UnknownAccountDataEvent) and event.type == "m.direct":
                self._direct_from_account_data = {room for rooms in event.content.values() for room in rooms}
        for room_id, info in batch.rooms.invite.items():
            await self._on_invite(room_id, info.invite_state)
        for room_id in batch.rooms.leave:
            self.state.forget_room(room_id)
        for room_id, info in batch.rooms.join.items():
            self._note_creators(room_id, [*info.state, *info.timeline.events])
            room = self.client.rooms.get(room_id)
            if room is None or backlog_only:
                continue
            if info.timeline.limited and catching_up:
                log.warning("matrix: some events arrived while the bot was away and were skipped",
                            extra={"room": room_id})
            for event in _after_own_join(info.timeline.events, self.client.user_id):
                event_id = getattr(event, "event_id", None)
                if not event_id or self.state.already_handled(event_id):
                    continue
                try:
                    await self._on_room_event(room, event)
                except Exception:
                    log.exception("matrix: handling an event failed", extra={"room": room_id})
                self.state.mark_handled(event_id)

    # -- incoming --------------------------------------------------------------------------------

    async def _on_invite(self, room_id: str, invite_state: list) -> None:
        invite = next((e for e in invite_state if isinstance(e, InviteMemberEvent)
                       and e.state_key == self.client.user_id and e.membership == "invite"), None)
        if invite is None:
            return
        inviter = invite.sender
        if not self._invite_allowed(inviter, room_id):
            log.info("matrix: declined an invite from a server or person not allowed",
                     extra={"room": room_id, "inviter_server": _server(inviter)})
            await self.client.room_leave(room_id)
            return
        if invite.content.get("is_direct"):
            self.state.remember_direct_room(inviter, room_id)
        await self.client.join(room_id)
        log.info("matrix: joined a room", extra={"room": room_id})

    def _invite_allowed(self, inviter: str, room_id: str) -> bool:
        return (inviter in self.allowed_inviters or _server(inviter) in self.allowed_servers
                or _server(room_id) in self.allowed_servers)

    async def _on_room_event(self, room: MatrixRoom, event) -> None:
        sender = getattr(event, "sender", None)
        if sender == self.client.user_id:
            return
        if _too_old(event):
            return
        if isinstance(event, RoomMessageText):  # m.text only: notices are bots talking, never commands
            relates = event.source.get("content", {}).get("m.relates_to", {})
            if relates.get("rel_type") == "m.replace":
                return  # an edited command is not run a second time
            reply_to = relates.get("m.in_reply_to", {}).get("event_id")
            text = incoming_text(event.body, event.formatted_body, reply_to is not None)
            message = IncomingMessage(text, self._user(room, sender), self._place_for(room.room_id),
                                      message_id=event.event_id,
                                      link=f"https://matrix.to/#/{room.room_id}/{event.event_id}",
                                      reply_to=reply_to)
            await self.bot.handle_message(message)
        elif isinstance(event, MegolmEvent):
            await self._undecryptable(room, event)
        elif (relates := _reaction(event)) is not None:
            place = self._place_for(room.room_id)
            choice = await self.bot.pending.choice_for_reaction(place, relates["event_id"], relates["key"])
            if choice:
                await self.bot.handle_choice(ChoiceEvent(choice, self._user(room, sender), place, relates["event_id"]))

    async def _undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        """Ask for the key, give it a moment, and if it still cannot be read, ask the member to re-send."""
        log.warning("matrix: could not decrypt a message", extra={
            "room": room.room_id, "event": event.event_id, "session": event.session_id})
        with contextlib.suppress(Exception):
            await self.client.request_room_key(event)
        self.bot.spawn(self._retry_decryption(room, event))

    async def _retry_decryption(self, room: MatrixRoom, event: MegolmEvent) -> None:
        await asyncio.sleep(self.decrypt_grace_seconds)
        try:
            decrypted = self.client.decrypt_event(event)
        except EncryptionError:
            decrypted = event  # still no key
        if not isinstance(decrypted, MegolmEvent):
            await self._on_room_event(room, decrypted)
            return
        key = (room.room_id, event.sender)
        if time.monotonic() - self._resend_hints.get(key, -RESEND_HINT_EVERY_SECONDS) < RESEND_HINT_EVERY_SECONDS:
            return
        self._resend_hints[key] = time.monotonic()
        await self.send(self._place_for(room.room_id), Content(
            text=(f"{event.sender}, I couldn't read a message you just sent: it was encrypted with a key my "
                  "device never received. Could you send it again? If this keeps happening, leaving and "
                  "re-opening the chat with me usually fixes it."),
            mention_users=[UserRef("matrix", event.sender)]))

    # -- rooms, people, moderators ---------------------------------------------------------------

    def _note_creators(self, room_id: str, events: list) -> None:
        """Room version 12 gives creators unlimited power without listing them in m.room.power_levels."""
        for event in events:
            if isinstance(event, RoomCreateEvent):
                content = event.source.get("content", {})
                self._room_creators[room_id] = {event.sender, *content.get("additional_creators", [])}

    def _power(self, room: MatrixRoom, user_id: str) -> float:
        version = room.room_version or "1"
        creators_privileged = (version.isdigit() and int(version) >= 12) or "hydra" in version
        if creators_privileged and user_id in self._room_creators.get(room.room_id, ()):
            return float("inf")
        return room.power_levels.get_user_level(user_id)

    def _is_direct(self, room: MatrixRoom) -> bool:
        """A DM: marked so by the invite or m.direct, or two people in a room without a name."""
        if room.room_id in self.state.direct_rooms.values() or room.room_id in self._direct_from_account_data:
            return True
        mapped = self.bot.communities.for_place(PlaceRef("matrix", room.room_id, scope_id=room.room_id))
        is_mapped = room.room_id in self.bot.communities.scopes(mapped.id, "matrix")
        return len(room.users) == 2 and not room.name and not is_mapped

    def _direct_partner(self, room_id: str) -> str | None:
        room = self.client.rooms.get(room_id)
        others = [user for user in (room.users if room else ()) if user != self.client.user_id]
        return others[0] if len(others) == 1 else None

    def _place_for(self, room_id: str) -> PlaceRef:
        room = self.client.rooms.get(room_id) if self.client else None
        direct = bool(room and self._is_direct(room)) or room_id in self.state.direct_rooms.values()
        return PlaceRef("matrix", room_id, is_direct=direct, scope_id=None if direct else room_id)

    def _user(self, room: MatrixRoom, user_id: str) -> UserRef:
        return UserRef("matrix", user_id, room.user_name(user_id) or "")

    async def is_moderator(self, user: UserRef, community_id: int) -> bool:
        """Listed in [matrix] moderators, or power level >= 50 in one of the community's rooms."""
        if user.platform != "matrix":
            return False
        if user.user_id in self.config.moderators:
            return True
        for room in self.client.rooms.values():
            place = self._place_for(room.room_id)
            if place.is_direct or self.bot.communities.for_place(place).id != community_id:
                continue
            if self._power(room, user.user_id) >= MODERATOR_POWER:
                return True
        return False

    def parse_user(self, text: str) -> UserRef | None:
        return matrix_user(text)


def _server(matrix_id: str) -> str:
    return matrix_id.split(":", 1)[1] if ":" in matrix_id else ""


def _after_own_join(events: list, own_user_id: str) -> list:
    """Events after the bot's own join in this batch: what was said before it arrived is not for it."""
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if (isinstance(event, RoomMemberEvent) and event.state_key == own_user_id
                and event.membership == "join" and event.prev_membership != "join"):
            return events[index + 1:]
    return events


def _too_old(event) -> bool:
    sent_ms = getattr(event, "server_timestamp", 0) or 0
    return sent_ms and (time.time() - sent_ms / 1000) > CATCH_UP_LIMIT_SECONDS


def _reaction(event) -> dict | None:
    """The m.annotation of a reaction, plain or decrypted (nio parses the latter as an unknown event)."""
    if isinstance(event, ReactionEvent):
        return {"event_id": event.reacts_to, "key": event.key}
    source = getattr(event, "source", {}) or {}
    if source.get("type") == "m.reaction":
        relates = source.get("content", {}).get("m.relates_to", {})
        if relates.get("rel_type") == "m.annotation":
            return {"event_id": relates.get("event_id"), "key": relates.get("key")}
    return None
