"""Linked accounts export and erase together; keys rotate without losing a word."""

import json

from bot.cog import SealedColumn
from bot.model import UserRef
from bot.testing import MemoryAdapter, make_test_bot
from bot.vault import decode_key, generate_key
from tests.core.test_privacy import NotesCog, install_notes_module


async def join_notes(chat, user, text):
    asked = await chat.say(user, "!optin notes")
    await chat.press(user, chat.find_choice(asked[-1], "I agree"))
    await chat.say(user, f"!note {text}")


async def test_accounts_link_with_a_one_time_code_and_are_erased_together(tmp_path, clock):
    discord, matrix = MemoryAdapter("discord"), MemoryAdapter("matrix")
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", install_notes_module()], adapters=[discord, matrix], clock=clock
    ) as (bot, _):
        on_discord, on_matrix = discord.user("sam"), matrix.user("sam")
        await join_notes(discord, on_discord, "written on discord")

        code_message = (await discord.say(on_discord, "!link"))[-1]
        assert code_message.private_to == on_discord
        code = code_message.text.split("**")[1]
        assert code not in json.dumps([dict(r) for r in await bot.db.fetchall("SELECT * FROM link_codes")])

        wrong = await matrix.say(on_matrix, "!link AAAA-BBBB-CCCC")
        assert "not valid" in wrong[-1].text
        linked = await matrix.say(on_matrix, f"!link {code}")
        assert "Linked" in linked[-1].text
        assert "not valid" in (await matrix.say(on_matrix, f"!link {code}"))[-1].text  # used once only

        export = json.loads((await matrix.say(on_matrix, "!mydata"))[-1].content.files[0].data)
        assert export["features"]["notes"] == {"notes": ["written on discord"]}
        assert sorted(export["member"]["accounts"]) == ["discord:sam-id", "matrix:sam-id"]

        asked = await matrix.say(on_matrix, "!forgetme")
        await matrix.press(on_matrix, matrix.find_choice(asked[-1], "Erase everything"))
        assert await bot.members.lookup(on_discord) is None
        assert await bot.db.fetchval("SELECT count(*) FROM notes") == 0


async def test_an_expired_code_does_not_link_and_unlink_separates(tmp_path, clock):
    discord, matrix = MemoryAdapter("discord"), MemoryAdapter("matrix")
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", install_notes_module()], adapters=[discord, matrix], clock=clock
    ) as (bot, _):
        on_discord, on_matrix = discord.user("sam"), matrix.user("sam")
        await join_notes(discord, on_discord, "hello")
        code = (await discord.say(on_discord, "!link"))[-1].text.split("**")[1]
        clock.advance(minutes=11)
        assert "expired" in (await matrix.say(on_matrix, f"!link {code}"))[-1].text
        code = (await discord.say(on_discord, "!link"))[-1].text.split("**")[1]
        await matrix.say(on_matrix, f"!link {code}")
        assert await bot.members.lookup(on_matrix) == await bot.members.lookup(on_discord)
        assert "Unlinked" in (await matrix.say(on_matrix, "!unlink"))[-1].text
        assert await bot.members.lookup(on_matrix) is None
        assert await bot.members.lookup(on_discord) is not None


async def test_an_account_with_its_own_data_is_not_silently_merged(tmp_path, clock):
    discord, matrix = MemoryAdapter("discord"), MemoryAdapter("matrix")
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", install_notes_module()], adapters=[discord, matrix], clock=clock
    ) as (bot, _):
        on_discord, on_matrix = discord.user("sam"), matrix.user("sam")
        await join_notes(discord, on_discord, "one")
        await join_notes(matrix, on_matrix, "two")
        code = (await discord.say(on_discord, "!link"))[-1].text.split("**")[1]
        refused = await matrix.say(on_matrix, f"!link {code}")
        assert "already has its own Kindred data" in refused[-1].text
        assert await bot.members.lookup(on_matrix) != await bot.members.lookup(on_discord)


