"""Discord's global request limit, kept to before Discord has to say so.

Discord allows a bot about 50 requests a second across every route (its "global" limit; interaction
answers do not count). discord.py only reacts to the limit: after a 429 it holds every request for the
time Discord names, and a request refused five times fails. A sweep sending thousands of check-ins side
by side would meet that wall again and again. `RequestPace` lets a request start only while fewer than
`limit` have started within the last `window` seconds, so the bot runs at the limit without 429s; the
window is a little longer than Discord's second, because Discord counts requests as they arrive and
the network does not deliver them evenly spaced. discord.py's own handling of 429s (and of each
route's bucket) still stands behind it.
"""

from __future__ import annotations

import asyncio
from collections import deque
from time import monotonic
from typing import Any

DISCORD_GLOBAL_LIMIT = 50  # requests a second, for most bots (docs/discord.md: larger bots may have more)
WINDOW_SECONDS = 1.05  # Discord's second, and room for requests that arrive closer together than they left


class RequestPace:
    def __init__(self, limit: int = DISCORD_GLOBAL_LIMIT, window: float = WINDOW_SECONDS):
        self.limit, self.window = limit, window
        self._started: deque[float] = deque()
        self._turn = asyncio.Lock()  # requests start in the order they asked

    async def wait(self) -> None:
        """Return when one more request may start now."""
        async with self._turn:
            while True:
                now = monotonic()
                while self._started and now - self._started[0] >= self.window:
                    self._started.popleft()
                if len(self._started) < self.limit:
                    self._started.append(now)
                    return
                await asyncio.sleep(self.window - (now - self._started[0]))


# Routes Discord does not count toward the global limit: answers to interactions and their webhooks.
EXEMPT = ("/interactions/", "/webhooks/")


def pace_requests(http: Any, pace: RequestPace) -> None:
    """Every REST request discord.py makes for this client (sends, DMs, edits, its own start-up calls)
    first waits for `pace`; answers to interactions go straight through."""
    request = http.request

    async def paced(route: Any, **kwargs: Any) -> Any:
        if not route.path.startswith(EXEMPT):
            await pace.wait()
        return await request(route, **kwargs)

    http.request = paced
