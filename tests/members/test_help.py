"""`!help` fits one screen, crisis first, one line per area; `!help AREA` for more (issue 16, item 7)."""

from __future__ import annotations

import pytest


async def test_a_member_sees_one_screen_with_the_crisis_line_first(console):
    await console.as_member("carol")
    shown = (await console.type("!help")).strip().splitlines()
    assert len(shown) <= 20, shown
    assert shown[0] == "**What I can do**"
    assert shown[1].startswith("**Struggling right now?** `!crisis` gets you help privately, any time.")
    for area in ("checkins", "meetups", "mindfulness", "crisis", "data"):
        assert sum(f"`!help {area}`" in line for line in shown) == 1, area
    assert not any("moderators" in line.lower() for line in shown)


async def test_moderators_get_their_own_short_section(console):
    shown = (await console.type("!help")).strip().splitlines()
    assert len(shown) <= 20, shown
    assert shown[1].startswith("**Struggling right now?**")
    assert any(line.startswith("**For moderators**") for line in shown)
    assert any(line.startswith("Community: `!community") for line in shown)


@pytest.mark.parametrize("asked", ["checkins", "check-ins", "checkin", "Check-ins"])
async def test_help_area_lists_that_areas_commands(console, asked):
    await console.as_member("carol")
    area = await console.type(f"!help {asked}")
    assert "**Check-ins**" in area and "`!checkin start [TIME] [TIMEZONE] [DAYS]`" in area
    assert "`!meetup" not in area and "`!checkin stats" not in area  # members: no moderator commands


async def test_help_for_moderators_and_near_misses(console):
    assert "`!community timezone ZONE`" in await console.type("!help moderators")
    assert "Did you mean `!help meetups`?" in await console.type("!help meetpus")
    await console.as_member("carol")
    assert "for moderators" in await console.type("!help moderators")
