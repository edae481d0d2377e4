"""Encryption at rest for what members write (notes, intentions, safety plans).

AES-GCM from the `cryptography` package. The key lives outside the database: in the environment
(KINDRED_DATA_KEY, urlsafe base64 of 32 bytes) or in a key file, created on first start. The database
keeps only a fingerprint of the key, so starting with the wrong key, or none, when sealed data exists
stops the bot with a clear message instead of failing later on one member's data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from bot.storage import Migration

KEY_ENV = "KINDRED_DATA_KEY"
TOKEN_PREFIX = "v1:"

MIGRATIONS = [
    Migration(
        1,
        "fingerprint of the data key (never the key)",
        "CREATE TABLE vault_keys (fingerprint TEXT PRIMARY KEY, created_at TEXT NOT NULL)",
    )
]


class VaultError(Exception):
    pass


def generate_key() -> str:
    return base64.urlsafe_b64encode(AESGCM.generate_key(bit_length=256)).decode()


def decode_key(text: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(text.strip().encode())
    except (ValueError, TypeError):
        raise VaultError("the data key is not valid base64") from None
    if len(key) != 32:
        raise VaultError("the data key must be 32 bytes (generate one with `kindred keys new`)")
    return key


def fingerprint(key: bytes) -> str:
    return hmac.new(key, b"kindred key fingerprint", hashlib.sha256).hexdigest()[:32]


def load_key(key_path: Path, env: dict[str, str] | None = None, create: bool = True) -> bytes | None:
    environ: Mapping[str, str] = os.environ if env is None else env
    if environ.get(KEY_ENV):
        return decode_key(environ[KEY_ENV])
    if key_path.exists():
        return decode_key(key_path.read_text())
    if not create:
        return None
    key_path.parent.mkdir(parents=True, exist_ok=True)
    # Written with owner-only permissions before any secret goes in.
    fd = os.open(key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(generate_key())
    return decode_key(key_path.read_text())


class Vault:
    def __init__(self, key: bytes):
        self._aead = AESGCM(key)
        self.fingerprint = fingerprint(key)
        self._tag_key = hmac.new(
            key, b"kindred: tags that bind a button to a person", hashlib.sha256
        ).digest()

    def tag(self, text: str) -> str:
        """A short keyed digest of `text` (HMAC-SHA256, 64 bits): unforgeable without the data key."""
        return hmac.new(self._tag_key, text.encode(), hashlib.sha256).hexdigest()[:16]

    def seal(self, text: str, context: str = "") -> str:
        """Encrypt text; `context` (e.g. "checkins.note") binds the token to its purpose."""
        nonce = os.urandom(12)
        sealed = self._aead.encrypt(nonce, text.encode(), context.encode())
        return TOKEN_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()

    def open(self, token: str, context: str = "") -> str:
        if not token.startswith(TOKEN_PREFIX):
            raise VaultError("not a sealed value")
        raw = base64.urlsafe_b64decode(token[len(TOKEN_PREFIX) :].encode())
        try:
            return self._aead.decrypt(raw[:12], raw[12:], context.encode()).decode()
        except InvalidTag:
            raise VaultError("sealed value does not open with this key") from None

    def seal_optional(self, text: str | None, context: str = "") -> str | None:
        return None if text is None else self.seal(text, context)

    def open_optional(self, token: str | None, context: str = "") -> str | None:
        return None if token is None else self.open(token, context)
