"""The router: parsing, permission refusals, and the errors members see for malformed input."""

from datetime import time

import pytest

from bot.cog import Cog
from bot.commands import Access, Param, ParamType, command
from bot.testing import MemoryAdapter, make_test_bot


class SampleCog(Cog):
    name = "sample"
    title = "Sample"
    feature = "sample"
    consent_statement = "Sample keeps a record that you joined."

    def __init__(self, bot):
        super().__init__(bot)
        self.calls = []

    @command(
        "remind",
        params=[
            Param("time", ParamType.TIME),
            Param("zone", ParamType.TIMEZONE, required=False),
            Param("note", ParamType.TEXT, required=False),
        ],
        examples=["!remind 20:00 Europe/London stretch"],
    )
    async def remind(self, ctx, time, zone=None, note=None):
        """Set a reminder."""
        self.calls.append(("remind", time, zone, note))
        await ctx.reply(f"ok {time} {zone} {note}")

    @command(
        "rate",
        params=[
            Param("score", ParamType.INTEGER, min=1, max=5),
            Param("mood", ParamType.CHOICE, choices=("calm", "tense"), required=False),
        ],
    )
    async def rate(self, ctx, score, mood=None):
        """Rate."""
        self.calls.append(("rate", score, mood))
        await ctx.reply("rated")

    @command("meet on", params=[Param("day", ParamType.DATE), Param("country", ParamType.COUNTRY)])
    async def meet_on(self, ctx, day, country):
        """Meet."""
        self.calls.append(("meet", day, country))
        await ctx.reply("met")

    @command("mod wipe", access=Access.MODERATOR)
    async def wipe(self, ctx):
        """Moderators only."""
        self.calls.append(("wipe",))
        await ctx.reply("wiped")

    @command("members only", access=Access.PARTICIPANT, feature="sample", join_hint="!optin sample")
    async def members_only(self, ctx):
        """Participants only."""
        self.calls.append(("members",))
        await ctx.reply("hello member")

    @command("boom")
    async def boom(self, ctx):
        """Always fails."""
        raise RuntimeError("private detail")

    async def export_member_data(self, member_id):
        return {}

    async def delete_member_data(self, member_id):
        return None


async def setup(bot):
    await bot.add_cog(SampleCog(bot))


@pytest.fixture
async def sample(tmp_path, clock):
    import sys
    import types

    module = types.ModuleType("sample_cog_module")
    module.setup = setup
    sys.modules["sample_cog_module"] = module
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "sample_cog_module"], adapters=[MemoryAdapter()], clock=clock
    ) as (bot, chat):
        yield bot, chat, bot.get_cog("sample")


async def test_well_formed_commands_reach_the_handler_with_typed_values(sample):
    bot, chat, cog = sample
    alice = chat.user("alice")
    await chat.say(alice, "!remind 8:30pm Europe/London stretch my back")
    await chat.say(alice, "!remind 07:15 drink water")  # optional zone skipped, text kept
    await chat.say(alice, "!RATE 4 Calm")
    await chat.say(alice, '!remind 9am "America/New_York"')
    assert cog.calls == [
        ("remind", time(20, 30), "Europe/London", "stretch my back"),
        ("remind", time(7, 15), None, "drink water"),
        ("rate", 4, "calm"),
        ("remind", time(9, 0), "America/New_York", None),
    ]


MALFORMED = [
    ("!remind", "time is missing"),
    ("!remind 25:00", "not a time of day"),
    ("!remind 13pm", "hour is 1-12"),
    ("!remind soon", "not a time of day"),
    ("!remind 8:61", "not a time of day"),
    ("!remind -1", "not a time of day"),
    ("!rate", "score is missing"),
    ("!rate 0", "between 1 and 5"),
    ("!rate 6", "between 1 and 5"),
    ("!rate five", "whole number"),
    ("!rate 3.5", "whole number"),
    ("!rate 3 furious", "one of: calm, tense"),
    ("!rate 3 calm extra words", "did not expect 'extra words'"),
    ("!meet on", "day is missing"),
    ("!meet on someday US", "not a date"),
    ("!meet on 2026-02-30 US", "not a date"),
    ("!meet on 2026-12-01", "country is missing"),
    ("!meet on 2026-12-01 USA", "two letters"),
    ("!meet on 2026-12-01 U1", "two letters"),
    ("!meet on 2026-12-01 US Mars/Olympus", "did not expect 'Mars/Olympus'"),
    ("!remind " + "9:00 " + "x" * 1200, "too long"),
    ("!remnid 8:00", "Did you mean `!remind`"),
    ("!xyzzy", "I don't know `!xyzzy`"),
]


@pytest.mark.parametrize(("line", "expected"), MALFORMED)
async def test_malformed_input_gets_a_short_error_that_says_what_to_type(sample, line, expected):
    bot, chat, cog = sample
    alice = chat.user("alice")
    replies = await chat.say(alice, line)
    assert len(replies) == 1
    text = replies[0].text
    assert expected in text
    assert cog.calls == []  # nothing ran, nothing half-done
    if "I don't know" not in text:
        assert "Type `!" in text  # says what to type instead
    assert len(text) < 400


