"""A bare number answers the question the member meant, or the bot asks which (issue 16, item 1)."""

from __future__ import annotations


async def carol_waitlisted_and_checking_in(console) -> None:
    """The walk from the issue: carol is on Coffee's waitlist and in the middle of a check-in."""
    await console.type("!meetup create Coffee, tomorrow 7pm, capacity 1", "1")
    await console.as_member("alice")
    await console.type("!meetup rsvp going Coffee", "1")
    await console.as_member("carol")
    await console.type("!meetup rsvp going Coffee", "1", "!checkin start 20:00 Europe/London", "1")
    assert "How is your mood today?" in await console.type("!checkin now")
    await console.as_member("alice")
    seat = await console.type("!meetup rsvp cant Coffee")
    assert "a seat opened up and you're now going to **Coffee**" in seat
    await console.as_member("carol")


async def test_carols_one_for_her_mood_keeps_her_seat_and_she_is_asked_which(console):
    await carol_waitlisted_and_checking_in(console)

    asked = await console.type("1")
    assert "which one is your **1** for?" in asked
    assert "Your mood today: 1" in asked and "Your seat at Coffee: Can't go" in asked
    assert "can't make" not in asked

    answered = await console.type("1")  # "the first: my mood"
    assert "How strong are cravings today?" in answered
    seat = await console.type("!meetup show Coffee")
    assert "**Your answer:** going" in seat
    status = await console.type("!checkin history")
    assert "mood 1/5" in status


async def test_naming_the_seat_gives_it_up_and_neither_leaves_both_open(console):
    await carol_waitlisted_and_checking_in(console)

    asked = await console.type("1")
    assert "**3** Neither: leave them open" in asked
    assert "left them open" in await console.type("3")
    assert "Coffee**: " in (listed := await console.type("!meetups")) and "full" in listed

    await console.type("1")
    gave_up = await console.type("2")  # "the seat"
    assert "can't make **Coffee**" in gave_up
    assert "1 seat left" in await console.type("!meetups")


async def test_an_answer_only_one_question_takes_goes_straight_through(console):
    await carol_waitlisted_and_checking_in(console)

    # Only the mood question has a 4; only the seat notice has the words "can't go".
    assert "How strong are cravings today?" in await console.type("4")
    assert "can't make **Coffee**" in await console.type("can't go")


async def test_the_next_step_of_a_check_in_replaces_the_one_answered(console):
    await console.type("!checkin start 20:00 Europe/London", "1")  # "You're in ... 1 Check in now"
    await console.type("!checkin now")
    # The "Check in now" button is behind the mood question now: 1 is the mood, nothing is asked.
    assert "How strong are cravings today?" in await console.type("1")


async def test_a_command_starts_afresh_and_older_questions_are_confirmed_first(console):
    await console.type("!checkin start 20:00 UTC", "1")  # "You're in ... 1 Check in now" stays on screen
    asked = await console.type("!forgetme")
    assert "Erase everything?" in asked
    assert "Nothing was erased." in await console.type("2")  # for the question just asked, not the offer
    # The offer from before the command is not taken on a bare number without checking.
    checked = await console.type("1")
    assert "is your **1** for this?" in checked and "You're in: Check in now" in checked
    assert "How is your mood today?" in await console.type("1")
