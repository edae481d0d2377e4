"""Rotation of prompts for one schedule: no repeats within a cycle, a new order every cycle.

Pure code. The state is a small value that the cog stores as JSON per schedule. Every function takes
the current pool (ids of active prompts in the schedule's categories) because moderators add, retire
and import prompts between posts: new prompts join the current cycle, retired ones simply drop out.

The order of a cycle is a shuffle seeded by (schedule seed, cycle number), so "preview" shows exactly
the prompt that the next post will use, and two schedules do not march through the library in step.
"""

from __future__ import annotations

import json
import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace


@dataclass(frozen=True)
class RotationState:
    seed: str
    cycle: int = 0
    order: tuple[str, ...] = ()  # this cycle's order (prompt ids)
    used: frozenset[str] = field(default_factory=frozenset)  # posted or skipped in this cycle
    pinned: str | None = None  # posted next, whatever the order says
    last: str | None = None  # the last prompt posted or skipped (no back-to-back repeat across cycles)

    def to_json(self) -> str:
        return json.dumps(
            {
                "seed": self.seed,
                "cycle": self.cycle,
                "order": list(self.order),
                "used": sorted(self.used),
                "pinned": self.pinned,
                "last": self.last,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> RotationState:
        data = json.loads(text)
        return cls(
            seed=data["seed"],
            cycle=data["cycle"],
            order=tuple(data["order"]),
            used=frozenset(data["used"]),
            pinned=data.get("pinned"),
            last=data.get("last"),
        )


class EmptyPool(LookupError):
    """No active prompt is left in the schedule's categories."""


def cycle_order(
    seed: str, cycle: int, pool: Sequence[str], avoid_first: str | None = None
) -> tuple[str, ...]:
    """The shuffled order of one cycle. Starts with something other than `avoid_first` when it can."""
    ids = sorted(set(pool))
    random.Random(f"{seed}:{cycle}").shuffle(ids)
    if avoid_first is not None and len(ids) > 1 and ids[0] == avoid_first:
        ids[0], ids[-1] = ids[-1], ids[0]
    return tuple(ids)


def _remaining(state: RotationState, pool_set: set[str]) -> list[str]:
    """Prompts still to come in this cycle, in order; new prompts (not in the order yet) come last."""
    in_order = set(state.order)
    waiting = [
        prompt_id for prompt_id in state.order if prompt_id in pool_set and prompt_id not in state.used
    ]
    newcomers = sorted(pool_set - in_order - state.used)
    if newcomers:
        random.Random(f"{state.seed}:{state.cycle}:new").shuffle(newcomers)
    return waiting + newcomers


def advance(state: RotationState, pool: Sequence[str]) -> tuple[str, RotationState]:
    """Take the next prompt: returns its id and the state after it (used by posting and by skip)."""
    pool_set = set(pool)
    if not pool_set:
        raise EmptyPool("no active prompts in this schedule's categories")
    if state.cycle == 0:
        state = _next_cycle(state, pool_set)
    if state.pinned is not None and state.pinned in pool_set:
        chosen = state.pinned
        return chosen, replace(state, used=state.used | {chosen}, pinned=None, last=chosen)
    remaining = _remaining(state, pool_set)
    if not remaining:
        state = _next_cycle(state, pool_set)
        remaining = list(state.order)
    chosen = remaining[0]
    return chosen, replace(state, used=state.used | {chosen}, pinned=None, last=chosen)


def _next_cycle(state: RotationState, pool_set: set[str]) -> RotationState:
    cycle = state.cycle + 1
    order = cycle_order(state.seed, cycle, sorted(pool_set), avoid_first=state.last)
    return replace(state, cycle=cycle, order=order, used=frozenset())


def peek(state: RotationState, pool: Sequence[str]) -> str:
    """The prompt the next post will use, without taking it."""
    chosen, _ = advance(state, pool)
    return chosen


def upcoming(state: RotationState, pool: Sequence[str], count: int) -> list[str]:
    """The next `count` prompts, in the order they will be posted if nothing changes."""
    result = []
    for _ in range(count):
        chosen, state = advance(state, pool)
        result.append(chosen)
    return result


def pin(state: RotationState, prompt_id: str) -> RotationState:
    """Post `prompt_id` next. It counts as used for this cycle once posted."""
    return replace(state, pinned=prompt_id)


def progress(state: RotationState, pool: Sequence[str]) -> tuple[int, int]:
    """(posted or skipped in this cycle, size of the pool), for the schedule list."""
    pool_set = set(pool)
    return len(state.used & pool_set), len(pool_set)


def new_state(seed: str) -> RotationState:
    """A rotation that starts its first cycle on the first post."""
    return RotationState(seed=seed, cycle=0, order=(), used=frozenset())
