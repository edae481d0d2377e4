"""What the Matrix adapter keeps on disk between runs, under <data dir>/matrix/.

- session.json: the device id and access token from the first login, so every restart is the same
  device (its keys, its encrypted sessions) instead of a new one. Readable by the owner only.
- sync.json: the sync token of the last batch whose events were all handled, the ids of the most
  recently handled events, and the direct-message rooms the bot knows. Saving the token only after the
  handlers ran means a crash re-delivers rather than loses; the id list makes re-delivery harmless.
- crypto/: matrix-nio's encryption store (Olm account, Megolm sessions, device list).
"""

from __future__ import annotations

import json
import os
from collections import deque
from pathlib import Path

HANDLED_KEPT = 1000


def _write_private(path: Path, data: dict) -> None:
    """Write JSON atomically (rename over the old file), readable by the owner only."""
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle)
    os.replace(temporary, path)


def _read(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (FileNotFoundError, json.JSONDecodeError):
        return {}


class MatrixState:
    def __init__(self, directory: Path):
        self.directory = directory
        self.crypto_dir = directory / "crypto"
        self.crypto_dir.mkdir(parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
        self._session_path = directory / "session.json"
        self._sync_path = directory / "sync.json"
        sync = _read(self._sync_path)
        self.sync_token: str | None = sync.get("token")
        self._handled: deque[str] = deque(sync.get("handled", []), maxlen=HANDLED_KEPT)
        self._handled_set = set(self._handled)
        self.direct_rooms: dict[str, str] = sync.get("direct_rooms", {})  # user id -> room id

    # -- login -----------------------------------------------------------------------------------

    def session(self, user_id: str) -> dict | None:
        """The saved device for this account, if any (a different account in config starts afresh)."""
        session = _read(self._session_path)
        return session if session.get("user_id") == user_id and session.get("device_id") else None

    def save_session(self, user_id: str, device_id: str, access_token: str) -> None:
        _write_private(
            self._session_path, {"user_id": user_id, "device_id": device_id, "access_token": access_token}
        )

    # -- sync ------------------------------------------------------------------------------------

    def already_handled(self, event_id: str) -> bool:
        return event_id in self._handled_set

    def mark_handled(self, event_id: str) -> None:
        if len(self._handled) == self._handled.maxlen:
            self._handled_set.discard(self._handled[0])
        self._handled.append(event_id)
        self._handled_set.add(event_id)
        self.save()

    def batch_done(self, token: str) -> None:
        self.sync_token = token
        self.save()

    def remember_direct_room(self, user_id: str, room_id: str) -> None:
        if self.direct_rooms.get(user_id) != room_id:
            self.direct_rooms[user_id] = room_id
            self.save()

    def forget_room(self, room_id: str) -> None:
        gone = [u for u, r in self.direct_rooms.items() if r == room_id]
        for user_id in gone:
            del self.direct_rooms[user_id]
        if gone:
            self.save()

    def save(self) -> None:
        _write_private(
            self._sync_path,
            {"token": self.sync_token, "handled": list(self._handled), "direct_rooms": self.direct_rooms},
        )
