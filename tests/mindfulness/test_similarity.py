"""Near-duplicate detection flags rewordings of an existing prompt and leaves new ideas alone."""

from cogs.mindfulness.library import builtin_prompts
from cogs.mindfulness.similarity import THRESHOLD, near_duplicates, similarity


def candidates():
    return [(prompt.id, prompt.text, prompt.follow_up) for prompt in builtin_prompts()]


def test_rewordings_of_library_prompts_are_flagged():
    assert near_duplicates("What small good thing happened today?", candidates())[0].prompt_id == (
        "gratitude-three-small-things"
    )
    five_senses = "Look around: name 5 things you can see, 4 you can touch, 3 you can hear, 2 you can smell, 1 you can taste."
    assert near_duplicates(five_senses, candidates())[0].prompt_id == "grounding-5-4-3-2-1"
    copied_question = "who is someone you're grateful for - and what did they do??"
    assert near_duplicates(copied_question, candidates())[0].prompt_id == "gratitude-person"


def test_new_ideas_are_not_flagged():
    for fresh in [
        "What is your favourite breakfast?",
        "What song always lifts your mood?",
        "What is a hobby you picked up in recovery?",
        "How do you deal with stress at work?",
    ]:
        assert near_duplicates(fresh, candidates()) == [], fresh


def test_no_two_builtin_prompts_flag_each_other():
    prompts = builtin_prompts()
    for prompt in prompts:
        others = [entry for entry in candidates() if entry[0] != prompt.id]
        assert near_duplicates(prompt.text, others) == [], prompt.id


def test_similarity_is_symmetric_in_range_and_handles_empty_text():
    first, second = "Breathe slowly and count to ten", "Count to ten and breathe slowly"
    assert similarity(first, second) == similarity(second, first) == 1.0
    assert similarity("", "anything") == 0.0
    assert 0 <= similarity("hello there", "general kenobi") < THRESHOLD
