"""Kindred on Discord, through discord.py 2.7: the only module tree in the project that imports discord.

Events in: slash commands (built from the declarations), `!commands` and other messages (for crisis
listening, where the message-content intent is on), button presses and form submits (routed by their
custom_id, so they keep working after a restart). Content out: see render.py.
"""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections import OrderedDict
from datetime import timedelta
from time import monotonic
from typing import TYPE_CHECKING, Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.adapters.base import Adapter, Capabilities, Responder
from bot.adapters.discord import render as rendering
from bot.adapters.discord.events import EventRouter
from bot.adapters.discord.pace import RequestPace, pace_requests
from bot.adapters.discord.responder import MessageResponder
from bot.adapters.discord.slash import SLASH
from bot.adapters.discord.sync import sync_commands_if_changed
from bot.model import Content, PlaceRef, Platform, SentRef, UserRef

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

PLATFORM = Platform.DISCORD
READY_TIMEOUT = 60.0
SEND_ATTEMPTS = 3  # on top of discord.py's own retries of 429 and 5xx answers
MEMBER_CACHE_SECONDS = 60.0
INTERACTION_EDIT_SECONDS = 14 * 60  # interaction tokens last 15 minutes
REMEMBER_RENDERED_FROM = (
    1000  # characters of text: shorter ones cost less to render than to keep (see render())
)
REMEMBER_RENDERED = 4  # long texts whose messages are kept
USER_MENTION = re.compile(r"^<@!?(\d{15,21})>$|^(\d{15,21})$")
# Discord documents that a nonce sent with enforce_nonce is "checked for uniqueness in the past few
# minutes": the same author and nonce again gets the message already made, not a new one. It gives no
# number; two minutes is our cautious reading. Past it, an unconfirmed send is given up rather than
# risk a second copy (bot/outbox.py, docs/discord.md).
RESEND_WINDOW = timedelta(minutes=2)
UNKNOWN_CHANNEL = 10003  # Discord's error code
DM_CHANNELS_KEPT = (
    10_000  # DM channel ids in memory (discord.py keeps 128); members' are also kept in the database
)


class DiscordSetupError(RuntimeError):
    """The bot cannot connect as configured; the message says what to change."""


class DeliveryFailed(Exception):
    """A message could not be delivered after retries; the reason is logged (never the content)."""


def intents_for(message_content: bool, members: bool = False) -> discord.Intents:
    """The minimum: guilds (channels, roles), messages in guilds and DMs, and optionally their text and
    the member list (to find every moderator of a server)."""
    intents = discord.Intents.none()
    intents.guilds = True
    intents.guild_messages = True
    intents.dm_messages = True
    intents.message_content = message_content
    intents.members = members
    return intents


