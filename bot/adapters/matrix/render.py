"""Neutral Content -> Matrix event content (m.notice with Markdown as HTML), and incoming text clean-up.

No nio here: these are plain functions over dicts and strings, so they are easy to test and reuse.
"""

from __future__ import annotations

import re
import struct
from datetime import datetime

from markdown_it import MarkdownIt

from bot.model import Content, UserRef
from bot.pending import NUMBER_EMOJI
from bot.text import neutralize_mentions, render_timestamps

# CommonMark with raw HTML switched off: text a member wrote can never inject markup into a message.
_markdown = MarkdownIt("commonmark", {"html": False, "breaks": True}).enable(["strikethrough", "table"])

# A reply's fallback quote ("> <@bot:server> earlier text" lines, then a blank line) precedes the answer.
_REPLY_FALLBACK = re.compile(r"\A(?:>[^\n]*\n)+\n?")
_MX_REPLY = re.compile(r"<mx-reply>.*?</mx-reply>", re.DOTALL)
# A mention pill in formatted_body: <a href="https://matrix.to/#/@alice:example.org">Alice</a>
_PILL = re.compile(r'<a href="https://matrix\.to/#/(@[^"?/]+)(?:\?[^"]*)?">(.*?)</a>', re.DOTALL)
_TAG = re.compile(r"<[^>]+>")


def markdown_text(content: Content, timezone: str, now: datetime) -> str:
    """The Markdown the member will read: title, text, fields, choices, question, footer."""
    text = content.as_plain_text()
    if content.choices:
        options = "\n".join(
            f"{NUMBER_EMOJI[i] if i < len(NUMBER_EMOJI) else f'{i + 1}.'} {choice.label}"
            for i, choice in enumerate(content.choices)
        )
        text += ("\n\n" if text else "") + options + "\n\n_React with a number, or reply with it._"
    if content.ask:
        hint = f" ({content.ask.placeholder})" if content.ask.placeholder else ""
        text += (
            "\n\n" if text else ""
        ) + f"_{content.ask.label}{hint}: send your answer as your next message._"
    return render_timestamps(neutralize_mentions(text), timezone, now)


def message_content(content: Content, timezone: str, now: datetime, msgtype: str = "m.notice") -> dict:
    """An m.room.message content: plain `body`, HTML `formatted_body`, and who may be pinged."""
    body = markdown_text(content, timezone, now)
    return {
        "msgtype": msgtype,
        "body": body,
        "format": "org.matrix.custom.html",
        "formatted_body": _markdown.render(body).strip(),
        # An explicit m.mentions means clients notify only these users, never the room (MSC3952).
        "m.mentions": {
            "user_ids": sorted({u.user_id for u in content.mention_users if u.platform == "matrix"})
        },
    }


def edit_content(original_event_id: str, new: dict) -> dict:
    """An m.replace edit: a fallback for old clients plus the new content."""
    return {
        "msgtype": new["msgtype"],
        "body": f"* {new['body']}",
        "format": new["format"],
        "formatted_body": f"* {new['formatted_body']}",
        "m.new_content": new,
        "m.mentions": {},  # an edit must not ping anyone again
        "m.relates_to": {"rel_type": "m.replace", "event_id": original_event_id},
    }


def file_content(
    filename: str, mime_type: str, data: bytes, url: str | None, encrypted_file: dict | None
) -> dict:
    """m.image for images, m.file for everything else; `file` (with keys) in encrypted rooms."""
    msgtype = "m.image" if mime_type.startswith("image/") else "m.file"
    info: dict = {"mimetype": mime_type, "size": len(data)}
    if size := png_size(data):
        info["w"], info["h"] = size
    event = {"msgtype": msgtype, "body": filename, "filename": filename, "info": info}
    if encrypted_file is not None:
        event["file"] = encrypted_file
    else:
        event["url"] = url
    return event


def png_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG from its header, so clients can lay the image out before loading it."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        return struct.unpack(">II", data[16:24])
    return None


def incoming_text(body: str, formatted_body: str | None, is_reply: bool) -> str:
    """What the member typed: reply fallback removed, mention pills turned back into user ids."""
    if is_reply:
        body = _REPLY_FALLBACK.sub("", body, count=1)
        if formatted_body:
            formatted_body = _MX_REPLY.sub("", formatted_body)
    if formatted_body and "matrix.to/#/@" in formatted_body:
        # Clients put the display name in `body`; the pill's link holds the id a command needs.
        for user_id, label in _PILL.findall(formatted_body):
            label_text = _TAG.sub("", label)
            if label_text and label_text in body:
                body = body.replace(label_text, user_id, 1)
    return body.strip()


def matrix_user(text: str) -> UserRef | None:
    """A Matrix user named in a command argument: '@alice:example.org' or a matrix.to link."""
    text = text.strip().removeprefix("https://matrix.to/#/")
    if re.fullmatch(r"@[^\s:]+:[^\s]+", text):
        return UserRef("matrix", text, text[1:].split(":", 1)[0])
    return None
