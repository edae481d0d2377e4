"""Discord events turned into the bot's neutral ones: messages, slash commands, buttons, forms."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import discord
from discord import app_commands

from bot.adapters.discord import render as rendering
from bot.adapters.discord.responder import InteractionResponder
from bot.adapters.discord.slash import build_tree_commands
from bot.commands import PREFIX, Command
from bot.model import ChoiceEvent, IncomingFile, IncomingMessage, TextAnswer
from bot.outbox import delivery_scope, event_scope
from bot.params import Param

if TYPE_CHECKING:
    from bot.adapters.discord.adapter import DiscordAdapter

log = logging.getLogger(__name__)

# Ordinary messages and replies; joins, pins and other system messages are not members speaking.
SPOKEN = (discord.MessageType.default, discord.MessageType.reply)


class EventRouter:
    def __init__(self, adapter: DiscordAdapter):
        self.adapter = adapter

    @property
    def bot(self):
        return self.adapter.bot

    def install(self) -> None:
        client, tree = self.adapter.client, self.adapter.tree
        client.event(self.on_message)
        client.event(self.on_interaction)
        for slash in build_tree_commands(self.bot.router.commands, self.run_slash, self.suggest):
            tree.add_command(slash)
        tree.on_error = self.on_slash_error

    # --- messages -------------------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or message.type not in SPOKEN:
            return
        text = self._command_text(message)
        if not text:
            return  # nothing readable (attachments only, or no message-content intent)
        self.adapter.remember_member(message.author)
        incoming = IncomingMessage(
            text=text,
            author=self.adapter.user_ref(message.author),
            place=self.adapter.place_ref(message.channel.id, message.guild.id if message.guild else None),
            message_id=str(message.id),
            link=message.jump_url,
            reply_to=str(message.reference.message_id)
            if message.reference and message.reference.message_id
            else None,
            attachments=[incoming_file(attachment) for attachment in message.attachments],
            event_id=str(message.id),
        )
        try:
            await self.bot.handle_message(incoming)
        except Exception:
            log.exception("message handling failed", extra={"channel": message.channel.id})

    def _command_text(self, message: discord.Message) -> str:
        """The text, with "@Kindred help" read as "!help" (mentions reach the bot even without the intent)."""
        text = message.content.strip()
        me = self.adapter.client.user
        if me is not None:
            for mention in (f"<@{me.id}>", f"<@!{me.id}>"):
                if text.startswith(mention):
                    rest = text[len(mention) :].strip()
                    return rest if not rest or rest.startswith(PREFIX) else PREFIX + rest
        return text

    # --- slash commands -------------------------------------------------------------------------

    def _responder(self, interaction: discord.Interaction, private: bool) -> InteractionResponder:
        self.adapter.remember_member(interaction.user, interaction.permissions)
        place = self.adapter.place_ref(interaction.channel_id or 0, interaction.guild_id)
        responder = InteractionResponder(
            self.adapter,
            place,
            self.adapter.user_ref(interaction.user),
            interaction,
            private_by_default=private,
        )
        responder.start_watchdog()
        return responder

    async def run_slash(
        self, interaction: discord.Interaction, command: Command, values: dict[str, Any]
    ) -> None:
        responder = self._responder(interaction, command.private)
        # (discord.abc.User is a Protocol: isinstance on it is slow, so name the concrete classes)
        options = {
            name: self.adapter.user_ref(value) if isinstance(value, discord.User | discord.Member) else value
            for name, value in values.items()
            if not isinstance(value, discord.Attachment)
        }
        ctx = self.bot.context(
            self.adapter, responder.author, responder.place, responder, str(interaction.id)
        )
        ctx.attachments = [
            incoming_file(value) for value in values.values() if isinstance(value, discord.Attachment)
        ]
        try:
            # What the command sends is kept to once by the interaction's id (bot/outbox.py).
            with delivery_scope(event_scope(self.adapter.platform, str(interaction.id))):
                await self.bot.router.invoke(command, ctx, options)
        finally:
            await responder.finish()

    async def suggest(
        self, interaction: discord.Interaction, command: Command, param: Param, current: str
    ) -> list[str]:
        """Autocomplete from the cog method the parameter names (prompts, meetups...)."""
        method = getattr(command.cog, param.autocomplete or "", None)
        if method is None:
            return []
        place = self.adapter.place_ref(interaction.channel_id or 0, interaction.guild_id)
        ctx = self.bot.context(self.adapter, self.adapter.user_ref(interaction.user), place, None)
        try:
            return [str(value) for value in await method(ctx, current)]
        except Exception:
            log.exception("autocomplete failed", extra={"command": command.name, "param": param.name})
            return []

    async def on_slash_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        """Errors before the router ran (an option Discord let through that discord.py refused)."""
        log.warning("slash command error", extra={"error": type(error).__name__})
        message = (
            "That value doesn't fit this command. Type `/` and pick the command again to see what "
            "each option takes."
        )
        try:
            if interaction.response.is_done():
                await interaction.followup.send(message, ephemeral=True)
            else:
                await interaction.response.send_message(message, ephemeral=True)
        except discord.HTTPException:
            pass

    # --- buttons and forms ----------------------------------------------------------------------

    async def on_interaction(self, interaction: discord.Interaction) -> None:
        custom_id = (interaction.data or {}).get("custom_id", "")
        if not custom_id.startswith("kindred:"):
            return  # slash commands and autocomplete are the command tree's
        try:
            if interaction.type is discord.InteractionType.component:
                await self._on_button(interaction, custom_id)
            elif interaction.type is discord.InteractionType.modal_submit:
                await self._on_form(interaction, custom_id)
        except Exception:
            log.exception("interaction handling failed", extra={"kind": custom_id.split(":")[1]})

    async def _on_button(self, interaction: discord.Interaction, custom_id: str) -> None:
        if custom_id.startswith(rendering.ASK_PREFIX):
            label = _button_label(interaction.message, custom_id)
            request = rendering.request_from_ask_button(custom_id, label)
            responder = self._responder(interaction, True)
            await responder.open_form(rendering.form_for(request))
            await responder.finish()
            return
        if not custom_id.startswith(rendering.CHOICE_PREFIX):
            return
        responder = self._responder(interaction, True)
        event = ChoiceEvent(
            custom_id[len(rendering.CHOICE_PREFIX) :],
            responder.author,
            responder.place,
            str(interaction.message.id) if interaction.message else "",
            event_id=str(interaction.id),
        )
        try:
            await self.bot.handle_choice(event, responder)
        finally:
            await responder.finish()

    async def _on_form(self, interaction: discord.Interaction, custom_id: str) -> None:
        request_id = custom_id[len(rendering.FORM_PREFIX) :].split(":", 1)[1]
        text = rendering.form_answer(interaction.data.get("components", []))
        responder = self._responder(interaction, True)
        try:
            await self.bot.handle_text_answer(
                TextAnswer(request_id, text, responder.author, responder.place, event_id=str(interaction.id)),
                responder,
            )
        finally:
            await responder.finish()


def incoming_file(attachment: discord.Attachment) -> IncomingFile:
    """A member's file, described; `read()` downloads it from Discord's CDN only if a command wants it."""
    return IncomingFile(attachment.filename, attachment.size, attachment.content_type or "", attachment.read)


def _button_label(message: discord.Message | None, custom_id: str) -> str:
    for row in message.components if message else []:
        for item in getattr(row, "children", [row]):
            if getattr(item, "custom_id", None) == custom_id:
                return item.label or ""
    return ""
