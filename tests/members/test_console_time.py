"""The console moves time to try what is scheduled, through the production scheduler (issue 16, item 9).
The console's clock starts on Friday 4 December 2026, 12:00 UTC."""

from __future__ import annotations


async def test_a_moderator_sees_tonights_check_in_and_tomorrows_reminder_without_waiting(console):
    await console.type("!meetup create Coffee, tomorrow 7pm", "1", "!meetup rsvp going Coffee", "1")
    await console.as_member("carol")
    await console.type("!checkin start 20:00 UTC", "1")

    tonight = await console.type(":wait 9h")
    assert (
        "[Fri 04 Dec 19:00] [private to operator] A reminder: you're going to **Coffee** tomorrow" in tonight
    )
    assert "[Fri 04 Dec 20:00] **Your daily check-in**" in tonight
    assert tonight.index("Fri 04 Dec 19:00") < tonight.index("Fri 04 Dec 20:00")  # in the order they fell due
    assert tonight.rstrip().endswith("(it is now Fri 04 Dec 2026, 21:00 UTC)")
    assert "How strong are cravings today?" in await console.type("3")  # answered as members answer

    tomorrow = await console.type(":at 2026-12-05 20:30")
    assert (
        "[Sat 05 Dec 18:00] [private to operator] A reminder: you're going to **Coffee** in 1 hour"
        in tomorrow
    )
    assert "This meetup has started." in tomorrow
    assert "[Sat 05 Dec 20:00] **Your daily check-in**" in tomorrow
    assert console.bot.clock.now().isoformat() == "2026-12-05T20:30:00+00:00"


async def test_what_fell_due_runs_once_and_the_clock_only_moves_forward(console):
    await console.type("!checkin start 20:00 UTC", "1", ":wait 9h")
    assert "Your daily check-in" not in await console.type(":wait 1m")
    assert "only moves forward" in await console.type(":at 2026-12-04 10:00")
    assert "can't read '2x' as a length of time. Type `:wait 3h`" in await console.type(":wait 2x")
    assert "two weeks at a time" in await console.type(":wait 30d")
    assert console.bot.clock.now().isoformat() == "2026-12-04T21:01:00+00:00"
