"""Every check-ins command is offered as a Discord slash command that Discord would accept."""

from __future__ import annotations

import logging

from bot.adapters.discord.slash import build_tree_commands


async def test_all_checkin_commands_become_slash_commands(env, caplog):
    bot, _ = env
    commands = {name: c for name, c in bot.router.commands.items() if getattr(c.cog, "name", "") == "checkins"}

    async def run(*_):
        return None

    async def suggest(*_):
        return []

    with caplog.at_level(logging.WARNING):
        tree = build_tree_commands(commands, run, suggest)
    assert not [r for r in caplog.records if "not offered" in r.getMessage()]
    by_name = {c.name: c for c in tree}
    assert set(by_name) == {"checkin", "partner", "sos"}
    offered = {sub.name for sub in by_name["checkin"].commands}
    assert offered == {name.split()[1] for name in commands if name.startswith("checkin ")}
    start = by_name["checkin"].get_command("start")
    assert [p.display_name for p in start.parameters] == ["time", "timezone", "days"]
    assert not any(p.required for p in start.parameters)
    for declared in [*tree, *by_name["checkin"].commands, *by_name["partner"].commands]:
        assert 1 <= len(declared.description) <= 100, declared.name
