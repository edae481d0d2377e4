"""Issue 15's flows 1-3 typed into the real console adapter, on a fresh database with no settings."""

from __future__ import annotations

import io

import pytest

from bot.adapters.console import ConsoleAdapter
from bot.testing import make_test_bot


@pytest.fixture
async def console(tmp_path, clock):
    out = io.StringIO()
    adapter = ConsoleAdapter(stdin=io.StringIO(), stdout=out, files_dir=tmp_path / "files")
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[adapter], clock=clock
    ) as (bot, _):

        async def type_lines(*lines: str) -> str:
            start = out.tell()
            for line in lines:
                await adapter.handle_line(line)
            return out.getvalue()[start:]

        yield bot, type_lines


async def test_flow_1_the_operator_is_told_and_the_member_hears_only_what_happened(console, caplog):
    bot, type_lines = console
    said = await type_lines(":as bob", "i have the pills in front of me")
    assert "[private to operator] **Crisis alert #1: URGENT" in said and "**Member:** bob" in said
    assert "I've let the moderators know" in said
    urgent = await type_lines("2")
    assert "member said they are NOT safe" in urgent
    assert "Please call **911** now" in urgent and "I've told the moderators it's urgent" in urgent
    assert "nowhere to go" not in caplog.text and "reached nobody" not in caplog.text
    shown = await type_lines(":as operator", "!crisisadmin show")
    assert "**Alerts go to:** every moderator privately, as there is no alert channel: operator" in shown
    assert "**Open alerts:** 1" in shown
    taken = await type_lines("!crisisadmin open", "1")
    assert "suicidal thoughts" in taken and "pills" not in taken
    assert "Alert #1 was acknowledged by operator" in taken


async def test_flow_2_getting_worse_inside_the_cooldown_is_answered(console):
    bot, type_lines = console
    relapse = await type_lines(":as dave", "I relapsed last night and I feel like such a failure")
    assert "a hard night doesn't erase your recovery" in relapse
    assert "SAMHSA" in relapse.split("People you can reach right now:")[1].strip().splitlines()[0]
    worse = await type_lines("honestly i want to die")
    assert "**About:** suicidal thoughts" in worse and "Are you safe right now?" in worse and "988" in worse


async def test_flow_3_the_only_channel_as_alert_channel_still_hears_members(console):
    bot, type_lines = console
    named = await type_lines("!crisisadmin alerts")
    assert "Members writing here are still watched" in named
    said = await type_lines(":as bob", "i have the pills in front of me")
    assert "Crisis alert #1" in said and "I've let the moderators know" in said
    shown = await type_lines(":as operator", "!crisisadmin show")
    assert "**Watching:** every channel" in shown and "the channel `console` on console" in shown
    off = await type_lines("!crisisadmin alerts off")
    assert "every moderator privately" in off
    narrowed = await type_lines("!crisisadmin monitor add")
    assert "Every other channel would no longer be watched" in narrowed
    assert "Nothing changed" in await type_lines("2")
