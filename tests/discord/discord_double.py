"""A local Discord API double: the gateway websocket and the REST routes a bot uses, on 127.0.0.1.

Point the real discord.py client at it (`point_discord_py_at(double)`), then let a test play the members:
inject messages, slash commands, button presses and modal submits through the gateway, and read back
what the bot sent (`double.sent`). It also misbehaves on request: a 429 with retry_after for a chosen
route, any other error status, a closed gateway that the client must resume, or a request held (never
processed, or processed with its answer withheld) while a test kills the bot.

Like Discord, it deduplicates message creation by nonce: a message created with `enforce_nonce` and a
nonce the same author used within the last few minutes is not created again; the earlier message is
returned (Discord's documentation of Create Message: "If true and nonce is present, it will be checked
for uniqueness in the past few minutes. If another message was created by the same author with the
same nonce, that message will be returned and no new message will be created.").
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import secrets
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import yarl
from aiohttp import WSMsgType, web
from discord_interactions import InteractionsMixin
from discord_payloads import (
    EVERYONE_PERMISSIONS,
    MANAGE_GUILD,
    MESSAGE_CONTENT_INTENT,
    FakeUser,
    Fault,
    RecordedRequest,
    SentFile,
    SentMessage,
    message_payload,
    resolve_mentions,
    role_payload,
    snowflake,
    text_channel_payload,
)
from discord_rest import RestMixin, json_response

from tests.crash.holds import Hold, Holds, through

HEARTBEAT_INTERVAL_MS = 41250


@dataclass
class OtherGuild:
    name: str
    owner: FakeUser
    members: list[FakeUser]


class DiscordDouble(InteractionsMixin, RestMixin):
    """One Discord application with one guild, its channels and members, served on a free local port."""

    def __init__(
        self, token: str = "double-bot-token", latency: float = 0.0, global_limit: int | None = None
    ) -> None:
        """`latency`: seconds each REST answer takes (Discord's are tens of milliseconds). `global_limit`:
        requests a second a bot may make across all routes but interactions and webhooks, as Discord's
        global rate limit; more, and the double answers 429 with `"global": true`, as Discord does."""
        self.token = token
        self.latency = latency
        self.global_limit = global_limit
        self._recent_requests: deque[float] = deque()  # arrival times within the last second
        self.global_refusals = 0
        self.application_id = snowflake()
        self.bot_user = FakeUser(self.application_id, "kindred", bot=True)
        self.guild_id = snowflake()
        self.moderator_role_id = snowflake()  # "Admins": has Manage Server
        self.peer_role_id = snowflake()  # "Peer Moderator": no permission; moderators by configuration only
        self.owner = FakeUser(snowflake(), "founder")
        self.alex = FakeUser(snowflake(), "alex")
        self.morgan = FakeUser(snowflake(), "morgan", role_ids=[self.moderator_role_id])
        self.sam = FakeUser(snowflake(), "sam", role_ids=[self.peer_role_id])
        self.users = {u.id: u for u in (self.bot_user, self.owner, self.alex, self.morgan, self.sam)}
        self.roles = [
            role_payload(self.guild_id, "@everyone", EVERYONE_PERMISSIONS, 0),
            role_payload(self.moderator_role_id, "Admins", MANAGE_GUILD, 2),
            role_payload(self.peer_role_id, "Peer Moderator", 0, 1),
        ]
        self.channels: dict[int, dict] = {}
        for position, name in enumerate(("general", "check-ins", "moderators")):
            channel = text_channel_payload(snowflake(), self.guild_id, name, position)
            self.channels[int(channel["id"])] = channel
        self.general_id, self.checkins_id, self.moderators_id = list(self.channels)
        self.dm_channels: dict[int, int] = {}  # user id -> DM channel id
        # More servers the bot was added to (add_guild): guild id -> its owner, members and channel.
        self.other_guilds: dict[int, OtherGuild] = {}

        # What the bot did
        self.requests: list[RecordedRequest] = []
        self.sent: list[SentMessage] = []
        self.messages: dict[int, SentMessage] = {}
        self.global_commands: list[dict] = []
        self.guild_commands: list[dict] = []
        self.command_syncs = 0
        self.identify_payloads: list[dict] = []
        self.resumes = 0
        self.connections = 0
        self.message_content_allowed = True  # the portal's "Message Content Intent" switch
        self.errors: list[str] = []  # exceptions inside the double's own route handlers
        self.nonce_repeats = 0  # creations answered with an earlier message of the same nonce

        self._faults: list[Fault] = []
        self._holds = Holds()
        self._nonces: dict[tuple[int, str], tuple[float, int]] = {}  # (author, nonce) -> (when, message id)
        self._ws: web.WebSocketResponse | None = None
        self._send_lock = asyncio.Lock()
        self._session_id: str | None = None
        self._events: list[dict] = []
        self._seq = 0
        self._change = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self.port = 0
        self._routes: list[tuple[str, re.Pattern, Callable]] = [
            (m, re.compile(p + "$"), h)
            for m, p, h in [
                ("GET", r"/users/@me", self._get_me),
                ("GET", r"/oauth2/applications/@me", self._get_application),
                ("GET", r"/gateway(/bot)?", self._get_gateway),
                ("POST", r"/channels/(?P<channel_id>\d+)/messages", self._create_message),
                ("PATCH", r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)", self._edit_message),
                (
                    "POST",
                    r"/channels/(?P<channel_id>\d+)/messages/(?P<message_id>\d+)/threads",
                    self._create_thread,
                ),
                ("GET", r"/channels/(?P<channel_id>\d+)", self._get_channel),
                ("POST", r"/users/@me/channels", self._create_dm),
                ("GET", r"/users/(?P<user_id>\d+)", self._get_user),
                ("GET", r"/guilds/(?P<guild_id>\d+)/members/(?P<user_id>\d+)", self._get_member),
                ("PUT", r"/applications/\d+/commands", self._put_commands),
                ("GET", r"/applications/\d+/commands", self._get_commands),
                ("PUT", r"/applications/\d+/guilds/(?P<guild_id>\d+)/commands", self._put_commands),
                ("GET", r"/applications/\d+/guilds/(?P<guild_id>\d+)/commands", self._get_commands),
                (
                    "POST",
                    r"/interactions/(?P<interaction_id>\d+)/(?P<token>[^/]+)/callback",
                    self._interaction_callback,
                ),
                ("POST", r"/webhooks/\d+/(?P<token>[^/]+)", self._create_followup),
                (
                    "GET",
                    r"/webhooks/\d+/(?P<token>[^/]+)/messages/(?P<message_id>@original|\d+)",
                    self._get_webhook_message,
                ),
                (
                    "PATCH",
                    r"/webhooks/\d+/(?P<token>[^/]+)/messages/(?P<message_id>@original|\d+)",
                    self._edit_webhook_message,
                ),
                (
                    "DELETE",
                    r"/webhooks/\d+/(?P<token>[^/]+)/messages/(?P<message_id>@original|\d+)",
                    self._delete_webhook_message,
                ),
            ]
        ]
        self._init_interactions()

    # ---------------------------------------------------------------- lifecycle
    async def start(self) -> DiscordDouble:
        app = web.Application(client_max_size=32 * 1024 * 1024)
        app.router.add_get("/gateway", self._gateway)
        app.router.add_get("/cdn/{attachment_id}/{filename}", self._serve_cdn)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        self._holds.release_all()  # the bot that sent them is gone: nothing waits for these answers
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ---------------------------------------------------------------- waiting
    def _notify(self) -> None:
        self._change.set()
        self._change = asyncio.Event()

    async def wait_until(self, predicate: Callable[[], Any], what: str, within: float = 5.0) -> Any:
        """Wait until predicate() is truthy and return its value; fail with `what` after `within` seconds."""

        async def poll():
            while True:
                change = self._change
                result = predicate()
                if result:
                    return result
                # The predicate may watch the client's side too, which does not notify: re-check often.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(change.wait(), 0.01)

        try:
            return await asyncio.wait_for(poll(), within)
        except TimeoutError:
            raise AssertionError(f"Discord double: timed out after {within}s waiting for {what}") from None

    async def wait_for_message(
        self, predicate: Callable[[SentMessage], bool], what: str, within: float = 5.0
    ) -> SentMessage:
        return await self.wait_until(lambda: next((m for m in self.sent if predicate(m)), None), what, within)

    async def wait_ready(self, within: float = 5.0) -> None:
        await self.wait_until(lambda: self._ws is not None and self._session_id, "IDENTIFY", within)

    # ---------------------------------------------------------------- faults
    def fail_next(
        self, method: str, path_regex: str, status: int = 429, retry_after: float = 0.05, times: int = 1
    ) -> None:
        """Answer the next `times` matching requests with `status` (429 carries retry_after seconds)."""
        self._faults.append(Fault(method, re.compile(path_regex), status, retry_after, times))

    def hold(self, method: str, path_regex: str, at: str, on_answer=None) -> Hold:
        """Hold the next matching request (tests/crash/holds.py): at "request" it is never processed (the
        bot's call never reached Discord); at "answer" it is processed and its answer withheld (the
        message exists, the bot never learns it); at "passed" it is answered normally, `on_answer()`
        running just before the answer leaves. Await `arrived` / `answered`."""
        return self._holds.add(method, path_regex, at, on_answer)

    async def close_gateway(self, code: int = 4000) -> None:
        """Drop the gateway connection like Discord does; the client should RESUME its session."""
        ws = self._ws
        self._ws = None
        if ws is not None:
            await ws.close(code=code, message=b"double closed the gateway")

    # ---------------------------------------------------------------- gateway
    async def _send_frame(self, frame: dict) -> None:
        ws = self._ws
        if ws is not None and not ws.closed:
            async with self._send_lock:
                await ws.send_str(json.dumps(frame))

    async def dispatch(self, event: str, data: dict) -> None:
        """Send a DISPATCH event; while disconnected it is kept and replayed on RESUME, as Discord does."""
        self._seq += 1
        frame = {"op": 0, "t": event, "s": self._seq, "d": data}
        self._events.append(frame)
        await self._send_frame(frame)

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self.connections += 1
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": HEARTBEAT_INTERVAL_MS}}))
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            payload = json.loads(frame.data)
            op, data = payload.get("op"), payload.get("d")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
            elif op == 2:
                await self._identify(ws, data)
            elif op == 6:
                await self._resume(ws, data)
        if self._ws is ws:
            self._ws = None
        self._notify()
        return ws

    async def _identify(self, ws: web.WebSocketResponse, data: dict) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if data.get("intents", 0) & MESSAGE_CONTENT_INTENT and not self.message_content_allowed:
            await ws.close(code=4014, message=b"Disallowed intent(s).")
            return
        self.identify_payloads.append(data)
        self._ws, self._session_id, self._events, self._seq = ws, secrets.token_hex(16), [], 0
        await self.dispatch(
            "READY",
            {
                "v": 10,
                "user": self.bot_user.payload(),
                "guilds": [{"id": str(g), "unavailable": True} for g in (self.guild_id, *self.other_guilds)],
                "session_id": self._session_id,
                "resume_gateway_url": self.gateway_url,
                "private_channels": [],
                "relationships": [],
                "application": {"id": str(self.application_id), "flags": 0},
            },
        )
        await self.dispatch("GUILD_CREATE", self.guild_payload())
        for guild_id in self.other_guilds:
            await self.dispatch("GUILD_CREATE", self.guild_payload(guild_id))
        self._notify()

    async def _resume(self, ws: web.WebSocketResponse, data: dict) -> None:
        if data.get("token") != self.token:
            await ws.close(code=4004, message=b"Authentication failed.")
            return
        if data.get("session_id") != self._session_id:
            await ws.send_str(json.dumps({"op": 9, "d": False}))
            return
        self._ws = ws
        for frame in [f for f in self._events if f["s"] > (data.get("seq") or 0)]:
            await self._send_frame(frame)
        await self.dispatch("RESUMED", {})
        self.resumes += 1
        self._notify()

    def add_member(self, username: str, role_ids: list[int] | None = None) -> FakeUser:
        """Another member of the guild (present in later GUILD_CREATEs and member fetches)."""
        user = FakeUser(snowflake(), username, role_ids=list(role_ids or []))
        self.users[user.id] = user
        return user

    @property
    def intents(self) -> int:
        """The intents of the latest IDENTIFY."""
        return self.identify_payloads[-1].get("intents", 0)

    def add_guild(self, name: str, owner: FakeUser) -> tuple[int, int]:
        """Another server the bot was added to, owned (so moderated) by `owner`: (guild id, channel id).
        Call before the bot connects."""
        guild_id = snowflake()
        channel = text_channel_payload(snowflake(), guild_id, "general", 0)
        self.channels[int(channel["id"])] = channel
        self.other_guilds[guild_id] = OtherGuild(name, owner, [self.bot_user, owner])
        return guild_id, int(channel["id"])

    def guild_payload(self, guild_id: int | None = None) -> dict:
        other = self.other_guilds.get(guild_id)
        members = [u.member_payload() for u in (other.members if other else self.users.values())]
        guild_id = guild_id if other else self.guild_id
        channels = [c for c in self.channels.values() if c.get("guild_id") == str(guild_id)]
        roles = [role_payload(guild_id, "@everyone", EVERYONE_PERMISSIONS, 0)] if other else self.roles
        return {
            "id": str(guild_id),
            "name": other.name if other else "Riverside Alumni",
            "icon": None,
            "splash": None,
            "discovery_splash": None,
            "banner": None,
            "description": None,
            "owner_id": str((other.owner if other else self.owner).id),
            "afk_channel_id": None,
            "afk_timeout": 300,
            "verification_level": 1,
            "default_message_notifications": 1,
            "explicit_content_filter": 2,
            "features": [],
            "mfa_level": 0,
            "application_id": None,
            "system_channel_id": None,
            "system_channel_flags": 0,
            "rules_channel_id": None,
            "public_updates_channel_id": None,
            "vanity_url_code": None,
            "premium_tier": 0,
            "premium_subscription_count": 0,
            "preferred_locale": "en-US",
            "nsfw_level": 0,
            "premium_progress_bar_enabled": False,
            "joined_at": "2025-01-01T00:00:00+00:00",
            "large": False,
            "unavailable": False,
            "member_count": len(members),
            "roles": roles,
            "emojis": [],
            "stickers": [],
            "members": members,
            "channels": channels,
            "threads": [],
            "presences": [],
            "voice_states": [],
            "stage_instances": [],
            "guild_scheduled_events": [],
            "soundboard_sounds": [],
            "max_members": 500000,
        }

    def permissions_of(self, user: FakeUser, guild_id: int | None = None) -> int:
        """A member's guild-wide permissions, as Discord computes them for an interaction."""
        other = self.other_guilds.get(guild_id)
        if other is not None:
            return (1 << 53) - 1 if user.id == other.owner.id else EVERYONE_PERMISSIONS
        if user.id == self.owner.id:
            return (1 << 53) - 1
        permissions = EVERYONE_PERMISSIONS
        for role in self.roles:
            if int(role["id"]) in user.role_ids:
                permissions |= int(role["permissions"])
        return permissions

    # ---------------------------------------------------------------- REST
    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body, files = await self._read_body(request)
        if self.global_limit is not None and "/interactions/" not in path and "/webhooks/" not in path:
            now = time.monotonic()
            while self._recent_requests and now - self._recent_requests[0] >= 1.0:
                self._recent_requests.popleft()
            if len(self._recent_requests) >= self.global_limit:
                self.global_refusals += 1
                self.requests.append(RecordedRequest(request.method, path, body, 429))
                return json_response(
                    {
                        "message": "You are being rate limited.",
                        "global": True,
                        "retry_after": round(1.0 - (now - self._recent_requests[0]), 3),
                    },
                    429,
                    headers={
                        "Via": "1.1 google",
                        "X-RateLimit-Global": "true",
                        "X-RateLimit-Scope": "global",
                    },
                )
            self._recent_requests.append(now)
        if self.latency:
            await asyncio.sleep(self.latency)
        for fault in self._faults:
            if fault.remaining > 0 and fault.method == request.method and fault.path_pattern.search(path):
                fault.remaining -= 1
                self.requests.append(RecordedRequest(request.method, path, body, fault.status))
                self._notify()
                if fault.status == 429:
                    return json_response(
                        {
                            "message": "You are being rate limited.",
                            "retry_after": fault.retry_after,
                            "global": False,
                        },
                        429,
                        headers={"Via": "1.1 google", "X-RateLimit-Scope": "user"},
                    )
                return json_response({"message": "Injected failure", "code": 0}, fault.status)
        if (
            request.headers.get("Authorization") != f"Bot {self.token}"
            and "/webhooks/" not in path
            and "/interactions/" not in path
        ):
            return json_response({"message": "401: Unauthorized", "code": 0}, 401)
        for method, pattern, handler in self._routes:
            match = pattern.match(path)
            if match and method == request.method:

                async def process(handler=handler, match=match) -> web.Response:
                    try:
                        response = await handler(
                            body=body, files=files, query=request.query, **match.groupdict()
                        )
                    except (
                        Exception
                    ) as error:  # a bug in the double: fail the request fast, keep the evidence
                        self.errors.append(f"{request.method} {path}: {error!r}")
                        response = json_response(
                            {"message": f"Discord double error: {error!r}", "code": 0}, 400
                        )
                    self.requests.append(RecordedRequest(request.method, path, body, response.status))
                    self._notify()
                    return response

                return await through(
                    self._holds.take(request.method, path),
                    process,
                    lambda: json_response({"message": "held by the test", "code": 0}, 503),
                )
        self.requests.append(RecordedRequest(request.method, path, body, 404))
        return json_response(
            {"message": f"The double does not serve {request.method} {path}", "code": 0}, 404
        )

    async def _read_body(self, request: web.Request) -> tuple[Any, list[SentFile]]:
        if request.content_type.startswith("multipart/"):
            body, files = None, []
            reader = await request.multipart()
            async for part in reader:
                if part.name == "payload_json":
                    body = json.loads(await part.text())
                else:
                    data = await part.read()
                    files.append(
                        SentFile(
                            part.filename or "",
                            bytes(data),
                            part.headers.get("Content-Type", "application/octet-stream"),
                        )
                    )
            return body, files
        raw = await request.read()
        return (json.loads(raw) if raw else None), []

    def record_message(
        self,
        kind: str,
        channel_id: int,
        body: dict,
        files: list[SentFile],
        author: FakeUser | None = None,
        interaction_id: int | None = None,
    ) -> SentMessage:
        channel = self.channels.get(channel_id, {})
        attachments = [
            {
                "id": str(snowflake()),
                "filename": f.filename,
                "size": len(f.data),
                "content_type": f.content_type,
                "url": f"{self.api_base}/attachments/{f.filename}",
                "proxy_url": f"{self.api_base}/p/{f.filename}",
            }
            for f in files
        ]
        allowed = body.get("allowed_mentions")
        mentions = resolve_mentions(body.get("content") or "", allowed)
        payload = message_payload(
            message_id=snowflake(),
            channel_id=channel_id,
            author=author or self.bot_user,
            guild_id=int(channel["guild_id"]) if "guild_id" in channel else None,
            body=body,
            attachments=attachments,
            mentions=mentions,
        )
        sent = SentMessage(kind, payload, allowed, mentions, files, interaction_id)
        if author is None:
            self.sent.append(sent)
        self.messages[sent.id] = sent
        self._notify()
        return sent

    def _apply_edit(self, sent: SentMessage, body: dict) -> None:
        for key in ("content", "embeds", "components", "flags"):
            if key in body:
                sent.payload[key] = body[key]
        sent.payload["edited_timestamp"] = sent.payload["timestamp"]
        sent.edits += 1
        self._notify()


@contextlib.contextmanager
def point_discord_py_at(double: DiscordDouble):
    """Aim discord.py's REST base and default gateway (class-level settings) at the double, then restore."""
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = double.api_base, yarl.URL(double.gateway_url)
    try:
        yield double
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


@contextlib.asynccontextmanager
async def running_client(client, token: str, within: float = 5.0):
    """Log a discord.py client in, wait for on_ready (with a deadline), and close it afterwards."""
    await asyncio.wait_for(client.login(token), within)
    connection = asyncio.create_task(client.connect())
    try:
        ready = asyncio.create_task(client.wait_for("ready"))
        done, _ = await asyncio.wait({ready, connection}, timeout=within, return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            if connection in done:
                connection.result()  # re-raise why the connection ended
            raise AssertionError("discord.py did not become ready in time")
        yield client
    finally:
        await asyncio.wait_for(client.close(), within)
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(connection, within)
