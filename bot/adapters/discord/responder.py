"""Answering a Discord interaction: ephemeral when private, within Discord's three seconds.

The first answer is the interaction's response; later ones are followups. A handler that is still busy
after ACK_AFTER seconds (drawing a chart, say) gets a "thinking..." acknowledgement that its answer then
fills in, so members never see "The application did not respond".
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import TYPE_CHECKING

import discord

from bot.adapters.base import Responder
from bot.model import Content, PlaceRef, SentRef, UserRef
from bot.outbox import VIA_INTERACTION, Target

if TYPE_CHECKING:
    from bot.adapters.discord.adapter import DiscordAdapter

log = logging.getLogger(__name__)

ACK_AFTER = 2.0  # seconds; Discord drops an interaction that is not acknowledged within 3


class InteractionResponder(Responder):
    def __init__(
        self,
        adapter: DiscordAdapter,
        place: PlaceRef,
        author: UserRef,
        interaction: discord.Interaction,
        private_by_default: bool,
    ):
        super().__init__(adapter, place, author)
        self.discord_adapter = adapter
        self.interaction = interaction
        self.private_by_default = private_by_default
        self._lock = asyncio.Lock()
        self._deferred_private: bool | None = None  # set once "thinking..." was shown
        self._placeholder_used = False
        self._timer: asyncio.TimerHandle | None = None
        self._watchdog: asyncio.Task | None = None

    # --- the three-second rule ------------------------------------------------------------------

    def start_watchdog(self) -> None:
        # A timer rather than a sleeping task: most answers come in a millisecond, and a timer costs less.
        self._timer = asyncio.get_running_loop().call_later(ACK_AFTER, self._acknowledge_if_slow)

    def _acknowledge_if_slow(self) -> None:
        self._watchdog = asyncio.create_task(self._defer())

    async def _defer(self) -> None:
        async with self._lock:
            if not self.interaction.response.is_done():
                await self.interaction.response.defer(ephemeral=self.private_by_default, thinking=True)
                self._deferred_private = self.private_by_default

    async def finish(self) -> None:
        """After the handler: stop the watchdog; make sure Discord got an answer, silently if none was due."""
        if self._timer is not None:
            self._timer.cancel()
        if self._watchdog is not None:
            with contextlib.suppress(asyncio.CancelledError, discord.HTTPException):
                await self._watchdog
        async with self._lock:
            try:
                if not self.interaction.response.is_done():
                    if self.interaction.type is discord.InteractionType.component:
                        await self.interaction.response.defer()  # acknowledged, message unchanged
                    else:
                        await self.interaction.response.defer(ephemeral=True, thinking=True)
                        await self.interaction.delete_original_response()
                elif self._deferred_private is not None and not self._placeholder_used:
                    await self.interaction.delete_original_response()
            except discord.HTTPException as error:
                log.warning(
                    "could not close an interaction", extra={"status": error.status, "code": error.code}
                )

    # --- answers --------------------------------------------------------------------------------

    async def reply(self, content: Content, private: bool) -> SentRef | None:
        # Kept in the outbox like every answer. An interaction is answered once by Discord's own rule
        # (a second response is refused), but it is never delivered again after a restart, and its
        # followups carry no nonce: an answer left unconfirmed by a crash is given up, not repeated.
        reader = self.author if private or self.place.is_direct else None
        target = Target(self.place.platform, self.place, reader, VIA_INTERACTION)

        async def send(token: str | None) -> SentRef | None:
            async with self._lock:
                sent: SentRef | None = None
                for part in self.discord_adapter.render(content):
                    sent = await self._send_part(part, private)
                return sent

        return await self.adapter.bot.outbox.deliver(target, content, send=send)

    async def _send_part(self, part, private: bool) -> SentRef:
        interaction = self.interaction
        kwargs = part.send_kwargs()
        if not interaction.response.is_done():
            response = await interaction.response.send_message(ephemeral=private, **kwargs)
            if part.view is not None:
                part.view.stop()  # discord.py registers views of responses regardless; nothing to hold on to
            message_id = response.message_id
            if message_id is None:  # an older API answer without the message: ask for it
                message_id = (await interaction.original_response()).id
            self.discord_adapter.remember_interaction_message(message_id, interaction)
            return self._ref(message_id)
        if self._deferred_private == private and not self._placeholder_used:
            self._placeholder_used = True
            message = await interaction.edit_original_response(**part.edit_kwargs())
            self.discord_adapter.remember_interaction_message(message.id, interaction)
            return self._ref(message.id)
        message = await interaction.followup.send(ephemeral=private, wait=True, **kwargs)
        self.discord_adapter.remember_interaction_message(message.id, interaction)
        return self._ref(message.id)

    async def open_form(self, form: discord.ui.Modal) -> bool:
        """Show a modal, which Discord allows only as the first answer to an interaction."""
        async with self._lock:
            if self.interaction.response.is_done():
                return False
            await self.interaction.response.send_modal(form)
            form.stop()  # submits are routed by custom_id in on_interaction, not by this object
            return True

    def _ref(self, message_id: int) -> SentRef:
        return SentRef("discord", self.place.place_id, str(message_id))


class MessageResponder(Responder):
    """Answers a `!command` typed in a channel: publicly there, privately by DM.

    If the member's DMs are closed, say so in the channel (without the private content) rather than
    letting the answer vanish."""

    async def reply(self, content: Content, private: bool) -> SentRef | None:
        bot = self.adapter.bot
        if not private or self.place.is_direct:
            return await bot.send(self.place, content, reader=self.author)
        try:
            return await bot.send_private(self.author, content)
        except discord.Forbidden:
            notice = Content(
                text=f"<@{self.author.user_id}>, I tried to answer you privately but your direct messages "
                "are closed to me. Use the slash command instead (type `/`) and I'll answer where only "
                "you can see it.",
                mention_users=[self.author],
            )
            return await bot.send(self.place, notice)
