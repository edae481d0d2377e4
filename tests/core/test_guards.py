"""A Guard declared once applies to a command, a button and a typed answer alike (bot/guards.py)."""

import pytest

from bot.cog import Cog
from bot.commands import DeclarationError, Guard, Param, command, on_choice, on_text
from bot.model import Choice, Content, TextRequest
from bot.testing import make_test_bot


async def find_note(cog, ctx, reference):
    note = cog.notes.get(reference.strip())
    if note is None:
        await ctx.reply(f"There is no note {reference.strip()}.", private=True)
    return note


async def wrote(cog, ctx, note):
    return note["author"] == ctx.author.key


OWN_NOTE = Guard(find_note, wrote, "That note is someone else's, so I left it alone.", into="note")


class NotesCog(Cog):
    name = "notes"

    def __init__(self, bot):
        super().__init__(bot)
        self.notes = {}

    @command("note add", params=[Param("text")])
    async def add(self, ctx, text):
        """Add a note."""
        number = str(len(self.notes) + 1)
        self.notes[number] = {"author": ctx.author.key, "text": text}
        await ctx.reply(
            Content(
                text=f"Note {number} saved.",
                choices=[Choice(f"notes.drop:{number}", "Delete")],
                ask=TextRequest(f"notes.edit:{number}", "New text"),
            )
        )

    @command("note show", params=[Param("number", guard=OWN_NOTE)])
    async def show(self, ctx, number, note):
        """Show one of your notes."""
        await ctx.reply(note["text"], private=True)

    @on_choice("notes.drop", guard=OWN_NOTE)
    async def drop(self, ctx, value, note):
        del self.notes[value]
        await ctx.reply("Deleted.", private=True)

    @on_text("notes.edit", guard=OWN_NOTE)
    async def edit(self, ctx, value, text, note):
        note["text"] = text
        await ctx.reply("Changed.", private=True)

    async def export_member_data(self, member_id):
        return {}

    async def delete_member_data(self, member_id):
        return None


async def test_a_guard_refuses_someone_elses_object_for_command_button_and_typed_answer(tmp_path):
    async with make_test_bot(tmp_path) as (bot, chat):
        await bot.add_cog(NotesCog(bot))
        ana, bo = chat.user("ana"), chat.user("bo")
        saved = (await chat.say(ana, "!note add buy milk"))[-1]
        refusal = "That note is someone else's, so I left it alone."

        assert (await chat.say(bo, "!note show 1"))[-1].text == refusal
        assert (await chat.press(bo, chat.find_choice(saved, "Delete")))[-1].text == refusal
        assert (await chat.answer(bo, "bo was here", request_id="notes.edit:1"))[-1].text == refusal
        assert (await chat.say(ana, "!note show 1"))[-1].text == "buy milk"  # untouched by bo

        assert (await chat.say(bo, "!note show 7"))[-1].text == "There is no note 7."
        assert (await chat.answer(ana, "buy oat milk", request_id="notes.edit:1"))[-1].text == "Changed."
        assert (await chat.say(ana, "!note show 1"))[-1].text == "buy oat milk"
        assert (await chat.press(ana, chat.find_choice(saved, "Delete")))[-1].text == "Deleted."


async def test_a_guard_giving_its_object_to_no_argument_fails_at_load(tmp_path):
    class Forgetful(NotesCog):
        @command("note show", params=[Param("number", guard=OWN_NOTE)])
        async def show(self, ctx, number, target):
            """The guard gives `note`; this handler expects `target`."""

    async with make_test_bot(tmp_path) as (bot, _):
        with pytest.raises(
            DeclarationError, match="guards an object it gives as 'note', but show.. has no argument"
        ):
            await bot.add_cog(Forgetful(bot))
