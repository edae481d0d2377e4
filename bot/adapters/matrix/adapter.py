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
from datetime import timedelta

from nio import (
    AsyncClient,
    AsyncClientConfig,
    EncryptionError,
    InviteMemberEvent,
    LoginResponse,
    MatrixRoom,
    MegolmEvent,
    RoomCreateEvent,
    RoomMemberEvent,
    RoomMessageText,
    SyncResponse,
    UnknownAccountDataEvent,
    WhoamiResponse,
)

from bot.adapters.base import Adapter, Capabilities
from bot.adapters.matrix.events import after_own_arrival, reaction_of, server_of, too_old
from bot.adapters.matrix.files import caption_of, described_file, replied_file
from bot.adapters.matrix.outgoing import MatrixSending
from bot.adapters.matrix.render import incoming_text, matrix_user
from bot.adapters.matrix.state import MatrixState
from bot.commands import PREFIX
from bot.config import Settings
from bot.model import ChoiceEvent, Content, IncomingMessage, PlaceRef, Platform, UserRef

log = logging.getLogger(__name__)

MODERATOR_POWER = 50
FIRST_SYNC_SECONDS = 30.0
LONG_POLL_MS = 30_000
RETRY_CAP_SECONDS = 10.0
DECRYPT_GRACE_SECONDS = 4.0  # a late room key often arrives within a sync or two
RESEND_HINT_EVERY_SECONDS = 600
STOP_SECONDS = 10.0
# Synapse remembers a transaction id (per room, user and device) for 24 hours in its database
# (`event_txn_id_device_id`, cleaned every 5 minutes of rows older than a day; see docs/matrix.md):
# an unconfirmed send is sent again with its id within this, with a margin for the two clocks.
RESEND_WINDOW = timedelta(hours=23)
# The first sync of a new bot takes only the latest event per room: the backlog is never answered.
FIRST_START_FILTER = {"room": {"timeline": {"limit": 1}}}
SYNC_FILTER = {"room": {"timeline": {"limit": 100}}}


