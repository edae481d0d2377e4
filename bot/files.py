"""Files members send with a command: text files up to a size cap, checked before anything is downloaded.

Adapters describe each file (name, declared size, type) in an `IncomingFile` and fetch its bytes only
when a command reads it with `read_text_file`. A file that is too big or not text gets a short, kind
answer saying what to send instead, raised as an ArgumentError so the router shows the command's usage.
"""

from __future__ import annotations

import logging
from pathlib import PurePosixPath

from bot.model import IncomingFile
from bot.params import ArgumentError

log = logging.getLogger(__name__)

MAX_BYTES = 256 * 1024
TEXT_MIME_TYPES = {
    "application/json",
    "application/toml",
    "application/x-toml",
    "application/yaml",
    "application/x-yaml",
    "application/xml",
    "application/csv",
}
TEXT_EXTENSIONS = {".toml", ".json", ".txt", ".md", ".csv", ".yaml", ".yml"}
# Types platforms give any file they cannot name; the extension decides then.
UNNAMED_TYPES = {"", "application/octet-stream", "binary/octet-stream"}


def is_text(file: IncomingFile) -> bool:
    mime = file.mime_type.split(";")[0].strip().lower()
    if mime.startswith("text/") or mime in TEXT_MIME_TYPES:
        return True
    return mime in UNNAMED_TYPES and PurePosixPath(file.filename.lower()).suffix in TEXT_EXTENSIONS


def _too_big(file: IncomingFile, size: int, instead: str) -> ArgumentError:
    return ArgumentError(
        f"`{file.filename}` is {_kib(size)}, more than I can read ({_kib(MAX_BYTES)}). "
        f"Please send {instead} under that size, or split it in two"
    )


def _kib(size: int) -> str:
    return f"{max(1, round(size / 1024))} KB"


async def read_text_file(file: IncomingFile, instead: str) -> bytes:
    """The file's bytes, if it is a text file within the cap. `instead` names what to send, for the error
    ("a .toml or .json file")."""
    if not is_text(file):
        raise ArgumentError(
            f"`{file.filename}` is not a text file, so I can't read it. Please send {instead}"
        )
    if file.size is not None and file.size > MAX_BYTES:
        raise _too_big(file, file.size, instead)
    try:
        data = await file.fetch()
    except Exception as error:  # the platform's download failed; what it was about is not logged
        log.warning("could not fetch a file", extra={"error": type(error).__name__})
        raise ArgumentError(
            f"I couldn't download `{file.filename}`. Please send it again in a moment"
        ) from None
    if len(data) > MAX_BYTES:  # a size the platform did not declare, or declared wrongly
        raise _too_big(file, len(data), instead)
    return data
