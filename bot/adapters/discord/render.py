"""Neutral Content rendered the Discord way: embeds, buttons, modals, attachments, safe mentions.

Buttons and modals carry everything needed to route them in their custom_id ("kindred:c:<choice id>"),
so a press works after a restart with nothing kept in memory: on_interaction reads the id and hands it
to the router. discord.py's own View dispatch is not used for them.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import discord

from bot.model import Content, TextRequest
from bot.text import neutralize_mentions

CHOICE_PREFIX = "kindred:c:"  # a Choice button: the rest is the choice id
ASK_PREFIX = "kindred:a:"  # a button opening the form of a TextRequest: "<max_length>:<m|s>:<request id>"
FORM_PREFIX = "kindred:t:"  # a submitted form: the rest is "<m|s>:<request id>"
FORM_INPUT_ID = "answer"

MAX_CONTENT = 2000  # Discord's limits (https://discord.com/developers/docs/resources/message)
MAX_DESCRIPTION = 4096
MAX_FIELDS = 25
MAX_BUTTONS = 25
MAX_CUSTOM_ID = 100

STYLES = {
    "primary": discord.ButtonStyle.primary,
    "secondary": discord.ButtonStyle.secondary,
    "success": discord.ButtonStyle.success,
    "danger": discord.ButtonStyle.danger,
}


class StatelessButton(discord.ui.Button):
    """A button discord.py does not dispatch: on_interaction routes it by custom_id instead."""

    def is_dispatchable(self) -> bool:
        return False


class StatelessView(discord.ui.View):
    """Buttons only: never registered with discord.py, so nothing is held per message or lost on restart."""

    def __init__(self) -> None:
        super().__init__(timeout=None)

    def is_dispatchable(self) -> bool:
        return False


@dataclass
class Rendered:
    """Keyword arguments for one discord.py send: a Content may need several messages (long text)."""

    content: str | None = None
    embeds: list[discord.Embed] = field(default_factory=list)
    view: discord.ui.View | None = None
    files: list[discord.File] = field(default_factory=list)
    allowed_mentions: discord.AllowedMentions = field(default_factory=discord.AllowedMentions.none)

    def send_kwargs(self) -> dict:
        kwargs: dict = {"allowed_mentions": self.allowed_mentions}
        if self.content:
            kwargs["content"] = self.content
        if self.embeds:
            kwargs["embeds"] = self.embeds
        if self.view is not None:
            kwargs["view"] = self.view
        if self.files:
            kwargs["files"] = self.files
        return kwargs

    def edit_kwargs(self) -> dict:
        """For an edit: absent parts are cleared, so the edited message is exactly the new content."""
        kwargs = {
            "content": self.content,
            "embeds": self.embeds,
            "view": self.view,
            "allowed_mentions": self.allowed_mentions,
        }
        if self.files:
            kwargs["attachments"] = self.files
        return kwargs


def allowed_mentions_for(content: Content) -> discord.AllowedMentions:
    """Nobody is pinged but the users the content names in mention_users: never @everyone or roles."""
    users = [
        discord.Object(int(user.user_id))
        for user in content.mention_users
        if user.platform == "discord" and user.user_id.isdigit()
    ]
    return discord.AllowedMentions(everyone=False, roles=False, users=users or False, replied_user=False)


def render(content: Content, single: bool = False) -> list[Rendered]:
    """The messages that show this content; buttons and files go on the last one.

    `single` (for an edit, which changes one message): text too long for a message goes in an embed,
    which holds twice as much, instead of being split."""
    text = neutralize_mentions(content.text or "")
    mentions = allowed_mentions_for(content)
    messages: list[Rendered] = []
    if content.title or content.fields or content.footer or (single and len(text) > MAX_CONTENT):
        # Text longer than one embed holds (a moderator's help is about 8,700 characters) continues in
        # further messages rather than being cut; an edit changes one message, so there it is cut.
        chunks = [_cut(text, MAX_DESCRIPTION)] if single else split_text(text, MAX_DESCRIPTION) or [""]
        embeds = [discord.Embed(description=chunk or None) for chunk in chunks]
        embeds[0].title = _cut(neutralize_mentions(content.title or ""), 256) or None
        for name, value in content.fields[:MAX_FIELDS]:
            embeds[-1].add_field(
                name=_cut(neutralize_mentions(name), 256) or "\u200b",
                value=_cut(neutralize_mentions(value), 1024) or "\u200b",
                inline=False,
            )
        if content.footer:
            embeds[-1].set_footer(text=_cut(neutralize_mentions(content.footer), 2048))
        messages.extend(Rendered(embeds=[embed], allowed_mentions=mentions) for embed in embeds)
    else:
        messages.extend(Rendered(content=chunk, allowed_mentions=mentions) for chunk in split_text(text))
    if not messages:
        messages.append(Rendered(allowed_mentions=mentions))
    last = messages[-1]
    last.view = buttons_for(content)
    last.files = [
        discord.File(io.BytesIO(f.data), filename=f.filename, description=f.description or None)
        for f in content.files
    ]
    return messages


def buttons_for(content: Content) -> discord.ui.View | None:
    if not content.choices and content.ask is None:
        return None
    view = StatelessView()
    for choice in content.choices[: MAX_BUTTONS - (1 if content.ask else 0)]:
        view.add_item(
            StatelessButton(
                label=_cut(choice.label, 80),
                custom_id=_checked(CHOICE_PREFIX + choice.id),
                style=STYLES.get(choice.style, discord.ButtonStyle.secondary),
            )
        )
    if content.ask is not None:
        ask = content.ask
        custom_id = f"{ASK_PREFIX}{ask.max_length}:{'m' if ask.multiline else 's'}:{ask.id}"
        view.add_item(
            StatelessButton(
                label=_cut(ask.label, 80),
                custom_id=_checked(custom_id),
                style=discord.ButtonStyle.primary,
                emoji="✍️",
            )
        )
    return view


def request_from_ask_button(custom_id: str, label: str) -> TextRequest:
    """Rebuild the TextRequest a form button stands for (its label is the button's own label)."""
    max_length, kind, request_id = custom_id[len(ASK_PREFIX) :].split(":", 2)
    return TextRequest(
        id=request_id, label=label or "Your answer", max_length=int(max_length), multiline=kind == "m"
    )


def form_for(request: TextRequest) -> discord.ui.Modal:
    """The modal asking a free-text question; submitted, it comes back as FORM_PREFIX + request id."""
    modal = discord.ui.Modal(
        title=_cut(request.label, 45) or "Your answer",
        timeout=None,
        custom_id=_checked(f"{FORM_PREFIX}{'m' if request.multiline else 's'}:{request.id}"),
    )
    modal.add_item(
        discord.ui.TextInput(
            label=_cut(request.label, 45) or "Your answer",
            custom_id=FORM_INPUT_ID,
            style=discord.TextStyle.paragraph if request.multiline else discord.TextStyle.short,
            placeholder=_cut(request.placeholder, 100) or None,
            max_length=max(1, min(request.max_length, 4000)),
            required=True,
        )
    )
    return modal


def form_answer(components: list[dict]) -> str:
    """The text typed into a submitted form (whatever layout: action rows or labels)."""
    for component in components:
        inner = component.get("components") or ([component["component"]] if "component" in component else [])
        for item in inner or [component]:
            if item.get("custom_id") == FORM_INPUT_ID:
                return str(item.get("value") or "")
    return ""


def split_text(text: str, limit: int = MAX_CONTENT) -> list[str]:
    """Cut long text into messages at line breaks (or spaces), never mid-word where avoidable."""
    chunks: list[str] = []
    text = text.strip()
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        chunks.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    if text:
        chunks.append(text)
    return chunks


def _cut(text: str, limit: int) -> str:
    text = (text or "").strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _checked(custom_id: str) -> str:
    if len(custom_id) > MAX_CUSTOM_ID:
        raise ValueError(
            f"Discord custom_id over {MAX_CUSTOM_ID} characters: shorten the choice or request id "
            f"({custom_id[:40]}…)"
        )
    return custom_id
