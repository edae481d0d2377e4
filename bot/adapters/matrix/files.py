"""Files members send with a command on Matrix.

Matrix sends a file as an event of its own, so a command reaches one in either of two ways:
- a text command that replies to the file (works in every client): the replied-to event is fetched,
  and decrypted in an encrypted room;
- a file whose caption is the command (clients with captions put the name in `filename` and the
  caption in `body`).
The file is described from its event; its bytes are downloaded (and decrypted) only when a command
reads it (bot.files.read_text_file checks type and size first).
"""

from __future__ import annotations

import logging

from nio import AsyncClient, EncryptionError, MegolmEvent, MemoryDownloadResponse, RoomGetEventResponse
from nio.crypto.attachments import decrypt_attachment

from bot.model import IncomingFile

log = logging.getLogger(__name__)

MEDIA_MSGTYPES = ("m.file", "m.image", "m.audio", "m.video")


class DownloadFailed(Exception):
    pass


def caption_of(event) -> str | None:
    """The caption of a file event, where the client sent one (MSC2530: `filename` beside `body`)."""
    content = (getattr(event, "source", None) or {}).get("content", {})
    if content.get("msgtype") not in MEDIA_MSGTYPES:
        return None
    filename, body = content.get("filename"), (content.get("body") or "").strip()
    return body if filename and body and body != filename else None


def described_file(client: AsyncClient, event) -> IncomingFile | None:
    """The file an m.file (or m.image...) event carries, plain or end-to-end encrypted; None otherwise."""
    content = (getattr(event, "source", None) or {}).get("content", {})
    if content.get("msgtype") not in MEDIA_MSGTYPES:
        return None
    encrypted = content.get("file")  # an EncryptedFile: the bytes on the server are ciphertext
    url = encrypted.get("url") if isinstance(encrypted, dict) else content.get("url")
    if not url:
        return None
    info = content.get("info") or {}
    size = info.get("size") if isinstance(info.get("size"), int) else None
    mime_type = info.get("mimetype") or (encrypted or {}).get("mimetype") or ""
    filename = content.get("filename") or content.get("body") or "file"

    async def fetch() -> bytes:
        answer = await client.download(url)
        if not isinstance(answer, MemoryDownloadResponse):
            raise DownloadFailed(type(answer).__name__)
        if not encrypted:
            return answer.body
        return decrypt_attachment(
            answer.body, encrypted["key"]["k"], encrypted["hashes"]["sha256"], encrypted["iv"]
        )

    return IncomingFile(filename, size, mime_type, fetch)


async def replied_file(client: AsyncClient, room_id: str, event_id: str) -> IncomingFile | None:
    """The file of the event a command replies to, if that event is a file."""
    answer = await client.room_get_event(room_id, event_id)
    if not isinstance(answer, RoomGetEventResponse):
        log.info("matrix: could not fetch a replied-to event", extra={"room": room_id})
        return None
    event = answer.event
    if isinstance(event, MegolmEvent):
        try:
            event = client.decrypt_event(event)
        except EncryptionError:
            return None
    return described_file(client, event)