class DiscordAdapter(Adapter):
    platform = PLATFORM
    capabilities = Capabilities(buttons=True, threads=True, edits=True)
    command_prefix = SLASH  # members use slash commands; `!command` hints are shown as `/command`
    attach_hint = "With the slash command, pick the file in its `attachment` option. "
    mapped_places_only = True  # anyone can add a bot to a server they own
    send_concurrency = 32  # the pace is Discord's global limit (pace.py); 32 keep it busy at tens of ms each
    resend_window = RESEND_WINDOW

    def __init__(self, settings: Settings, *, guild_ready_timeout: float = 2.0):
        super().__init__()
        self.settings = settings.discord
        if self.settings is None:
            raise ValueError("the Discord adapter needs a [discord] section in the config")
        self.guild_ready_timeout = guild_ready_timeout
        self.client: discord.Client | None = None
        self.tree: app_commands.CommandTree | None = None
        self.events: EventRouter | None = None
        self.synced_on_start = False
        self._connection: asyncio.Task | None = None
        self._stopping = False
        # user id -> guild id -> (when seen, member, resolved permissions if known): who is a moderator,
        # without asking Discord each time
        self._members: dict[int, dict[int, tuple[float, discord.Member, discord.Permissions | None]]] = {}
        self._members_pruned = monotonic()
        # guild id -> user id -> member: moderators seen since start, so that without the members intent
        # a crisis alert can still reach more than the server owner
        self._moderators_seen: dict[int, dict[int, discord.Member]] = {}
        self._interaction_messages: dict[int, tuple[float, discord.Interaction]] = {}
        self._slash_names: tuple[app_commands.CommandTree, frozenset[str]] | None = None
        self._rendered: dict[int, tuple[str, tuple, list[rendering.Rendered]]] = {}
        self.pace = RequestPace(self.settings.requests_per_second)
        # user id -> their DM channel id, most recently used last (see _dm_channel)
        self._dm_channels: OrderedDict[str, int] = OrderedDict()

    # --- life cycle -----------------------------------------------------------------------------

    async def start(self) -> None:
        # discord.py keeps its endpoints in class attributes; a Discord-compatible server replaces them.
        if self.settings.api_base:
            Route.BASE = self.settings.api_base.rstrip("/")
        if self.settings.gateway_url:
            DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(self.settings.gateway_url)
        self.client = discord.Client(
            intents=intents_for(self.settings.message_content, self.settings.members_intent),
            allowed_mentions=discord.AllowedMentions.none(),
            guild_ready_timeout=self.guild_ready_timeout,
        )
        self.tree = app_commands.CommandTree(self.client)
        pace_requests(self.client.http, self.pace)
        self.events = EventRouter(self)
        self.events.install()
        try:
            await self.client.login(self.settings.token)
        except discord.LoginFailure:
            raise DiscordSetupError(
                "Discord refused the bot token: copy it again from the Developer Portal "
                "(Bot → Reset Token) into KINDRED_DISCORD_TOKEN or [discord] token"
            ) from None
        self.synced_on_start = await sync_commands_if_changed(self)
        ready = asyncio.Event()
        self.client.event(_on_ready_setter(ready))
        self._connection = asyncio.create_task(self.client.connect(reconnect=True), name="discord-gateway")
        self._connection.add_done_callback(self._connection_ended)
        waiter = asyncio.create_task(ready.wait())
        done, _ = await asyncio.wait(
            {waiter, self._connection}, timeout=READY_TIMEOUT, return_when=asyncio.FIRST_COMPLETED
        )
        if waiter not in done:
            waiter.cancel()
            if self._connection in done:
                try:
                    self._connection.result()  # raises why the gateway connection failed
                except discord.PrivilegedIntentsRequired:
                    raise DiscordSetupError(
                        "Discord refused the message-content intent: enable 'Message Content Intent' for the bot "
                        "in the Developer Portal, or set [discord] message_content = false (see docs/discord.md)"
                    ) from None
            raise TimeoutError(f"Discord did not become ready within {READY_TIMEOUT:.0f}s")
        log.info("discord ready", extra={"guilds": len(self.client.guilds), "synced": self.synced_on_start})

    def _connection_ended(self, task: asyncio.Task) -> None:
        """discord.py reconnects by itself; if it gives up (token revoked, say), say so loudly."""
        if task.cancelled():
            return
        error = task.exception()  # retrieved either way, so asyncio does not warn about it
        if self._stopping:
            return
        log.critical(
            "discord connection lost for good", extra={"error": type(error).__name__ if error else None}
        )

    async def stop(self) -> None:
        self._stopping = True
        if self.client is not None:
            await self.client.close()
        if self._connection is not None:
            try:
                await asyncio.wait_for(self._connection, 10)
            except (asyncio.CancelledError, TimeoutError, discord.DiscordException, OSError):
                pass

    # --- identity -------------------------------------------------------------------------------

    def user_ref(self, user: discord.abc.User) -> UserRef:
        return UserRef(PLATFORM, str(user.id), user.display_name)

    def place_ref(self, channel_id: int, guild_id: int | None) -> PlaceRef:
        return PlaceRef(
            PLATFORM,
            str(channel_id),
            is_direct=guild_id is None,
            scope_id=str(guild_id) if guild_id is not None else None,
        )

    def parse_user(self, text: str) -> UserRef | None:
        match = USER_MENTION.match(text.strip())
        if not match:
            return None
        user_id = int(match[1] or match[2])
        cached = self.client.get_user(user_id) if self.client else None
        return UserRef(PLATFORM, str(user_id), cached.display_name if cached else "")

    def responder(self, place: PlaceRef, author: UserRef) -> Responder:
        return MessageResponder(self, place, author)

    # --- moderators -----------------------------------------------------------------------------

    def remember_member(
        self, member: discord.abc.User | None, permissions: discord.Permissions | None = None
    ) -> None:
        """Keep the member an event carried (an interaction also carries their resolved permissions)."""
        if isinstance(member, discord.Member):
            now = monotonic()
            self._members.setdefault(member.id, {})[member.guild.id] = (now, member, permissions)
            if now - self._members_pruned > MEMBER_CACHE_SECONDS:
                # Every member who ever spoke would otherwise stay for the life of the process.
                self._members = {
                    user_id: fresh
                    for user_id, guilds in self._members.items()
                    if (fresh := {g: e for g, e in guilds.items() if now - e[0] < MEMBER_CACHE_SECONDS})
                }
                self._members_pruned = now

    async def is_moderator(self, user: UserRef, community_id: int) -> bool:
        """Manage Server (or Administrator) in one of the community's servers, or the configured role."""
        user_id = int(user.user_id)
        now = monotonic()
        checked: set[int] = set()
        # First the servers where the member was just seen (the event being handled carried them).
        for guild_id, (seen, member, permissions) in self._members.get(user_id, {}).items():
            if now - seen < MEMBER_CACHE_SECONDS and self._community_of_guild(guild_id) == community_id:
                if self.member_is_moderator(member, permissions):
                    self._moderators_seen.setdefault(guild_id, {})[member.id] = member
                    return True
                checked.add(guild_id)
        if self.client is None or len(checked) >= len(self.client.guilds):
            return False
        for guild in self._guilds_of(community_id):
            if guild.id in checked:
                continue
            member = await self._member(guild, user_id)
            if member is not None and self.member_is_moderator(member):
                self._moderators_seen.setdefault(guild.id, {})[member.id] = member
                return True
        return False

    async def list_moderators(self, community_id: int) -> list[UserRef]:
        """Everyone with Manage Server (or Administrator) or the moderator role in the community's servers.

        The full list needs the members intent ([discord] members_intent); without it, the server owner
        and every moderator seen since the bot started."""
        found: dict[int, discord.Member] = {}
        for guild in self._guilds_of(community_id):
            candidates = list(self._moderators_seen.get(guild.id, {}).values())
            candidates += [
                entry[1]
                for guilds in self._members.values()
                for gid, entry in guilds.items()
                if gid == guild.id
            ]
            if self.client.intents.members:
                candidates += guild.members
            owner = await self._member(guild, guild.owner_id) if guild.owner_id else None
            candidates += [owner] if owner is not None else []
            for member in candidates:
                if not member.bot and member.id not in found and self.member_is_moderator(member):
                    found[member.id] = member
        return [self.user_ref(member) for member in found.values()]

    def member_is_moderator(
        self, member: discord.Member, permissions: discord.Permissions | None = None
    ) -> bool:
        # Manage Server and Administrator cannot be granted per channel, so an interaction's resolved
        # permissions answer as well as the guild-wide ones, without recomputing them from every role.
        permissions = permissions or member.guild_permissions
        if permissions.manage_guild or permissions.administrator:
            return True
        # The member's own few roles, not every role of the server (Guild.roles sorts them all, per check).
        wanted = self.settings.moderator_role.strip()
        return bool(wanted) and any(
            wanted in (role.name, str(role.id)) for role in member.roles if not role.is_default()
        )

    def _guilds_of(self, community_id: int) -> list[discord.Guild]:
        guilds = self.client.guilds if self.client else []
        return [g for g in guilds if self._community_of_guild(g.id) == community_id]

    def _community_of_guild(self, guild_id: int) -> int | None:
        # A server nobody mapped belongs to no community: anyone can invite a bot to a server they own.
        community = self.bot.communities.mapped(self.place_ref(0, guild_id))
        return community.id if community else None

    async def _member(self, guild: discord.Guild, user_id: int) -> discord.Member | None:
        cached = self._members.get(user_id, {}).get(guild.id)
        if cached and monotonic() - cached[0] < MEMBER_CACHE_SECONDS:
            return cached[1]
        member = guild.get_member(user_id)
        if member is None:
            try:
                member = await guild.fetch_member(user_id)  # no members intent: ask when needed
            except discord.NotFound:
                return None
        self.remember_member(member)
        return member

    # --- sending --------------------------------------------------------------------------------

    def render(self, content: Content, single: bool = False) -> list[rendering.Rendered]:
        # The help overview is rendered again and again from one shared text (one for members, one for
        # moderators): keep the messages of the last few long texts, matched by the text's identity and
        # the rest by value, instead of localizing and building them anew. Only for content without
        # buttons, files or pings, whose messages hold nothing that a send uses up.
        if (
            len(content.text) < REMEMBER_RENDERED_FROM
            or content.files
            or content.choices
            or content.ask is not None
            or content.mention_users
        ):
            return rendering.render(self.localize_commands(content), single)
        rest = (content.title, content.footer, tuple(content.fields), single, self.command_names())
        remembered = self._rendered.get(id(content.text))
        if remembered is not None and remembered[0] is content.text and remembered[1] == rest:
            return remembered[2]
        messages = rendering.render(self.localize_commands(content), single)
        self._rendered.pop(id(content.text), None)
        while len(self._rendered) >= REMEMBER_RENDERED:
            del self._rendered[next(iter(self._rendered))]  # the oldest
        # The entry holds the text itself, so its id cannot pass to another string while it is kept.
        self._rendered[id(content.text)] = (content.text, rest, messages)
        return messages

    def command_names(self) -> frozenset[str]:
        """Only commands Discord offers as slash commands become `/name` (one it refused stays `!name`)."""
        if self.tree is None:
            return super().command_names()
        # The tree is filled once, in start(); every answer asks, so the same set is kept (which also
        # lets the hint pattern and localize_commands recognise it at once).
        if self._slash_names is None or self._slash_names[0] is not self.tree:
            self._slash_names = (self.tree, frozenset(slash.name for slash in self.tree.get_commands()))
        return self._slash_names[1]

    async def send(self, place: PlaceRef, content: Content, token: str | None = None) -> SentRef:
        channel = self.client.get_partial_messageable(int(place.place_id))
        sent: SentRef | None = None
        # Each part's nonce is fixed before the first try (the outbox's token and the part's number, or
        # a random one), so neither our retries nor a resend after a restart can post it twice: Discord
        # answers a nonce it has seen from the bot with the message it already made (enforce_nonce,
        # which discord.py sends with every nonce).
        token = token or secrets.token_hex(10)
        for number, part in enumerate(self.render(content)):
            nonce = f"{token}{number}"
            message = await self._deliver(
                "send",
                lambda part=part, nonce=nonce: channel.send(nonce=nonce, **part.send_kwargs()),
                place.place_id,
            )
            sent = SentRef(PLATFORM, place.place_id, str(message.id))
        return sent

    async def send_private(self, user: UserRef, content: Content, token: str | None = None) -> SentRef:
        # Discord gives the bot one DM channel per person: a resend goes to the same channel.
        channel_id = await self._dm_channel(user)
        try:
            return await self.send(self.place_ref(channel_id, None), content, token)
        except discord.NotFound as error:
            if error.code != UNKNOWN_CHANNEL:
                raise
            # A remembered channel Discord no longer knows: open the DM afresh, once.
            self._dm_channels.pop(user.user_id, None)
            await self.bot.members.remember_direct_place(user, None)
            return await self.send(self.place_ref(await self._dm_channel(user), None), content, token)

    async def _dm_channel(self, user: UserRef) -> int:
        """The member's DM channel: remembered (in memory, and for members in the database, so a restart
        keeps it), or opened with one request. After the first message to someone, each of the sweep's
        check-ins is one request instead of two (discord.py itself keeps only 128 DM channels)."""
        channel_id = self._dm_channels.pop(user.user_id, None)
        if channel_id is None:
            stored = await self.bot.members.direct_place(user)
            if stored is not None:
                channel_id = int(stored)
            else:
                dm = await self._deliver(
                    "open a DM",
                    lambda: self.client.create_dm(discord.Object(int(user.user_id))),
                    f"user:{user.user_id}",
                )
                channel_id = dm.id
                await self.bot.members.remember_direct_place(user, str(channel_id))
        self._dm_channels[user.user_id] = channel_id  # (most recently used last)
        while len(self._dm_channels) > DM_CHANNELS_KEPT:
            self._dm_channels.popitem(last=False)
        return channel_id

    async def edit(self, ref: SentRef, content: Content) -> None:
        (part,) = self.render(content, single=True)
        remembered = self._interaction_messages.get(int(ref.message_id))
        if remembered and monotonic() - remembered[0] < INTERACTION_EDIT_SECONDS:
            interaction = remembered[1]
            await self._deliver(
                "edit",
                lambda: interaction.followup.edit_message(int(ref.message_id), **part.edit_kwargs()),
                ref.place_id,
            )
            return
        message = self.client.get_partial_messageable(int(ref.place_id)).get_partial_message(
            int(ref.message_id)
        )
        await self._deliver("edit", lambda: message.edit(**part.edit_kwargs()), ref.place_id)

    async def create_thread(self, ref: SentRef, name: str) -> PlaceRef | None:
        channel = self.client.get_channel(int(ref.place_id))  # threads need the guild channel, not a partial
        if channel is None:
            channel = await self._deliver(
                "find a channel", lambda: self.client.fetch_channel(int(ref.place_id)), ref.place_id
            )
        if not isinstance(channel, discord.TextChannel):
            return None  # no threads in DMs, or under threads
        message = channel.get_partial_message(int(ref.message_id))
        thread = await self._deliver(
            "create a thread",
            lambda: message.create_thread(name=name[:100], auto_archive_duration=1440),
            ref.place_id,
        )
        return self.place_ref(thread.id, thread.guild.id if thread.guild else None)

    def remember_interaction_message(self, message_id: int, interaction: discord.Interaction) -> None:
        """Ephemeral answers can only be edited through their interaction; keep it while its token lives."""
        now = monotonic()
        remembered = self._interaction_messages
        while remembered:  # oldest first (insertion order): drop what can no longer be edited
            oldest = next(iter(remembered))
            if now - remembered[oldest][0] < INTERACTION_EDIT_SECONDS:
                break
            del remembered[oldest]
        remembered[message_id] = (now, interaction)

    async def _deliver(self, action: str, attempt, where: str) -> Any:
        """Run one REST call; retry what may pass on a second try; log and raise what will not."""
        for number in range(1, SEND_ATTEMPTS + 1):
            try:
                return await attempt()
            except (discord.Forbidden, discord.NotFound) as error:
                log.warning(
                    "discord refused",
                    extra={"action": action, "where": where, "status": error.status, "code": error.code},
                )
                raise
            except (discord.DiscordServerError, aiohttp.ClientError, OSError, TimeoutError) as error:
                if number == SEND_ATTEMPTS:
                    log.error(
                        "discord delivery failed",
                        extra={"action": action, "where": where, "error": type(error).__name__},
                    )
                    raise DeliveryFailed(f"could not {action} in {where}: {type(error).__name__}") from error
                await asyncio.sleep(0.5 * 3 ** (number - 1))
            except discord.HTTPException as error:
                log.error(
                    "discord rejected",
                    extra={"action": action, "where": where, "status": error.status, "code": error.code},
                )
                raise DeliveryFailed(f"could not {action} in {where}: HTTP {error.status}") from error
        raise AssertionError("unreachable")  # pragma: no cover


def _on_ready_setter(ready: asyncio.Event):
    async def on_ready() -> None:
        ready.set()

    return on_ready
