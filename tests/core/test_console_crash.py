"""Exactly once on the console, with real processes (issue 18). A terminal keeps no record of what it
showed, so the console's guarantee is the ledger's: a message is marked sent right after it is
printed, and a re-run after a crash prints only what was not marked. The process is a real `kindred
run` (no Discord or Matrix in its config: the console), its stdout a pipe the test fills so that a
print blocks exactly where the test wants the kill: before the first message is shown, or after it
was shown (and marked) while the next one waits. One window is left, and documented
(docs/architecture.md): a kill in the instant between a print and its mark shows that message again.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import shutil
from datetime import timedelta
from pathlib import Path

import pytest

from tests.crash.harness import (
    SETTLE_SECONDS,
    T0,
    BotProcess,
    prepare,
    raise_alert_due_at,
    read,
    settled,
    until,
)

PIPE_SIZE = 4096  # one page: a print of under a page either fits whole or waits (F_SETPIPE_SZ)
F_SETPIPE_SZ = 1031
TITLE = "Still unacknowledged (1x)"


def write_config(folder: Path) -> Path:
    (folder / "data").mkdir(parents=True)
    config = folder / "kindred.toml"
    config.write_text(f'[storage]\npath = "{folder / "data" / "kindred.db"}"\n')
    return config


async def run_to_the_end(bot: BotProcess, clock_start, output: Path) -> str:
    """A console run with nothing typed: it starts (catching up), then reads end of input and stops."""
    with output.open("wb") as out:
        await bot.start(clock_start, stdout=out, wait_started=False)
        await asyncio.wait_for(bot.process.wait(), SETTLE_SECONDS)
    assert bot.process.returncode == 0, bot.log()[-3000:]
    return output.read_text()


@pytest.mark.parametrize("shown_before_the_kill", [0, 1], ids=["before-the-first", "after-the-first"])
async def test_a_reminder_killed_while_printing_is_shown_once_per_person(tmp_path, shown_before_the_kill):
    """The re-alert goes to the console's room and to the operator privately: two messages, one print each."""
    config = write_config(tmp_path / "bot")
    await prepare(
        config, lambda bot: raise_alert_due_at(bot, {"platform": "console", "place_id": "console"}, T0)
    )

    # How long one print is: the same run, on a copy, to the end (each of the two is one message).
    shutil.copytree(tmp_path / "bot", tmp_path / "copy")
    copy_config = tmp_path / "copy" / "kindred.toml"
    copy_config.write_text(config.read_text().replace(str(tmp_path / "bot"), str(tmp_path / "copy")))
    dry = await run_to_the_end(BotProcess(copy_config, tmp_path / "copy"), T0, tmp_path / "dry.txt")
    assert dry.count(TITLE) == 2
    one = len(dry.encode()) // 2
    assert dry.encode()[:one] == dry.encode()[one:] and one < PIPE_SIZE // 2

    # The real run: its stdout a one-page pipe with room for exactly that many whole prints.
    reading, writing = os.pipe()
    fcntl.fcntl(writing, F_SETPIPE_SZ, PIPE_SIZE)
    room = one * shown_before_the_kill + one // 2
    os.write(writing, b"." * (PIPE_SIZE - room))
    bot = BotProcess(config, tmp_path / "bot")
    try:
        await bot.start(T0, stdout=writing, wait_started=False)
        # Its row is written just before its print, which the full pipe then holds: nothing moves on.
        await until(
            lambda: outbox_rows(config) == shown_before_the_kill + 1,
            "the print the test blocks",
            SETTLE_SECONDS,
        )
        await bot.kill()
        os.set_blocking(reading, False)
        shown = os.read(reading, PIPE_SIZE * 2).decode().lstrip(".")
    finally:
        os.close(reading)
        os.close(writing)
    assert shown.count(TITLE) == shown_before_the_kill

    after = await run_to_the_end(bot, T0 + timedelta(seconds=30), tmp_path / "after.txt")
    assert (shown + after).count(TITLE) == 2  # once in the room, once to the operator
    assert settled(config.parent / "data" / "kindred.db")


def outbox_rows(config: Path) -> int:
    """Outbox rows written so far: the message being printed is the last."""
    database = config.parent / "data" / "kindred.db"
    if not database.exists():
        return 0
    try:
        return read(database, "SELECT COUNT(*) FROM outbox")[0][0]
    except Exception:  # (the bot is still creating its tables)
        return 0
