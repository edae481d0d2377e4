"""Per-object access: who may act on the one thing a command, button or typed answer names.

`Access` (bot/commands.py) says who may run a command at all: everyone, participants, moderators. A
`Guard` goes one step further, for commands that act on one object (this meetup, this question): it is
declared once, on the Param that names the object or on the `@on_choice` / `@on_text` whose value
does, and the router applies it before the handler runs, the same way for a typed command, a slash
command, a button and a typed answer:

    ORGANISED = Guard(load=find_meetup, allows=organises, refusal="Only this meetup's organiser ...")

    @command("meetup cancel", params=[Param("name", guard=ORGANISED)])
    async def cancel(self, ctx, name, target): ...   # `target` is what find_meetup returned

`load(cog, ctx, reference)` finds the object; it returns None after telling the member why nothing was
found (no such meetup, several match). `allows(cog, ctx, obj)` says whether this person may act on
it; if not, the router replies `refusal`, privately, and the handler never runs. The handler receives
the object as its argument named `into`. Both functions get the cog, so they can reach its store.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True)
class Guard(Generic[T]):
    load: Callable[[Any, Any, str], Awaitable[T | None]]
    allows: Callable[[Any, Any, T], Awaitable[bool]]
    refusal: str
    into: str = "target"
