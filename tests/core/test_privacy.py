"""!mydata and !forgetme across cogs, and consent before anything is stored."""

import json

from bot.adapters.base import Capabilities
from bot.cog import Cog, DataStatement
from bot.commands import Access, Param, ParamType, command
from bot.storage import Migration
from bot.testing import MemoryAdapter, make_test_bot


class NotesCog(Cog):
    """A small cog that keeps a sealed note per member, to exercise the contract."""

    name = "notes"
    title = "Notes"
    feature = "notes"
    consent_statement = "Notes keeps the notes you write, encrypted, until you erase them."
    data_statement = DataStatement("your notes", "to show them back", "until erased", "only you")
    migrations = [
        Migration(1, "notes", "CREATE TABLE notes (member_id INTEGER NOT NULL, body TEXT NOT NULL)")
    ]

    @command(
        "note",
        access=Access.PARTICIPANT,
        feature="notes",
        join_hint="!optin notes",
        params=[Param("text", ParamType.TEXT)],
    )
    async def note(self, ctx, text):
        """Keep a note."""
        member_id = await ctx.member_id()
        await self.bot.db.execute(
            "INSERT INTO notes VALUES (?, ?)", (member_id, self.bot.vault.seal(text, "notes"))
        )
        await ctx.reply("kept")

    async def export_member_data(self, member_id):
        rows = await self.bot.db.fetchall("SELECT body FROM notes WHERE member_id = ?", (member_id,))
        return {"notes": [self.bot.vault.open(row[0], "notes") for row in rows]}

    async def delete_member_data(self, member_id):
        await self.bot.db.execute("DELETE FROM notes WHERE member_id = ?", (member_id,))


async def setup(bot):
    await bot.add_cog(NotesCog(bot))


def install_notes_module():
    import sys
    import types

    module = types.ModuleType("notes_cog_module")
    module.setup = setup
    sys.modules["notes_cog_module"] = module
    return "notes_cog_module"


async def all_text_in_database(bot) -> str:
    dump = []
    async with bot.db.transaction():
        for table in await bot.db.tables():
            dump += [repr(tuple(row)) for row in await bot.db.fetchall(f"SELECT * FROM {table}")]
    return "\n".join(dump)


async def test_nothing_is_stored_before_opt_in(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=["cogs.privacy", install_notes_module()], clock=clock) as (
        bot,
        chat,
    ):
        alice = chat.user("alice")
        await chat.say(alice, "!help")
        await chat.say(alice, "!note remember to breathe")
        await chat.say(alice, "!mydata")
        assert await bot.db.fetchval("SELECT count(*) FROM members") == 0
        assert "alice-id" not in await all_text_in_database(bot)
        asked = await chat.say(alice, "!optin notes")
        await chat.press(alice, chat.find_choice(asked[-1], "No thanks"))
        assert await bot.db.fetchval("SELECT count(*) FROM members") == 0


async def test_mydata_exports_every_cog_and_forgetme_leaves_no_row_naming_the_member(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=["cogs.privacy", install_notes_module()], clock=clock) as (
        bot,
        chat,
    ):
        alice, bob = chat.user("alice"), chat.user("bob")
        for user, text in ((alice, "call my sponsor at noon"), (bob, "walk after dinner")):
            asked = await chat.say(user, "!optin notes")
            assert "encrypted" in asked[-1].text
            await chat.press(user, chat.find_choice(asked[-1], "I agree"))
            await chat.say(user, f"!note {text}")

        export = (await chat.say(alice, "!mydata"))[-1]
        assert export.private_to == alice
        data = json.loads(export.content.files[0].data)
        assert data["features"]["notes"] == {"notes": ["call my sponsor at noon"]}
        assert data["member"]["accounts"] == ["memory:alice-id"]
        assert [c["feature"] for c in data["member"]["consents"]] == ["notes"]
        assert "walk after dinner" not in export.content.files[0].data.decode()

        asked = await chat.say(alice, "!forgetme")
        await chat.press(alice, chat.find_choice(asked[-1], "Keep my data"))
        assert await bot.db.fetchval("SELECT count(*) FROM notes") == 2
        asked = await chat.say(alice, "!forgetme")
        done = await chat.press(alice, chat.find_choice(asked[-1], "Erase everything"))
        assert "erased" in done[-1].text

        dump = await all_text_in_database(bot)
        assert "alice-id" not in dump
        assert "bob-id" in dump  # bob is untouched
        assert await bot.db.fetchval("SELECT count(*) FROM notes") == 1
        assert await bot.db.fetchval("SELECT count(*) FROM members") == 1
        empty = json.loads((await chat.say(alice, "!mydata"))[-1].content.files[0].data)
        assert empty["member"] is None and empty["features"] == {}


async def test_notes_are_not_readable_in_the_database_file(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=["cogs.privacy", install_notes_module()], clock=clock) as (
        bot,
        chat,
    ):
        alice = chat.user("alice")
        asked = await chat.say(alice, "!optin notes")
        await chat.press(alice, chat.find_choice(asked[-1], "I agree"))
        await chat.say(alice, "!note my private plan")
        assert "my private plan" not in await all_text_in_database(bot)


async def test_optout_stops_and_can_erase_that_feature(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=["cogs.privacy", install_notes_module()], clock=clock) as (
        bot,
        chat,
    ):
        alice = chat.user("alice")
        asked = await chat.say(alice, "!optin notes")
        await chat.press(alice, chat.find_choice(asked[-1], "I agree"))
        await chat.say(alice, "!note one")
        left = await chat.say(alice, "!optout notes")
        await chat.press(alice, chat.find_choice(left[-1], "Erase it"))
        assert await bot.db.fetchval("SELECT count(*) FROM notes") == 0
        refused = await chat.say(alice, "!note two")
        assert "Type `!optin notes` to start" in refused[-1].text


async def test_numbered_answers_work_where_there_are_no_buttons(tmp_path, clock):
    chat = MemoryAdapter(platform="console", capabilities=Capabilities(buttons=False))
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", install_notes_module()], adapters=[chat], clock=clock
    ) as (bot, _):
        alice = chat.user("alice")
        await chat.dm(alice, "!optin notes")
        replies = await chat.dm(alice, "1")
        assert replies[-1].text == "Thank you, you're in."
        assert await bot.consent.has(await bot.members.lookup(alice), "notes")
