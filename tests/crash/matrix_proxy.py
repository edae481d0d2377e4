"""A small reverse proxy between a bot and Synapse that can hold one request, for the crash tests.

Everything is forwarded as it is (long-poll syncs included). A hold (`hold(method, path_regex, at)`)
catches the next matching request: at "request" it is never forwarded (Synapse never sees the send);
at "answer" it is forwarded and Synapse's answer withheld (the event exists, the bot never learns
its id); at "passed" the answer goes back, `on_answer()` running just before it leaves.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

HOP_BY_HOP = {"host", "content-length", "transfer-encoding", "connection", "keep-alive", "content-encoding"}


@dataclass
class ProxyHold:
    method: str
    path_pattern: re.Pattern
    at: str
    on_answer: object = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    used: bool = False


class MatrixProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.holds: list[ProxyHold] = []
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
        self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None), auto_decompress=False)
        return self

    async def stop(self) -> None:
        for hold in self.holds:
            hold.release.set()
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def hold(self, method: str, path_regex: str, at: str, on_answer=None) -> ProxyHold:
        hold = ProxyHold(method, re.compile(path_regex), at, on_answer)
        self.holds.append(hold)
        return hold

    def _held(self, request: web.Request) -> ProxyHold | None:
        for hold in self.holds:
            if not hold.used and hold.method == request.method and hold.path_pattern.search(request.path):
                hold.used = True
                return hold
        return None

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        hold = self._held(request)
        if hold is not None:
            hold.arrived.set()
            if hold.at == "request":
                await hold.release.wait()
                return web.Response(status=502)
        body = await request.read()
        headers = {key: value for key, value in request.headers.items() if key.lower() not in HOP_BY_HOP}
        async with self._session.request(request.method, self.upstream + request.raw_path, headers=headers,
                                         data=body) as answer:
            payload = await answer.read()
            response = web.Response(status=answer.status, body=payload, headers={
                key: value for key, value in answer.headers.items() if key.lower() not in HOP_BY_HOP})
        if hold is not None:
            if hold.on_answer is not None:
                hold.on_answer()
            hold.answered.set()
            if hold.at == "answer":
                await hold.release.wait()
        return response
