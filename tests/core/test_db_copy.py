"""`kindred db copy` moves a community from its SQLite file to PostgreSQL, and every sealed value opens.

A community lives on SQLite (a safety plan, a check-in note: both sealed with the data key), the real
command copies it into an empty PostgreSQL database, and the bot started on PostgreSQL shows the member
the same data. `kindred db status` reads both engines.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys

from bot.core import RateLimiter
from bot.testing import FrozenClock, make_test_bot, settings_for_tests

COGS = ["cogs.privacy", "cogs.crisis", "cogs.checkins", "cogs.meetups", "cogs.mindfulness"]
PLAN = [
    "not sleeping, isolating",
    "walk the dog by the river",
    "skip",
    "my sister Rae",
    "my counselor",
    "give my meds to Rae",
    "my daughter",
]


def kindred(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


async def export_of(chat, user) -> dict:
    sent = await asyncio.wait_for(chat.say(user, "!mydata"), timeout=10)
    return json.loads(sent[-1].content.files[0].data)


async def test_a_community_moves_from_sqlite_to_postgresql_with_every_sealed_value_opening(
    tmp_path, postgres_server
):
    clock = FrozenClock()
    sqlite_settings = settings_for_tests(tmp_path)
    assert not sqlite_settings.storage.url  # this test's community starts on SQLite
    async with make_test_bot(tmp_path, cogs=COGS, settings=sqlite_settings, clock=clock) as (bot, chat):
        bot.rate_limiter = RateLimiter(limit=1000)
        nia = chat.user("nia")
        await chat.say(nia, "!safetyplan write")
        await chat.press(nia, "consent:agree:crisis")
        for answer in PLAN:
            await asyncio.wait_for(chat.answer(nia, answer), timeout=10)
        before = await export_of(chat, nia)
        sealed = await bot.db.fetchval("SELECT sealed FROM crisis_safety_plans WHERE section = 'reasons'")
    assert before["features"]["crisis"]["safety_plan"]["reasons"] == "my daughter"
    assert "daughter" not in sealed

    config = tmp_path / "kindred.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "kindred.db"}"\nkey_file = "{tmp_path / "kindred.key"}"\n'
    )
    destination = postgres_server.create_database("copied_community")
    copied = kindred(
        "db",
        "copy",
        "--config",
        str(config),
        "--from",
        str(tmp_path / "kindred.db"),
        "--to",
        destination,
        cwd=tmp_path,
    )
    assert copied.returncode == 0, copied.stderr
    assert "crisis_safety_plans" in copied.stdout and "sealed values open with the data key" in copied.stdout

    again = kindred(
        "db",
        "copy",
        "--config",
        str(config),
        "--from",
        str(tmp_path / "kindred.db"),
        "--to",
        destination,
        cwd=tmp_path,
    )
    assert again.returncode == 2 and "not empty" in again.stderr  # a second copy never mixes two communities

    for target in (str(tmp_path / "kindred.db"), destination):
        status = kindred("db", "status", "--config", str(config), "--db", target, cwd=tmp_path)
        assert status.returncode == 0, status.stderr
        assert "none pending: up to date" in status.stdout, status.stdout
    assert status.stdout.startswith("postgresql: ")

    postgres_settings = settings_for_tests(tmp_path)
    postgres_settings.storage.url = destination
    async with make_test_bot(tmp_path, cogs=COGS, settings=postgres_settings, clock=clock) as (bot, chat):
        assert bot.db.engine == "postgresql"
        nia = chat.user("nia")
        after = await export_of(chat, nia)
        assert after["features"]["crisis"] == before["features"]["crisis"]
        shown = await asyncio.wait_for(chat.say(nia, "!safetyplan"), timeout=10)
        assert "walk the dog by the river" in shown[-1].text
        # New rows get new ids past the copied ones.
        ola = chat.user("ola")
        await chat.say(ola, "!mycountry ireland")
        await chat.press(ola, "consent:agree:crisis")
        ids = [row[0] for row in await bot.db.fetchall("SELECT id FROM members ORDER BY id")]
        assert len(ids) == 2 and ids[1] > ids[0]


async def test_copy_refuses_a_missing_source_and_says_what_to_type(tmp_path):
    missing = kindred(
        "db",
        "copy",
        "--from",
        str(tmp_path / "nope.db"),
        "--to",
        "postgresql://x@127.0.0.1:1/x",
        cwd=tmp_path,
    )
    assert missing.returncode == 2 and "does not exist" in missing.stderr
    half = kindred("db", "copy", "--from", str(tmp_path / "nope.db"), cwd=tmp_path)
    assert half.returncode == 2 and "--from and --to" in half.stderr
