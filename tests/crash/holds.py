"""Holding one request on its way to a platform, for the crash tests: the Discord double and the proxy
in front of Synapse both use it.

A hold catches the next matching request: at "request" it is never processed (the platform never sees
the send); at "answer" it is processed and its answer withheld (the message exists, the bot never
learns it); at "passed" the answer goes back, `on_answer()` running just before it leaves (a test takes
the bot's database lock there). The test waits on `arrived` and `answered`; `release` lets a held
handler end once the bot is gone.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

R = TypeVar("R")


@dataclass
class Hold:
    method: str
    path_pattern: re.Pattern
    at: str  # "request" | "answer" | "passed"
    on_answer: Callable[[], Any] | None = None
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    answered: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    used: bool = False


class Holds:
    def __init__(self) -> None:
        self.all: list[Hold] = []

    def add(self, method: str, path_regex: str, at: str, on_answer: Callable[[], Any] | None = None) -> Hold:
        hold = Hold(method, re.compile(path_regex), at, on_answer)
        self.all.append(hold)
        return hold

    def take(self, method: str, path: str) -> Hold | None:
        """The hold this request meets, if any (each catches one request)."""
        for hold in self.all:
            if not hold.used and hold.method == method and hold.path_pattern.search(path):
                hold.used = True
                return hold
        return None

    def release_all(self) -> None:
        for hold in self.all:
            hold.release.set()


async def through(
    hold: Hold | None, process: Callable[[], Awaitable[R]], never_processed: Callable[[], R]
) -> R:
    """`process()` the request as the hold says, and give back what the bot would receive."""
    if hold is None:
        return await process()
    hold.arrived.set()
    if hold.at == "request":
        await hold.release.wait()
        return never_processed()
    answer = await process()
    if hold.on_answer is not None:
        hold.on_answer()
    hold.answered.set()
    if hold.at == "answer":
        await hold.release.wait()
    return answer