class MatrixAdapter(MatrixSending, Adapter):
    platform = Platform.MATRIX
    capabilities = Capabilities(edits=True)
    mapped_places_only = True
    resend_window = RESEND_WINDOW
    send_concurrency = 16  # side by side; a 429 is waited out by matrix-nio for the time Synapse names
    attach_hint = "On Matrix, send the file first, then reply to it with the command. "

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
        self._m_direct: dict[str, list[str]] = {}  # the bot's m.direct account data, as last synced
        self._resend_hints: dict[tuple[str, str], float] = {}
        self._key_query_lock = asyncio.Lock()
        self._room_creators: dict[str, set[str]] = {}
        self._synced = asyncio.Condition()  # notified after each sync response is fully processed

    # -- life cycle ------------------------------------------------------------------------------

    async def start(self) -> None:
        # nio's crypto store (peewee) logs its SQL at DEBUG, the pickled Olm account included: never.
        peewee = logging.getLogger("peewee")
        peewee.setLevel(max(logging.WARNING, peewee.level))
        self.client = await self._login()
        self._since = self.state.sync_token
        self._tasks = [
            asyncio.create_task(self._sync_forever(), name="matrix-sync"),
            asyncio.create_task(self._dispatch_forever(), name="matrix-dispatch"),
        ]
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
        config = AsyncClientConfig(
            encryption_enabled=True,
            store_sync_tokens=False,
            max_timeout_retry_wait_time=self.retry_cap_seconds,
            request_timeout=LONG_POLL_MS / 1000 + 30,
        )
        user_id = self.config.user_id
        saved = self.state.session(user_id)
        client = AsyncClient(
            self.config.homeserver,
            user_id,
            device_id=saved and saved["device_id"],
            store_path=str(self.state.crypto_dir),
            config=config,
        )
        if saved:
            client.restore_login(user_id, saved["device_id"], saved["access_token"])
            if isinstance(await client.whoami(), WhoamiResponse):
                return client
            log.warning("matrix: the saved access token was revoked; logging in again")
        token = self.config.access_token
        if token and not (saved and (self.config.password or token == saved["access_token"])):
            client.access_token = token
            who = await client.whoami()
            if not isinstance(who, WhoamiResponse) or not who.device_id or who.user_id != user_id:
                raise RuntimeError(f"[matrix] access_token was refused, or is not {user_id}'s")
            client.restore_login(user_id, who.device_id, token)
        elif self.config.password:
            # With a saved device, nio asks for that same device id: its keys and sessions stay valid.
            answer = await client.login(self.config.password, device_name=self.config.device_name)
            if not isinstance(answer, LoginResponse):
                raise RuntimeError(f"[matrix] login refused: {getattr(answer, 'message', answer)}")
        else:
            raise RuntimeError("[matrix] the saved login was revoked: set a new access_token or a password")
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
                    timeout=0 if first else LONG_POLL_MS,
                    since=self._since,
                    full_state=first,
                    sync_filter=FIRST_START_FILTER if first and new_bot else SYNC_FILTER,
                )
            except asyncio.CancelledError:
                raise
            except Exception as error:  # a network fault nio gave up on: back off and go on
                answer = error
            if not isinstance(answer, SyncResponse):
                failures += 1
                delay = min(self.retry_cap_seconds, 0.25 * 2 ** min(failures, 8))
                log.warning(
                    "matrix sync failed; retrying",
                    extra={
                        "error": type(answer).__name__,
                        "status": getattr(answer, "status_code", None),
                        "retry_in": delay,
                    },
                )
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
                self._m_direct = {user: list(rooms) for user, rooms in event.content.items()}
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
                log.warning(
                    "matrix: some events arrived while the bot was away and were skipped",
                    extra={"room": room_id},
                )
            for event in after_own_arrival(info.timeline.events, self.client.user_id):
                event_id = getattr(event, "event_id", None)
                # The bot's own messages and reactions come back in the next sync: nothing to handle, and
                # no reason to rewrite the saved state for each of them.
                own = getattr(event, "sender", None) == self.client.user_id
                if not event_id or own or self.state.already_handled(event_id):
                    continue
                try:
                    await self._on_room_event(room, event)
                except Exception:
                    log.exception("matrix: handling an event failed", extra={"room": room_id})
                self.state.mark_handled(event_id)

    # -- incoming --------------------------------------------------------------------------------

    async def _on_invite(self, room_id: str, invite_state: list) -> None:
        invite = next(
            (
                e
                for e in invite_state
                if isinstance(e, InviteMemberEvent)
                and e.state_key == self.client.user_id
                and e.membership == "invite"
            ),
            None,
        )
        if invite is None:
            return
        inviter = invite.sender
        if not self._invite_allowed(inviter, room_id, bool(invite.content.get("is_direct"))):
            log.info(
                "matrix: declined an invite the operator's rule does not allow",
                extra={"room": room_id, "inviter_server": server_of(inviter)},
            )
            await self.client.room_leave(room_id)
            return
        if invite.content.get("is_direct"):
            self.state.remember_direct_room(inviter, room_id)
        await self.client.join(room_id)
        log.info("matrix: joined a room", extra={"room": room_id})

    def _invite_allowed(self, inviter: str, room_id: str, direct: bool) -> bool:
        """The operator's rule ([matrix] invites). "mapped", the default: a room the config maps to a
        community, a DM from someone on an allowed server, or anything from an allowed inviter. "allowed":
        any room from an allowed server (the bot still acts as a community bot only in mapped rooms)."""
        if inviter in self.allowed_inviters:
            return True
        if self._mapped(room_id):
            return True
        from_allowed = server_of(inviter) in self.allowed_servers
        if self.config.invites == "allowed":
            return from_allowed or server_of(room_id) in self.allowed_servers
        return from_allowed and direct

    def _mapped(self, room_id: str) -> bool:
        return self.bot.communities.mapped(PlaceRef("matrix", room_id, scope_id=room_id)) is not None

    async def _on_room_event(self, room: MatrixRoom, event) -> None:
        if too_old(event):
            return
        if isinstance(event, RoomMessageText):  # m.text only: notices are bots talking, never commands
            relates = event.source.get("content", {}).get("m.relates_to", {})
            if relates.get("rel_type") == "m.replace":
                return  # an edited command is not run a second time
            reply_to = relates.get("m.in_reply_to", {}).get("event_id")
            text = incoming_text(event.body, event.formatted_body, reply_to is not None)
            # A command replying to a file reads that file (Matrix sends files as events of their own).
            replied = (
                await replied_file(self.client, room.room_id, reply_to)
                if reply_to and text.startswith(PREFIX)
                else None
            )
            await self._deliver_message(room, event, text, reply_to, [replied] if replied else [])
        elif (caption := caption_of(event)) and (file := described_file(self.client, event)):
            await self._deliver_message(room, event, caption, None, [file])  # a file captioned with a command
        elif isinstance(event, MegolmEvent):
            await self._undecryptable(room, event)
        elif isinstance(event, RoomMemberEvent) and event.membership == "leave" and len(room.users) <= 1:
            # Everyone else left (a member closing their DM): do not keep an empty room around.
            self.state.forget_room(room.room_id)
            await self.client.room_leave(room.room_id)
            await self.client.room_forget(room.room_id)  # nio drops the room (and its keys' room) only then
        elif (relates := reaction_of(event)) is not None:
            place = self._place_for(room.room_id)
            choice = await self.bot.pending.choice_for_reaction(place, relates["event_id"], relates["key"])
            if choice:
                await self.bot.handle_choice(
                    ChoiceEvent(
                        choice,
                        self._user(room, event.sender),
                        place,
                        relates["event_id"],
                        event_id=event.event_id,
                    )
                )

    async def _deliver_message(
        self, room: MatrixRoom, event, text: str, reply_to: str | None, files: list
    ) -> None:
        await self.bot.handle_message(
            IncomingMessage(
                text,
                self._user(room, event.sender),
                self._place_for(room.room_id),
                message_id=event.event_id,
                link=f"https://matrix.to/#/{room.room_id}/{event.event_id}",
                reply_to=reply_to,
                attachments=files,
                event_id=event.event_id,
            )
        )

    async def _undecryptable(self, room: MatrixRoom, event: MegolmEvent) -> None:
        """Ask for the key, give it a moment, and if it still cannot be read, ask the member to re-send."""
        log.warning(
            "matrix: could not decrypt a message",
            extra={"room": room.room_id, "event": event.event_id, "session": event.session_id},
        )
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
        if (
            time.monotonic() - self._resend_hints.get(key, -RESEND_HINT_EVERY_SECONDS)
            < RESEND_HINT_EVERY_SECONDS
        ):
            return
        self._resend_hints[key] = time.monotonic()
        await self.send(
            self._place_for(room.room_id),
            Content(
                text=(
                    f"{event.sender}, I couldn't read a message you just sent: it was encrypted with a key my "
                    "device never received. Could you send it again? If this keeps happening, leaving and "
                    "re-opening the chat with me usually fixes it."
                ),
                mention_users=[UserRef("matrix", event.sender)],
            ),
        )

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
        return len(room.users) == 2 and not room.name and self._community_scope(room) is None

    def _community_scope(self, room: MatrixRoom) -> str | None:
        """The id that maps this room to a community: the room itself, or a space it belongs to."""
        mapped = {
            scope
            for community in self.bot.communities.all()
            for scope in self.bot.communities.scopes(community.id, "matrix")
        }
        if room.room_id in mapped:
            return room.room_id
        return next((space for space in sorted(room.parents) if space in mapped), None)

    def _direct_partner(self, room_id: str) -> str | None:
        room = self.client.rooms.get(room_id)
        others = [user for user in (room.users if room else ()) if user != self.client.user_id]
        return others[0] if len(others) == 1 else None

    def _place_for(self, room_id: str) -> PlaceRef:
        room = self.client.rooms.get(room_id) if self.client else None
        direct = bool(room and self._is_direct(room)) or room_id in self.state.direct_rooms.values()
        if direct:
            return PlaceRef("matrix", room_id, is_direct=True, scope_id=None)
        return PlaceRef("matrix", room_id, scope_id=(room and self._community_scope(room)) or room_id)

    def _user(self, room: MatrixRoom, user_id: str) -> UserRef:
        return UserRef("matrix", user_id, room.user_name(user_id) or "")

    async def is_moderator(self, user: UserRef, community_id: int) -> bool:
        """Listed in [matrix] moderators, or power level >= 50 in one of the rooms the config maps to the
        community (directly or through its space). Power in a room nobody mapped counts for nothing: anyone
        can make a room and hold power 100 there."""
        if user.platform != "matrix":
            return False
        if user.user_id in self.config.moderators:
            return True
        for room in self.client.rooms.values():
            place = self._place_for(room.room_id)
            community = None if place.is_direct else self.bot.communities.mapped(place)
            if community is None or community.id != community_id:
                continue
            if self._power(room, user.user_id) >= MODERATOR_POWER:
                return True
        return False

    async def list_moderators(self, community_id: int) -> list[UserRef]:
        """Everyone in [matrix] moderators, and the joined members with power >= 50 in a community room."""
        found = {user_id: UserRef("matrix", user_id) for user_id in self.config.moderators}
        for room in self.client.rooms.values() if self.client else ():
            place = self._place_for(room.room_id)
            if place.is_direct or self.bot.communities.for_place(place).id != community_id:
                continue
            for user_id, user in room.users.items():
                if user_id == self.client.user_id or user_id in found or getattr(user, "invited", False):
                    continue
                if self._power(room, user_id) >= MODERATOR_POWER:
                    found[user_id] = self._user(room, user_id)
        return list(found.values())

    def parse_user(self, text: str) -> UserRef | None:
        return matrix_user(text)
