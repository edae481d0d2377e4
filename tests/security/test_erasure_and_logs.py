"""Erasure reaches the raw database and WAL files; logs never carry what members wrote.

On PostgreSQL "raw" is every row of every table (what a dump or a replica carries): the server's own
files are its to reuse, and docs/deployment.md says what that means for erasure there."""

import json
import logging

from bot.logs import JsonFormatter
from bot.storage import Database
from bot.testing import database_for_tests, make_test_bot, stored_bytes
from tests.core.test_privacy import install_notes_module

PLANTED_NOTE = "PLANTED-note-about-my-sponsor-7431"
PLANTED_CHAT = "PLANTED-chat-i-feel-shaky-tonight-5520"


async def raw_bytes(tmp_path) -> bytes:
    """What the database holds: SQLite's files as they are on disk; PostgreSQL's rows, read through a
    connection of its own (as another process would)."""
    db = Database(database_for_tests(tmp_path))
    if db.engine == "sqlite":
        return await stored_bytes(db)  # the files alone: no connection, which would checkpoint on closing
    await db.open()
    try:
        return await stored_bytes(db)
    finally:
        await db.close()


async def test_forgetme_leaves_no_trace_in_the_raw_database_or_wal(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=["cogs.privacy", install_notes_module()], clock=clock) as (
        bot,
        chat,
    ):
        alice = chat.user("alice-unique-7f3a")
        asked = await chat.say(alice, "!optin notes")
        await chat.press(alice, chat.find_choice(asked[-1], "I agree"))
        await chat.say(alice, f"!note {PLANTED_NOTE}")
        sealed = await bot.db.fetchval("SELECT body FROM notes")
        assert b"alice-unique-7f3a" in await raw_bytes(tmp_path)  # the check can see it while it exists

        asked = await chat.say(alice, "!forgetme")
        await chat.press(alice, chat.find_choice(asked[-1], "Erase everything"))
        raw = await raw_bytes(tmp_path)  # read while the bot is still running
        assert b"alice-unique-7f3a" not in raw
        assert sealed.encode() not in raw
        assert PLANTED_NOTE.encode() not in raw
    raw = await raw_bytes(tmp_path)
    assert b"alice-unique-7f3a" not in raw and sealed.encode() not in raw


async def test_logs_of_a_full_run_hold_no_member_text(tmp_path, clock, caplog):
    caplog.set_level(logging.DEBUG)
    async with make_test_bot(tmp_path, cogs=["cogs.privacy", install_notes_module()], clock=clock) as (
        bot,
        chat,
    ):
        alice = chat.user("alice")
        await chat.say(alice, PLANTED_CHAT)
        asked = await chat.say(alice, "!optin notes")
        await chat.press(alice, chat.find_choice(asked[-1], "I agree"))
        await chat.say(alice, f"!note {PLANTED_NOTE}")
        await chat.say(alice, f"!nonsense {PLANTED_CHAT}")
        await chat.say(alice, "!mydata")
        asked = await chat.say(alice, "!forgetme")
        await chat.press(alice, chat.find_choice(asked[-1], "Erase everything"))
    formatter = JsonFormatter()
    logged = "\n".join(formatter.format(record) for record in caplog.records)
    assert "command" in logged  # the run was logged
    assert PLANTED_NOTE not in logged
    assert PLANTED_CHAT not in logged
    assert all(json.loads(line) for line in logged.splitlines() if line.startswith("{"))
