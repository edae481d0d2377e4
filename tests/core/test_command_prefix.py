"""Command hints in the prefix members type on each platform: `!checkin start` here, `/checkin start` on
Discord. The adapter declares its prefix; cogs keep writing `!name` and the adapter shows it its way."""

from __future__ import annotations

import pytest

from bot.cog import Cog
from bot.commands import command
from bot.model import Content
from bot.testing import MemoryAdapter, make_test_bot
from bot.text import retarget_commands

COGS = ["cogs.privacy", "cogs.mindfulness"]


@pytest.fixture
async def slash_chat(tmp_path, clock):
    """A platform whose members type `/name`, as on Discord."""
    async with make_test_bot(
        tmp_path, cogs=COGS, adapters=[MemoryAdapter(command_prefix="/")], clock=clock
    ) as (bot, chat):
        yield chat


async def test_help_and_input_errors_show_the_platforms_prefix(slash_chat):
    chat = slash_chat
    alice = chat.user("alice")
    overview = (await chat.say(alice, "!help"))[-1].text
    assert "`/mydata`" in overview and "`/help mindfulness`" in overview
    assert "Type `/help AREA`" in overview and "`!" not in overview
    area = (await chat.say(alice, "!help mindfulness"))[-1].text
    assert "`/practice [CATEGORY]`" in area and "`!" not in area

    one = (await chat.say(alice, "!help practice"))[-1]
    assert one.content.title == "/practice"
    assert "`/practice urge surfing`" in one.text and "!practice" not in one.text
    assert (await chat.say(alice, "!help /practice"))[-1].content.title == "/practice"  # asked the slash way

    wrong = (await chat.say(alice, "!optin"))[-1].text
    assert "Type `/optin FEATURE`" in wrong and "!optin" not in wrong
    unknown = (await chat.say(alice, "!mydat"))[-1].text
    assert "Did you mean `/mydata`?" in unknown and "Type `/help`" in unknown


class LateCog(Cog):
    name = "late"
    title = "Late"

    @command("latecomer")
    async def latecomer(self, ctx):
        """Arrived while the bot was running."""
        await ctx.reply("Also try !latecomer again, or !help.")

    async def export_member_data(self, member_id):
        return {}

    async def delete_member_data(self, member_id):
        return None


async def test_hints_follow_commands_added_and_removed_while_running(slash_chat):
    # The help text and its slash form are both kept between answers: neither may go stale.
    chat = slash_chat
    bot, alice = chat.bot, chat.user("alice")
    first = (await chat.say(alice, "!help"))[-1].text
    assert (await chat.say(alice, "!help"))[-1].text == first and "latecomer" not in first

    await bot.add_cog(LateCog(bot))
    overview = (await chat.say(alice, "!help"))[-1].text
    assert "**Late**: `/latecomer` · `/help late`" in overview and "`!" not in overview
    area = (await chat.say(alice, "!help late"))[-1].text
    assert "`/latecomer`: Arrived while the bot was running." in area and "`!" not in area
    assert (await chat.say(alice, "!latecomer"))[-1].text == "Also try /latecomer again, or /help."

    await bot.remove_cog("late")
    assert (await chat.say(alice, "!help"))[-1].text == first
    # A command that is gone is no longer a hint to rewrite.
    assert (
        bot.adapters["memory"].localize_commands(Content(text="!latecomer or !help")).text
        == "!latecomer or /help"
    )


async def test_hints_written_inside_a_cogs_own_text_follow_too(slash_chat):
    chat = slash_chat
    practice = (await chat.say(chat.user("alice"), "!practice"))[-1]
    assert practice.content.footer.endswith("Type /practice for another, or /practice CATEGORY.")


async def test_platforms_that_type_bang_commands_keep_them(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=COGS, clock=clock) as (_bot, chat):
        overview = (await chat.say(chat.user("alice"), "!help"))[-1].text
        assert "`!mydata`" in overview and "`/mydata`" not in overview


@pytest.mark.parametrize(
    ("written", "shown"),
    [
        ("Type `!checkin start 08:00` to begin.", "Type `/checkin start 08:00` to begin."),
        ("(or !help)", "(or /help)"),
        ("!help lists everything", "/help lists everything"),
        ("Wow! Great!!", "Wow! Great!!"),  # not a command
        ("so proud!!!help", "so proud!!!help"),
        ("see https://example.org/!help", "see https://example.org/!help"),
        ("!helpful and !unknown", "!helpful and !unknown"),  # not the name of a command
    ],
)
def test_only_real_command_hints_change(written, shown):
    assert retarget_commands(written, frozenset({"help", "checkin"}), "/") == shown
