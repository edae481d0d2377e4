"""Curation through the real bot: add, edit, retire, search, import and export, mentions defused."""

from __future__ import annotations

import io
import json
from datetime import timedelta

from bot.adapters.console import ConsoleAdapter
from bot.model import FileAttachment, IncomingFile
from bot.testing import make_test_bot
from cogs.mindfulness.transfer import parse_import
from tests.mindfulness.conftest import COGS, texts


async def test_add_edit_retire_restore_and_search(mindful):
    bot, chat, mod, _ = mindful
    added = texts(
        await chat.say(
            mod,
            "!prompts add gratitude Morning light | Notice the first light you see "
            "today and stay with it for a breath. | What did you see? | 2",
        )
    )
    assert "Added `morning-light`" in added
    assert "Morning light" in texts(await chat.say(mod, "!prompts list first light"))
    await chat.say(mod, "!prompts edit morning-light follow_up What colour was it?")
    shown = texts(await chat.say(mod, "!prompts show morning-light"))
    assert "What colour was it?" in shown and "Minutes:** 2" in shown
    await chat.say(mod, "!prompts edit breathing-box title Square breathing")
    assert "Square breathing" in texts(await chat.say(mod, "!prompts show breathing-box"))
    await chat.say(mod, "!prompts retire breathing-box")
    listing = texts(await chat.say(mod, "!prompts list retired"))
    assert "`breathing-box`" in listing and "retired" in listing
    cog = bot.get_cog("mindfulness")
    assert "breathing-box" not in [p.id for p in await cog.store.active(1, ("breathing",))]
    await chat.say(mod, "!prompts restore breathing-box")
    assert "breathing-box" in [p.id for p in await cog.store.active(1, ("breathing",))]
    log = texts(await chat.say(mod, "!prompts log"))
    for action in (
        "added prompt morning-light",
        "edited prompt morning-light (follow_up)",
        "retired prompt breathing-box",
        "restored prompt breathing-box",
    ):
        assert action in log


async def test_bad_prompt_input_gets_a_kind_hint(mindful):
    bot, chat, mod, _ = mindful
    cases = {
        "!prompts add cooking Soup | Make a warm soup and notice the smell.": "not one I know",
        "!prompts add sleep Just a title": "Write the prompt as: Title | the prompt text",
        "!prompts add sleep Nap | short": "too short",
        "!prompts add sleep Nap | Lie down for a while and rest. | | lots": "minutes must be a number",
        "!prompts edit no-such-prompt title X": "There is no prompt `no-such-prompt`",
        "!prompts edit breathing-box colour blue": "field must be one of",
        "!prompts list knitting circles": "No prompt matches",
    }
    for line, hint in cases.items():
        assert hint in texts(await chat.say(mod, line)), line


async def test_bad_import_files_import_nothing_and_name_the_lines(mindful):
    bot, chat, mod, _ = mindful
    cog = bot.get_cog("mindfulness")
    before = dict(await cog.store.library(1))
    bad = (
        b'[[prompts]]\ntitle = "Fine one"\ncategory = "sleep"\ntext = "Rest your eyes for a while."\n\n'
        b'[[prompts]]\ntitle = "Broken"\ncategory = "naps"\ntext = "x"\n'
    )
    reply = texts(await chat.say(mod, "!prompts import", attachments=[FileAttachment("mine.toml", bad)]))
    assert "Nothing was imported" in reply
    assert "line 6: prompt 2 ('Broken'): category 'naps' is not one I know" in reply
    assert "`text` is too short" in reply
    syntax = texts(await chat.say(mod, '!prompts import {"prompts": [ {"title": "x",} ]}'))
    assert "Nothing was imported" in syntax and "not valid JSON" in syntax
    nothing = texts(await chat.say(mod, "!prompts import"))
    assert "Attach a .toml or .json file" in nothing
    assert await cog.store.library(1) == before


async def test_import_from_a_file_then_export_round_trips(mindful):
    bot, chat, mod, _ = mindful
    upload = json.dumps(
        {
            "prompts": [
                {
                    "id": "stretch-desk",
                    "title": "Desk stretch",
                    "category": "movement",
                    "text": "Stand, reach up, and roll your shoulders back five times.",
                    "duration": 1,
                },
                {
                    "id": "breathing-box",
                    "title": "Box breathing, our way",
                    "category": "breathing",
                    "text": "Breathe in for four, hold for four, out for four, rest for four.",
                },
            ]
        }
    ).encode()
    reply = texts(await chat.say(mod, "!prompts import", attachments=[FileAttachment("ours.json", upload)]))
    assert "Imported 2 prompts" in reply and "1 new, 1 updated" in reply
    exported = await chat.say(mod, "!prompts export json")
    file = exported[-1].content.files[0]
    assert file.filename == "prompts.json"
    result = parse_import(file.data, file.filename)
    assert result.ok and len(result.prompts) == 101
    assert {p.id: p.title for p in result.prompts}["breathing-box"] == "Box breathing, our way"
    pasted = (
        '```toml\n[[prompts]]\ntitle = "Pasted"\ncategory = "sleep"\ntext = "Rest is enough for today."\n```'
    )
    assert "Imported 1 prompt" in texts(await chat.say(mod, f"!prompts import {pasted}"))


