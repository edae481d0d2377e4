"""`kindred run` keeps long-lived objects out of garbage collections, without keeping garbage for good."""

from __future__ import annotations

import gc
import weakref

from bot.cli import settle_long_lived_objects


class Node:
    def __init__(self) -> None:
        self.other: Node | None = None


def test_garbage_frozen_with_the_long_lived_objects_goes_at_the_next_settling():
    try:
        settle_long_lived_objects()
        assert gc.get_freeze_count() > 0
        first, second = Node(), Node()
        first.other, second.other = second, first  # a cycle: only the collector can free it
        gone = weakref.ref(first)
        settle_long_lived_objects()  # frozen while still in use (discord.py's guild cache, say)
        del first, second
        gc.collect()
        assert gone() is not None, "a frozen cycle is left alone by ordinary collections"
        settle_long_lived_objects()  # the hourly pass
        assert gone() is None, "then it is collected"
    finally:
        gc.unfreeze()  # the rest of the test run collects as usual