async def test_an_optional_value_that_does_not_fit_is_skipped_not_lost(sample):
    bot, chat, cog = sample
    await chat.say(chat.user("alice"), "!remind 8:00 europe/londn")
    # 'europe/londn' is not a zone; the optional zone is skipped and the words stay as the note.
    assert cog.calls[-1] == ("remind", time(8, 0), None, "europe/londn")


async def test_moderator_commands_are_refused_for_members_and_work_for_moderators(sample):
    bot, chat, cog = sample
    member, moderator = chat.user("alice"), chat.user("mo", moderator=True)
    refused = await chat.say(member, "!mod wipe")
    assert "for moderators" in refused[0].text and refused[0].private_to == member
    assert cog.calls == []
    await chat.say(moderator, "!mod wipe")
    assert cog.calls == [("wipe",)]


async def test_participant_commands_need_opt_in_first(sample):
    bot, chat, cog = sample
    alice = chat.user("alice")
    refused = await chat.say(alice, "!members only")
    assert "Type `!optin sample` to start" in refused[0].text
    asked = await chat.say(alice, "!optin sample")
    await chat.press(alice, chat.find_choice(asked[-1], "I agree"))
    await chat.say(alice, "!members only")
    assert cog.calls == [("members",)]


async def test_a_crash_in_a_handler_is_an_apology_not_a_leak(sample):
    bot, chat, cog = sample
    replies = await chat.say(chat.user("alice"), "!boom")
    assert "something went wrong on my side" in replies[0].text
    assert "private detail" not in replies[0].text


async def test_help_lists_what_the_caller_may_use(sample):
    bot, chat, cog = sample
    member_help = (await chat.say(chat.user("alice"), "!help sample"))[0].text
    mod_help = (await chat.say(chat.user("mo", moderator=True), "!help sample"))[0].text
    assert (
        "!remind TIME [ZONE] [NOTE]" in member_help
        and "!mydata" in (await chat.say(chat.user("alice"), "!help"))[0].text
    )
    assert "!mod wipe" not in member_help and "!mod wipe" in mod_help
    detail = (await chat.say(chat.user("alice"), "!help remind"))[0].text
    assert "Set a reminder." in detail and "!remind 20:00 Europe/London stretch" in detail
    group = (await chat.say(chat.user("alice"), "!meet"))[0].text
    assert "!meet on DAY COUNTRY" in group


async def test_a_group_only_moderators_use_is_not_listed_to_members(sample):
    _bot, chat, _cog = sample
    for asked in ("!help mod", "!mod"):
        seen = (await chat.say(chat.user("alice"), asked))[0].text
        assert "!mod wipe" not in seen and "for moderators" in seen
        assert "!mod wipe" in (await chat.say(chat.user("mo", moderator=True), asked))[0].text


async def test_rate_limit_refuses_kindly_once_then_stays_quiet(sample):
    bot, chat, cog = sample
    alice = chat.user("alice")
    for _ in range(bot.rate_limiter.limit):
        await chat.say(alice, "!rate 3")
    refused = await chat.say(alice, "!rate 3")
    assert "going a little fast" in refused[0].text
    assert await chat.say(alice, "!rate 3") == []
    assert len(cog.calls) == bot.rate_limiter.limit
    # Someone else is not affected.
    await chat.say(chat.user("bob"), "!rate 2")
    assert cog.calls[-1] == ("rate", 2, None)


async def test_plain_chat_is_not_a_command(sample):
    bot, chat, cog = sample
    assert await chat.say(chat.user("alice"), "hello everyone! how are you") == []
    assert await chat.say(chat.user("alice"), "! not a command") == []


class LateCog(Cog):
    """A cog added while the bot runs, after /help was already shown."""

    name = "late"
    title = "Late"

    @command("latecomer")
    async def latecomer(self, ctx):
        """Arrived after the first help."""
        await ctx.reply("here")

    @command("late purge", access=Access.MODERATOR)
    async def purge(self, ctx):
        """Moderators only, late."""
        await ctx.reply("purged")

    async def export_member_data(self, member_id):
        return {}

    async def delete_member_data(self, member_id):
        return None


async def test_help_follows_cogs_added_and_removed_while_running(sample):
    # The overview is built once and kept: a cog coming or going must show at once, for members and
    # moderators alike, and each sees their own list whoever asked first.
    bot, chat, _cog = sample
    alice, mo = chat.user("alice"), chat.user("mo", moderator=True)
    assert "!mod wipe" in (await chat.say(mo, "!help"))[0].text
    before = (await chat.say(alice, "!help"))[0].text
    assert "!latecomer" not in before and "!mod wipe" not in before

    await bot.add_cog(LateCog(bot))
    member_help = (await chat.say(alice, "!help"))[0].text
    mod_help = (await chat.say(mo, "!help"))[0].text
    assert "!latecomer" in member_help and "!late purge" not in member_help
    assert "!latecomer" in mod_help and "!late purge" in mod_help

    await bot.remove_cog("late")
    assert "!latecomer" not in (await chat.say(alice, "!help"))[0].text
    assert "!late purge" not in (await chat.say(mo, "!help"))[0].text
    assert (await chat.say(alice, "!help"))[0].text == before