async def test_an_attached_file_that_is_too_big_or_not_text_gets_a_kind_answer_and_is_not_downloaded(mindful):
    bot, chat, mod, _ = mindful
    cog = bot.get_cog("mindfulness")
    before = dict(await cog.store.library(1))
    downloads = []

    def described(filename: str, size: int, mime: str) -> IncomingFile:
        async def fetch() -> bytes:
            downloads.append(filename)
            return b"x" * size

        return IncomingFile(filename, size, mime, fetch)

    photo = texts(
        await chat.say(mod, "!prompts import", attachments=[described("beach.png", 90_000, "image/png")])
    )
    assert "`beach.png` is not a text file, so I can't read it" in photo
    assert (
        "Please send the prompts as a .toml or .json file" in photo
        and "or paste them after the command" in photo
    )
    huge = texts(
        await chat.say(
            mod,
            "!prompts import",
            attachments=[described("all.toml", 300 * 1024, "application/octet-stream")],
        )
    )
    assert "`all.toml` is 300 KB, more than I can read (256 KB)" in huge and "split it in two" in huge
    assert downloads == []  # refused from the description alone
    # A size the platform did not declare is checked once the bytes are in.
    undeclared = IncomingFile(
        "big.json", None, "application/json", described("big.json", 260 * 1024, "").fetch
    )
    assert "is 260 KB, more than I can read" in texts(
        await chat.say(mod, "!prompts import", attachments=[undeclared])
    )
    assert await cog.store.library(1) == before

    as_text = (
        b'[[prompts]]\ntitle = "Evening pause"\ncategory = "sleep"\ntext = "Sit for a moment before bed."\n'
    )
    reply = texts(
        await chat.say(
            mod, "!prompts import", attachments=[FileAttachment("notes.txt", as_text, "text/plain")]
        )
    )
    assert "Imported 1 prompt" in reply  # any text file will do; the content decides


HOSTILE = "Ping @everyone and @here, and <@&123> too | Breathe slowly, @everyone, then rest. | Hi @room?"


async def test_mentions_in_prompt_text_never_notify(mindful):
    bot, chat, mod, _ = mindful
    await chat.say(mod, f"!prompts add breathing {HOSTILE}")
    await chat.say(mod, "!prompts schedule add 9:00 breathing")
    await chat.say(mod, "!prompts pin ping-everyone-and-here-and-123-too")
    await chat.say(mod, "!prompts post")
    post = chat.in_place(chat.channel())[-1]
    assert post.content.mention_users == []
    assert "@everyone" not in post.text and "@here" not in post.text and "@room" not in post.text
    assert "@\u200beveryone" in post.text


async def test_console_moderator_done_means_and_mentions_defused(tmp_path, clock):
    """The issue's check: on the console, add 08:30 America/Chicago, preview, post now, see the log."""
    lines = [
        "!prompts schedule add every day at 08:30 America/Chicago",
        "!prompts next",
        "!prompts post",
        "!prompts log",
        f"!prompts add breathing {HOSTILE}",
        "!prompts pin ping-everyone-and-here-and-123-too",
        "!prompts post",
    ]
    stdout = io.StringIO()
    console = ConsoleAdapter(
        stdin=io.StringIO("\n".join(lines) + "\n"), stdout=stdout, files_dir=tmp_path / "files"
    )
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[console], clock=clock) as (bot, _):
        await console.run_forever()
    shown = stdout.getvalue()
    assert "Schedule #1 added" in shown and "every day at 08:30 America/Chicago" in shown
    # The community's zone (UTC here) for everyone, and the schedule's own zone, both named.
    assert "Next post:** Fri 27 Nov 2026, 14:30 UTC (08:30 CST in America/Chicago)" in shown
    assert "Next for schedule #1" in shown
    assert "Posted `" in shown
    assert "**operator** posted now" in shown
    assert "@everyone" not in shown.replace("@\u200beveryone", "")


async def test_the_moderators_log_keeps_a_year_even_if_nobody_opens_it(mindful, clock):
    bot, chat, mod, _ = mindful
    await chat.say(mod, "!prompts retire breathing-box")
    clock.set(clock.now() + timedelta(days=364))
    await bot.enforce_retention()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM mindfulness_log") == 1
    clock.set(clock.now() + timedelta(days=2))
    await bot.enforce_retention()  # the daily sweep, not a moderator reading the log, forgets it
    assert await bot.db.fetchval("SELECT COUNT(*) FROM mindfulness_log") == 0
    assert "retired prompt" not in texts(await chat.say(mod, "!prompts log"))
