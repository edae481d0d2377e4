"""Community settings from chat for moderators, and a member's own zone for the times they read
(issue 16, item 4)."""

from __future__ import annotations

from bot.config import CommunitySettings
from bot.testing import MemoryAdapter, make_test_bot, settings_for_tests


async def test_a_moderator_sets_the_community_zone_and_a_chicago_meetup_reads_as_chicago_time(console):
    await console.type("!meetup channel here")
    before = await console.type("!meetup create Circle, every Wednesday 7pm America/Chicago", "1")
    assert "Thu 10 Dec 2026, 01:00 UTC" in before  # the UTC default: right moment, nobody's local time

    changed = await console.type("!community timezone America/Chicago")
    assert "This community's timezone is now America/Chicago (it's 06:00 there)" in changed
    shown = await console.type("!meetup show Circle")
    assert "Wed 09 Dec 2026, 19:00 CST" in shown
    assert "**Timezone:** America/Chicago" in await console.type("!community show")


async def test_name_and_country_from_chat(console):
    assert "now called **Riverside Alumni**" in await console.type("!community name Riverside Alumni")
    assert "country is now GB" in await console.type("!community country gb")
    shown = await console.type("!community show")
    assert "**Riverside Alumni**" in shown and "**Country:** GB" in shown
    assert "Use two letters, like US, GB or DE" in await console.type("!community country Britain")


async def test_members_cannot_change_the_community(console):
    await console.as_member("carol")
    refused = await console.type("!community timezone Europe/Paris")
    assert "`!community timezone` is for moderators" in refused
    assert console.bot.communities.get(1).timezone == "UTC"


async def test_my_own_zone_is_asked_for_kept_only_with_consent_and_used_for_my_times(console):
    await console.type(
        "!meetup channel here", "!meetup create Circle, every Wednesday 7pm America/Chicago", "1"
    )
    await console.as_member("carol")
    asked = await console.type("!settings timezone Europe/London")
    assert "Kindred keeps **the timezone you choose**" in asked
    assert "Your timezone is Europe/London" in await console.type("1")
    assert "Thu 10 Dec 2026, 01:00 GMT" in await console.type("!meetup show Circle")
    assert "**Timezone:** Europe/London" in await console.type("!settings show")
    exported = await console.type("!mydata")
    assert "**settings**: timezone" in exported

    await console.type("!settings timezone off")
    assert "01:00 UTC" in await console.type("!meetup show Circle")
    assert "Did you mean `!settings timezone`?" in await console.type("!settings timzone Europe/Paris")


async def test_config_file_sets_them_and_a_later_file_edit_wins_over_an_older_chat_change(tmp_path, clock):
    def settings(zone: str):
        return settings_for_tests(
            tmp_path, community=CommunitySettings(name="Alumni", timezone=zone, country="US")
        )

    async with make_test_bot(tmp_path, adapters=[MemoryAdapter()], settings=settings("UTC"), clock=clock) as (
        bot,
        chat,
    ):
        assert bot.communities.get(1).timezone == "UTC"
        await chat.say(chat.user("mod", moderator=True), "!community timezone America/Chicago")
    async with make_test_bot(tmp_path, adapters=[MemoryAdapter()], settings=settings("UTC"), clock=clock) as (
        bot,
        _,
    ):
        assert bot.communities.get(1).timezone == "America/Chicago"  # the file did not change: chat stands
    async with make_test_bot(
        tmp_path, adapters=[MemoryAdapter()], settings=settings("Europe/Dublin"), clock=clock
    ) as (bot, _):
        assert bot.communities.get(1).timezone == "Europe/Dublin"  # the file was edited since: it wins
