"""Bounds on what members can make the bot keep or send: nothing grows without limit.

`ExpiringMap` is an in-memory table whose entries expire and whose size is capped, so strangers
cannot fill the bot's memory (a start request, a refusal already shown). `Outreach` allows at most one
message a day that a member makes the bot send to someone who has not opted in (a partner
invitation), so the bot cannot be made to spam anyone. Both use the bot's clock.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Generic, TypeVar

V = TypeVar("V")


class ExpiringMap(Generic[V]):
    """key -> value for `ttl`, at most `max_size` keys (the oldest go first)."""

    def __init__(self, now: Callable[[], datetime], ttl: timedelta, max_size: int = 10_000):
        self.now, self.ttl, self.max_size = now, ttl, max_size
        self._items: OrderedDict[str, tuple[datetime, V]] = OrderedDict()

    def __setitem__(self, key: str, value: V) -> None:
        self._prune()
        self._items.pop(key, None)
        self._items[key] = (self.now(), value)
        while len(self._items) > self.max_size:
            self._items.popitem(last=False)

    def get(self, key: str, default: V | None = None) -> V | None:
        item = self._items.get(key)
        if item is None or self.now() - item[0] >= self.ttl:
            return default
        return item[1]

    def pop(self, key: str, default: V | None = None) -> V | None:
        value = self.get(key, default)
        self._items.pop(key, None)
        return value

    def __contains__(self, key: str) -> bool:
        return self.get(key) is not None

    def __len__(self) -> int:
        self._prune()
        return len(self._items)

    def _prune(self) -> None:
        oldest_kept = self.now() - self.ttl
        while self._items:
            key, (added, _value) = next(iter(self._items.items()))
            if added > oldest_kept:
                return
            del self._items[key]


class Outreach:
    """At most one message a day that members make the bot send to a person who has not opted in."""

    def __init__(self, now: Callable[[], datetime]):
        self._sent: ExpiringMap[bool] = ExpiringMap(now, timedelta(days=1), max_size=100_000)

    def allow(self, recipient_key: str) -> bool:
        """True (and counted) if the bot may message them now; False if it already did today."""
        if recipient_key in self._sent:
            return False
        self._sent[recipient_key] = True
        return True
