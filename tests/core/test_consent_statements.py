"""A consent names the statement agreed to by its hash; the statement's text is kept once."""

from __future__ import annotations

import hashlib

from bot.members import MIGRATIONS
from bot.storage import Database
from bot.testing import make_test_bot


async def test_consents_share_one_copy_of_the_statement_and_the_export_still_shows_it(tmp_path):
    async with make_test_bot(tmp_path, cogs=["cogs.privacy", "cogs.checkins"]) as (bot, chat):
        for name in ("ana", "ben", "cy"):
            await chat.say(chat.user(name), "!checkin start 20:00 Europe/London")
            await chat.press(chat.user(name), "consent:agree:checkins")
        assert await bot.db.fetchval("SELECT COUNT(*) FROM consents") == 3
        assert await bot.db.fetchval("SELECT COUNT(*) FROM consent_statements") == 1
        statement = bot.get_cog("checkins").consent_statement
        assert (
            await bot.db.fetchval("SELECT statement_sha256 FROM consents LIMIT 1")
            == hashlib.sha256(statement.encode()).hexdigest()
        )
        exported = await bot.members.export(await bot.members.lookup(chat.user("ben")))
        assert exported["consents"][0]["statement"] == statement


async def test_the_migration_moves_existing_statements_out_of_each_row(tmp_path):
    db = await Database(tmp_path / "old.db").open()
    await db.migrate("core.members", MIGRATIONS[:2])  # the schema before statements were kept once
    old_text, new_text = "Check-ins keep your answers. " * 40, "Check-ins keep your answers, reworded."
    rows = [
        (1, "checkins", old_text, "2026-01-01T10:00:00+00:00"),
        (2, "checkins", old_text, "2026-01-02T10:00:00+00:00"),
        (2, "mindfulness", new_text, "2026-01-03T10:00:00+00:00"),
    ]
    for member_id, feature, text, at in rows:
        await db.execute("INSERT OR IGNORE INTO members (id, created_at) VALUES (?, ?)", (member_id, at))
        await db.execute(
            "INSERT INTO consents (member_id, feature, statement, statement_sha256, agreed_at) "
            "VALUES (?,?,?,?,?)",
            (member_id, feature, text, hashlib.sha256(text.encode()).hexdigest(), at),
        )
    await db.migrate("core.members", MIGRATIONS)

    columns = [row[1] for row in await db.fetchall("PRAGMA table_info(consents)")]
    assert "statement" not in columns
    kept = {
        row["sha256"]: (row["text"], row["first_agreed_at"])
        for row in await db.fetchall("SELECT * FROM consent_statements")
    }
    assert kept == {
        hashlib.sha256(old_text.encode()).hexdigest(): (old_text, "2026-01-01T10:00:00+00:00"),
        hashlib.sha256(new_text.encode()).hexdigest(): (new_text, "2026-01-03T10:00:00+00:00"),
    }
    consents = await db.fetchall(
        "SELECT member_id, feature, agreed_at FROM consents ORDER BY member_id, feature"
    )
    assert [tuple(row) for row in consents] == [(m, f, at) for m, f, _text, at in rows]
    await db.execute("DELETE FROM members WHERE id = 2")  # erasure still takes the member's consents along
    assert await db.fetchval("SELECT COUNT(*) FROM consents") == 1
    await db.close()
