"""The issue's "done means", typed into the real console adapter line by line."""

from __future__ import annotations

import io

from icalendar import Calendar

from bot.adapters.console import ConsoleAdapter
from bot.testing import make_test_bot


async def test_alumni_coffee_on_the_console(tmp_path, clock, london):
    out = io.StringIO()
    console = ConsoleAdapter(stdin=io.StringIO(), stdout=out, files_dir=tmp_path / "files")
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.meetups"], adapters=[console], settings=london, clock=clock
    ) as (bot, _):
        bot.get_cog("meetups").service.refresh_interval = 0

        async def type_lines(*lines: str) -> str:
            start = out.tell()
            for line in lines:
                await console.handle_line(line)
            return out.getvalue()[start:]

        review = await type_lines("!meetup create Alumni coffee, every Thursday 6pm, capacity 10")
        assert "Thursday 3 December 2026 at 18:00 (Europe/London), then every Thursday" in review
        saved = await type_lines("1")
        assert (
            "Alumni coffee" in saved
            and "Thu 03 Dec 2026, 18:00 GMT" in saved
            and "10 of 10 seats left" in saved
        )

        for i in range(10):
            answered = await type_lines(f":as alum{i}", "1", "1")  # Going, then I agree to what is kept
            assert "You're going to **Alumni coffee**" in answered
        eleventh = await type_lines(":as alum10", "1", "1")
        assert "waitlist (number 1)" in eleventh and "Full (10 going), 1 on the waitlist" in eleventh

        dropped = await type_lines(":as alum3", "!meetup rsvp cant Alumni coffee")
        assert "[private to alum10] Good news: a seat opened up" in dropped

        calendar = await type_lines(":as alum10", "!meetup ics Alumni coffee")
        (saved_file,) = (tmp_path / "files").rglob("*.ics")
        assert str(saved_file) in calendar
        (event,) = Calendar.from_ical(saved_file.read_bytes()).walk("VEVENT")
        assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TH"
        assert event.start.strftime("%Y-%m-%d %H:%M %Z") == "2026-12-03 18:00 GMT"