async def test_key_rotation_re_encrypts_every_sealed_value(tmp_path, clock):
    NotesCog.sealed_columns = [SealedColumn("notes", "body", "notes")]
    try:
        async with make_test_bot(tmp_path, cogs=["cogs.privacy", install_notes_module()], clock=clock) as (
            bot,
            chat,
        ):
            alice = chat.user("alice")
            await join_notes(chat, alice, "first")
            await chat.say(alice, "!note second")
            before = [r[0] for r in await bot.db.fetchall("SELECT body FROM notes")]
            new_key = decode_key(generate_key())
            assert await bot.rotate_key(new_key) == 2
            after = [r[0] for r in await bot.db.fetchall("SELECT body FROM notes")]
            assert set(before).isdisjoint(after)
            export = json.loads((await chat.say(alice, "!mydata"))[-1].content.files[0].data)
            assert export["features"]["notes"]["notes"] == ["first", "second"]
    finally:
        NotesCog.sealed_columns = []


def test_user_refs_compare_by_platform_and_id_only():
    assert UserRef("discord", "1", "Sam") == UserRef("discord", "1", "")
    assert UserRef("discord", "1") != UserRef("matrix", "1")


async def test_every_cogs_declared_sealed_columns_exist_and_rotate(tmp_path, clock):
    from bot.core import DEFAULT_COGS

    async with make_test_bot(tmp_path, cogs=DEFAULT_COGS, clock=clock) as (bot, _):
        declared = [s for cog in bot.cogs.values() for s in cog.sealed_columns]
        assert {s.table for s in declared} >= {
            "checkin_texts",
            "crisis_safety_plans",
            "mindfulness_suggestions",
            "meetup_rsvps",
        }
        member = await bot.members.ensure(UserRef("memory", "x-id"))
        await bot.db.execute(
            "INSERT INTO crisis_safety_plans (member_id, section, sealed, updated_at) VALUES (?,?,?,?)",
            (
                member,
                "reasons",
                bot.vault.seal("my dog", f"crisis.safetyplan:{member}:reasons"),
                "2026-01-01",
            ),
        )
        assert await bot.rotate_key(decode_key(generate_key())) == 1
        token = await bot.db.fetchval("SELECT sealed FROM crisis_safety_plans")
        assert bot.vault.open(token, f"crisis.safetyplan:{member}:reasons") == "my dog"


async def test_the_rotate_command_keeps_the_new_key_on_disk_and_the_old_beside_it(
    tmp_path, clock, monkeypatch
):
    from bot import cli
    from bot.core import DEFAULT_COGS
    from bot.testing import settings_for_tests

    monkeypatch.delenv("KINDRED_DATA_KEY", raising=False)
    settings = settings_for_tests(tmp_path)
    async with make_test_bot(tmp_path, cogs=DEFAULT_COGS, settings=settings, clock=clock) as (bot, _):
        member = await bot.members.ensure(UserRef("memory", "x-id"))
        await bot.db.execute(
            "INSERT INTO crisis_safety_plans (member_id, section, sealed, updated_at) VALUES (?,?,?,?)",
            (
                member,
                "reasons",
                bot.vault.seal("my dog", f"crisis.safetyplan:{member}:reasons"),
                "2026-01-01",
            ),
        )
    old_key = settings.key_path.read_text()
    assert await cli.rotate_key(settings) == 0
    assert settings.key_path.with_suffix(".key.old").read_text() == old_key
    assert settings.key_path.read_text() != old_key and not settings.key_path.with_suffix(".key.new").exists()
    async with make_test_bot(tmp_path, cogs=DEFAULT_COGS, settings=settings, clock=clock) as (bot, _):
        token = await bot.db.fetchval("SELECT sealed FROM crisis_safety_plans")
        assert bot.vault.open(token, f"crisis.safetyplan:{member}:reasons") == "my dog"
