"""Rotation: no repeat within a cycle, a new order every cycle, pin and skip, a changing pool."""

import pytest

from cogs.mindfulness.rotation import (
    EmptyPool,
    RotationState,
    advance,
    new_state,
    peek,
    pin,
    progress,
    upcoming,
)

POOL = [f"p{number:02d}" for number in range(12)]


def take(state, pool, count):
    taken = []
    for _ in range(count):
        chosen, state = advance(state, pool)
        taken.append(chosen)
    return taken, state


def test_no_prompt_repeats_until_the_pool_is_exhausted_and_the_next_cycle_has_a_new_order():
    first, state = take(new_state("schedule-1"), POOL, len(POOL))
    second, state = take(state, POOL, len(POOL))
    assert sorted(first) == sorted(POOL)
    assert sorted(second) == sorted(POOL)
    assert first != second
    assert first[-1] != second[0]  # no back-to-back repeat across the cycle boundary
    assert state.cycle == 2


def test_two_schedules_do_not_march_in_step():
    one, _ = take(new_state("a"), POOL, len(POOL))
    two, _ = take(new_state("b"), POOL, len(POOL))
    assert one != two


def test_preview_shows_exactly_what_will_be_posted_even_at_a_cycle_boundary():
    state = new_state("seed")
    for _ in range(len(POOL) * 2 + 3):
        expected = peek(state, POOL)
        chosen, state = advance(state, POOL)
        assert chosen == expected


def test_pinned_prompt_goes_next_once_and_does_not_repeat_in_the_cycle():
    state = new_state("seed")
    coming = upcoming(state, POOL, 5)
    state = pin(state, coming[4])
    chosen, state = advance(state, POOL)
    assert chosen == coming[4]
    rest, state = take(state, POOL, len(POOL) - 1)
    assert coming[4] not in rest
    assert sorted(rest + [chosen]) == sorted(POOL)


def test_pinning_an_already_posted_prompt_posts_it_again_on_purpose():
    first, state = take(new_state("seed"), POOL, 3)
    chosen, _ = advance(pin(state, first[0]), POOL)
    assert chosen == first[0]


def test_skip_consumes_the_upcoming_prompt_so_the_one_after_is_posted():
    state = new_state("seed")
    upcoming_two = upcoming(state, POOL, 2)
    skipped, state = advance(state, POOL)  # skip == take without posting
    assert skipped == upcoming_two[0]
    assert peek(state, POOL) == upcoming_two[1]


def test_new_prompts_join_the_current_cycle_and_retired_ones_drop_out():
    taken, state = take(new_state("seed"), POOL, 4)
    retired = next(prompt_id for prompt_id in POOL if prompt_id not in taken)
    remaining_pool = [prompt_id for prompt_id in POOL if prompt_id != retired] + ["new"]
    rest, state = take(state, remaining_pool, len(remaining_pool) - 4)
    assert "new" in rest
    assert retired not in rest
    assert sorted(taken + rest) == sorted(remaining_pool)
    assert progress(state, remaining_pool) == (len(remaining_pool), len(remaining_pool))


def test_a_pinned_prompt_that_was_retired_is_passed_over():
    state = pin(new_state("seed"), "gone")
    chosen, state = advance(state, POOL)
    assert chosen in POOL
    assert state.pinned is None


def test_single_prompt_pool_repeats_and_empty_pool_says_so():
    chosen, state = advance(new_state("seed"), ["only"])
    again, _ = advance(state, ["only"])
    assert chosen == again == "only"
    with pytest.raises(EmptyPool):
        advance(state, [])


def test_state_survives_a_json_round_trip():
    _, state = take(pin(new_state("seed"), "p03"), POOL, 5)
    state = pin(state, "p07")
    assert RotationState.from_json(state.to_json()) == state
