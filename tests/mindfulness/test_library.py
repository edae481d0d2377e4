"""The built-in prompt library: enough original prompts in every category, each one well formed."""

from collections import Counter

from cogs.mindfulness.library import (
    CATEGORIES,
    DATA_FILE,
    builtin_prompts,
    normalise_category,
    slugify,
    unique_slug,
)
from cogs.mindfulness.transfer import parse_import


def test_library_has_at_least_90_prompts_across_all_ten_categories():
    prompts = builtin_prompts()
    assert len(prompts) >= 90
    per_category = Counter(prompt.category for prompt in prompts)
    assert set(per_category) == set(CATEGORIES)
    assert min(per_category.values()) >= 8


def test_library_ids_are_unique_slugs_and_the_file_passes_import_validation():
    prompts = builtin_prompts()
    assert len({prompt.id for prompt in prompts}) == len(prompts)
    result = parse_import(DATA_FILE.read_bytes(), "prompts.toml")
    assert result.problems == ()
    assert len(result.prompts) == len(prompts)


def test_every_prompt_has_title_text_and_practices_have_sane_durations():
    for prompt in builtin_prompts():
        assert prompt.title and len(prompt.title) <= 80
        assert 100 <= len(prompt.text) <= 600, prompt.id
        assert "\n" not in prompt.text, f"{prompt.id} was not reflowed"
        assert prompt.follow_up is None or prompt.follow_up.endswith("?")
        assert prompt.duration is None or 1 <= prompt.duration <= 15


def test_library_avoids_religious_and_programme_specific_wording():
    banned = [
        "god",
        "higher power",
        "pray",
        "serenity",
        "twelve step",
        "12-step",
        "sponsor",
        "powerless",
        "amends",
        "character defect",
        "one day at a time",
        "sobriety date",
        "relapse",
    ]
    for prompt in builtin_prompts():
        words = f" {prompt.title} {prompt.text} {prompt.follow_up or ''} ".lower()
        for phrase in banned:
            assert f" {phrase}" not in words, (prompt.id, phrase)


def test_categories_are_read_from_what_people_type():
    assert normalise_category("Body scan") == "body-scan"
    assert normalise_category("URGE_SURFING") == "urge-surfing"
    assert normalise_category("urges") == "urge-surfing"
    assert normalise_category("connection and trust") == "connection"
    assert normalise_category("Sleep and rest") == "sleep"
    assert normalise_category("cooking") is None
    assert normalise_category("") is None


def test_slugs_are_stable_and_unique():
    assert slugify("Box breathing!") == "box-breathing"
    assert slugify("Café: à la carte") == "cafe-a-la-carte"
    assert slugify("!!!") == "prompt"
    assert unique_slug("box", {"box", "box-2"}) == "box-3"
