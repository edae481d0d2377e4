"""The helpline table: enough countries, sourced, and one or two lines chosen for the situation."""

from __future__ import annotations

from cogs.crisis.helplines import (
    full_card,
    known_codes,
    lines_for,
    normalize_country,
    pick,
    substance_use_markdown,
)
from cogs.crisis.lexicon import Category


def test_at_least_sixteen_countries_each_sourced_and_dated():
    codes = known_codes()
    assert len(codes) >= 16
    for code in codes:
        lines = lines_for(code)
        assert lines.crisis is not None, code
        assert lines.sources and lines.checked, code


def test_country_names_and_aliases():
    assert normalize_country("uk") == "GB"
    assert normalize_country("United States") == "US"
    assert normalize_country("de") == "DE"
    assert normalize_country("Atlantis") is None


def test_unknown_country_falls_back_to_emergency_and_directory():
    picked = pick("ZZ", Category.SUICIDE, imminent=False)
    assert "emergency" in picked[0].markdown().lower()
    assert "findahelpline.com" in picked[1].markdown()


def test_imminent_and_body_emergencies_put_the_emergency_number_first():
    assert pick("US", Category.SUICIDE, imminent=True)[0].contact == "911"
    assert pick("AU", Category.OVERDOSE, imminent=False)[0].contact == "000"
    assert pick("GB", Category.VIOLENCE_ABUSE, imminent=False)[0].contact == "999 or 112"


def test_suicide_gets_crisis_line_and_text_line_not_a_list():
    picked = pick("US", Category.SUICIDE, imminent=False)
    assert [line.kind for line in picked] == ["crisis", "text"]


def test_relapse_gets_the_substance_use_line_first():
    assert pick("US", Category.RELAPSE, imminent=False)[0].kind == "substance"
    assert "1-800-662-4357" in substance_use_markdown("US")
    assert "No national drugs and alcohol line" in substance_use_markdown("ES")


def test_unconfirmed_numbers_are_left_out():
    card = full_card("GB")
    assert "0300 123 6600" not in card and "0800 77 66 00" not in card
    assert "10111" not in full_card("ZA")


def test_full_card_for_unknown_country_is_kind_and_useful():
    card = full_card(None)
    assert "emergency" in card.lower() and "findahelpline.com" in card
