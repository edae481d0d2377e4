"""A bare matrix-nio echo bot: the baseline for bench_matrix.py.

It does the least a useful Matrix bot does: joins rooms it is invited to, ignores its own events and
events from before it started, and answers every `!` message with an m.notice in the same room. Kindred's
Matrix round trip is compared against this one, in the same run on the same Synapse.

Run by hand:  python bench/matrix_echo_bot.py HOMESERVER USER_ID ACCESS_TOKEN DEVICE_ID STORE_DIR
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from nio import (
    AsyncClient,
    AsyncClientConfig,
    InviteMemberEvent,
    MatrixRoom,
    RoomMessageText,
)


class EchoBot:
    def __init__(self, homeserver: str, user_id: str, access_token: str, device_id: str, store_dir: Path):
        store_dir.mkdir(parents=True, exist_ok=True)
        self.client = AsyncClient(
            homeserver,
            user_id,
            device_id=device_id,
            store_path=str(store_dir),
            config=AsyncClientConfig(encryption_enabled=True, store_sync_tokens=True),
        )
        self.client.restore_login(user_id, device_id, access_token)
        self._task: asyncio.Task | None = None

    async def _on_invite(self, room: MatrixRoom, event: InviteMemberEvent) -> None:
        if event.state_key == self.client.user_id and event.membership == "invite":
            await self.client.join(room.room_id)

    async def _on_text(self, room: MatrixRoom, event: RoomMessageText) -> None:
        if event.sender == self.client.user_id or not event.body.startswith("!"):
            return
        await self.client.room_send(
            room.room_id,
            "m.room.message",
            {"msgtype": "m.notice", "body": f"echo: {event.body}"},
            ignore_unverified_devices=True,
        )

    async def start(self) -> None:
        # The first sync only catches up: callbacks are added after it, so old messages are not answered.
        await self.client.sync(timeout=0, full_state=True)
        self.client.add_event_callback(self._on_invite, InviteMemberEvent)
        self.client.add_event_callback(self._on_text, RoomMessageText)
        self._task = asyncio.create_task(self.client.sync_forever(timeout=30_000))

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        await self.client.close()


async def _main(argv: list[str]) -> None:
    homeserver, user_id, access_token, device_id, store_dir = argv
    bot = EchoBot(homeserver, user_id, access_token, device_id, Path(store_dir))
    await bot.start()
    try:
        await asyncio.Event().wait()
    finally:
        await bot.stop()


if __name__ == "__main__":
    if len(sys.argv) != 6:
        sys.exit(__doc__)
    asyncio.run(_main(sys.argv[1:]))
