"""The issue's "done means", typed into the real console adapter: opt in, check in, history, erase."""

from __future__ import annotations

import io
from datetime import UTC, datetime

from bot.adapters.console import ConsoleAdapter
from bot.testing import make_test_bot
from tests.checkins.conftest import COGS


async def test_a_participant_on_the_console(tmp_path, clock):
    out = io.StringIO()
    console = ConsoleAdapter(stdin=io.StringIO(), stdout=out, files_dir=tmp_path / "files")
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[console], clock=clock) as (bot, _):

        async def type_lines(*lines: str) -> str:
            start = out.tell()
            for line in lines:
                await console.handle_line(line)
            return out.getvalue()[start:]

        consent = await type_lines(":as robin", "!checkin start 20:00 Europe/London")
        assert "What I keep" in consent and "**1** I agree" in consent
        joined = await type_lines("1")
        assert "You're in. I'll check in privately every day at 20:00 (Europe/London)" in joined
        assert "Fri 27 Nov 2026, 20:00" in joined  # the console names the time in the community's zone

        clock.set(datetime(2026, 11, 27, 20, 0, tzinfo=UTC))
        await bot.get_cog("checkins").sweep()
        mood = out.getvalue()
        assert "**Your daily check-in**" in mood and "**1** 1   **2** 2" in mood
        craving = await type_lines("4")
        assert "Type a number from 0 to 10" in craving  # no buttons here: 11 answers are typed
        on_track = await type_lines("3")
        assert "**1** Yes   **2** Struggling   **3** Had a slip" in on_track
        intention = await type_lines("1")
        assert "An intention for today?" in intention
        note = await type_lines("Walk after dinner")
        assert "A private note" in note
        done = await type_lines("Quiet, steady day")
        assert "Thank you for checking in" in done

        history = await type_lines("!checkin history")
        assert "1 check-in in the last 30 days" in history and "mood 4/5" in history
        assert "note: Quiet, steady day" in history
        (chart,) = (tmp_path / "files").rglob("*checkin-history.png")
        assert chart.read_bytes().startswith(b"\x89PNG\r\n\x1a\n") and str(chart) in history

        erased = await type_lines("!forgetme", "1")
        assert "Everything Kindred held about you is erased" in erased
        assert await bot.db.fetchval("SELECT COUNT(*) FROM checkin_entries") == 0
        assert await bot.db.fetchval("SELECT COUNT(*) FROM checkin_members") == 0
        assert "Type `!checkin start` to start" in await type_lines("!checkin history")
