"""Every meetups command is offered as a Discord slash command (names, options and texts Discord accepts)."""

from __future__ import annotations

import logging

from bot.adapters.discord.slash import build_tree_commands


async def test_all_meetup_commands_become_slash_commands(meetup_bot, caplog):
    bot, _, _ = meetup_bot
    commands = {name: c for name, c in bot.router.commands.items() if getattr(c.cog, "name", "") == "meetups"}

    async def run(*_):
        return None

    async def suggest(*_):
        return []

    with caplog.at_level(logging.WARNING):
        tree = build_tree_commands(commands, run, suggest)
    assert not [r for r in caplog.records if "not offered" in r.getMessage()]
    by_name = {c.name: c for c in tree}
    assert set(by_name) == {"meetup", "meetups"}
    offered = {sub.name for sub in by_name["meetup"].commands}
    assert offered == {name.split()[1] for name in commands if name.startswith("meetup ")}
    create = by_name["meetup"].get_command("create")
    assert [p.display_name for p in create.parameters] == ["details"] and create.parameters[0].required
    for declared in [*tree, *by_name["meetup"].commands]:
        assert 1 <= len(declared.description) <= 100
