"""A small reverse proxy between a bot and Synapse that can hold one request, for the crash tests.

Everything is forwarded as it is (long-poll syncs included). `hold(method, path_regex, at)` catches
the next matching request (tests/crash/holds.py): at "request" it is never forwarded (Synapse never
sees the send); at "answer" it is forwarded and Synapse's answer withheld (the event exists, the bot
never learns its id); at "passed" the answer goes back, `on_answer()` running just before it leaves.
"""

from __future__ import annotations

import aiohttp
from aiohttp import web

from tests.crash.holds import Hold, Holds, through

HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding"}


class MatrixProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.holds = Holds()
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> MatrixProxy:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        # A killed bot leaves long-polls in flight: they end with the client, and stopping never waits on them.
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0, handler_cancellation=True)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]
        self._session = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=None), auto_decompress=False
        )
        return self

    async def stop(self) -> None:
        self.holds.release_all()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def hold(self, method: str, path_regex: str, at: str, on_answer=None) -> Hold:
        return self.holds.add(method, path_regex, at, on_answer)

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        body = await request.read()

        async def forward() -> web.Response:
            headers = {key: value for key, value in request.headers.items() if key.lower() not in HOP_BY_HOP}
            async with self._session.request(
                request.method, self.upstream + request.raw_path, headers=headers, data=body
            ) as answer:
                payload = await answer.read()
                return web.Response(
                    status=answer.status,
                    body=payload,
                    headers={
                        key: value for key, value in answer.headers.items() if key.lower() not in HOP_BY_HOP
                    },
                )

        return await through(
            self.holds.take(request.method, request.path), forward, lambda: web.Response(status=502)
        )
