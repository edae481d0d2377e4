"""A cog whose declarations do not fit its code fails to load, with a message naming the mistake.

Before, each of these mistakes loaded fine and surfaced only when a member used the command or button
("Sorry, something went wrong", or another cog's button silently going to the newcomer)."""

import pytest

from bot.cog import Cog
from bot.commands import DeclarationError, Param, ParamType, command, on_choice, on_text
from bot.storage import Migration
from bot.testing import make_test_bot


class GreetCog(Cog):
    """Well declared: the base the broken cogs below each change in one place."""

    name = "greet"
    migrations = [Migration(1, "greetings", "CREATE TABLE greetings (id INTEGER PRIMARY KEY)")]

    @command("greet", params=[Param("name", ParamType.TEXT)])
    async def greet(self, ctx, name):
        """Say hello."""
        await ctx.reply(f"Hello {name}")

    async def export_member_data(self, member_id):
        return {}

    async def delete_member_data(self, member_id):
        return None


class MisspelledParam(GreetCog):
    @command("greet", params=[Param("nmae", ParamType.TEXT)])
    async def greet(self, ctx, name):
        """Say hello."""


class UndeclaredArgument(GreetCog):
    @command("greet", params=[])
    async def greet(self, ctx, name):
        """Say hello."""


class TakesTheConsentButtons(GreetCog):
    @on_choice("consent")
    async def consent_pressed(self, ctx, value):
        """Would silently take every consent press from the privacy cog."""


class MissingAutocomplete(GreetCog):
    @command("greet", params=[Param("name", ParamType.TEXT, autocomplete="name_suggestoins")])
    async def greet(self, ctx, name):
        """Say hello."""

    async def name_suggestions(self, ctx, partial):
        return ["Sam"]


class TextHandlerWithoutText(GreetCog):
    @on_text("greet.reply")
    async def reply_typed(self, ctx, value):
        """A typed answer handler must take the text too."""


MISTAKES = [
    (MisspelledParam, "declares Param('nmae') but greet() has no argument 'nmae' (did you mean 'name'?)"),
    (UndeclaredArgument, "greet() needs argument 'name' but no Param declares it"),
    (
        TakesTheConsentButtons,
        "choice prefix 'consent' of consent_pressed() is already handled by cog 'privacy'",
    ),
    (MissingAutocomplete, "offers values from name_suggestoins(), but the cog has no such method"),
    (
        TextHandlerWithoutText,
        "reply_typed() handles text prefix 'greet.reply' so it must take (ctx, value, text)",
    ),
]


@pytest.mark.parametrize(("broken", "message"), MISTAKES, ids=[cls.__name__ for cls, _ in MISTAKES])
async def test_a_cog_with_a_declaration_mistake_fails_to_load_naming_it(tmp_path, broken, message):
    async with make_test_bot(tmp_path) as (bot, chat):
        with pytest.raises(DeclarationError) as refused:
            await bot.add_cog(broken(bot))
        assert message in str(refused.value)
        assert "cog 'greet'" in str(refused.value)
        # Nothing half-added: no command, no table, and the privacy cog still owns its buttons.
        assert "greet" not in bot.cogs
        replies = await chat.say(chat.user("alice"), "!greet Sam")
        assert "I don't know `!greet" in replies[-1].text
        assert not await bot.db.fetchval("SELECT 1 FROM sqlite_master WHERE name = 'greetings'")
        assert bot.router.choices["consent"].cog is bot.get_cog("privacy")


async def test_the_same_cog_declared_well_loads_and_answers(tmp_path):
    async with make_test_bot(tmp_path) as (bot, chat):
        await bot.add_cog(GreetCog(bot))
        replies = await chat.say(chat.user("alice"), "!greet Sam")
        assert replies[-1].text == "Hello Sam"


async def test_two_cogs_may_not_share_a_text_answer_prefix(tmp_path):
    class Asks(GreetCog):
        @on_text("greet.reply")
        async def reply_typed(self, ctx, value, text):
            """Takes typed answers."""

    class AlsoAsks(Asks):
        name = "greet2"
        migrations = []

        @command("greet again", params=[Param("name")])
        async def greet(self, ctx, name):
            """Another greeting."""

    async with make_test_bot(tmp_path) as (bot, _):
        await bot.add_cog(Asks(bot))
        with pytest.raises(
            DeclarationError,
            match="text prefix 'greet.reply' of reply_typed.. is already handled by cog 'greet'",
        ):
            await bot.add_cog(AlsoAsks(bot))
