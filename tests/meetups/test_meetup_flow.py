"""The organiser's and members' story: create, announce, RSVP, waitlist, cut-off, privacy, calendars."""

from __future__ import annotations

import asyncio

from icalendar import Calendar


async def test_alumni_coffee_story(meetup_bot, steps):
    """Done means: every Thursday 6pm, capacity 10, the eleventh waits and is promoted, the .ics imports."""
    bot, chat, _ = meetup_bot
    organiser = chat.user("olga", moderator=True)
    await chat.say(organiser, "!meetup channel here")
    review, post, _ = await steps.create(chat, organiser, "Alumni coffee, every Thursday 6pm, capacity 10")
    shown = review.text
    assert "Thursday 3 December 2026 at 18:00 (Europe/London)" in shown and "every Thursday" in shown
    assert "10" in shown
    assert post is not None and post.place == chat.channel()
    assert "<t:1796320800:F>" in post.text  # 18:00 GMT on 3 Dec 2026, for each viewer's own clock
    assert "10 of 10 seats left" in post.text

    members = [chat.user(f"m{i}") for i in range(11)]
    for member in members[:10]:
        replies = await steps.rsvp(chat, member, post)
        assert "You're going to **Alumni coffee**" in replies[-1].text
    eleventh = await steps.rsvp(chat, members[10], post)
    assert "waitlist (number 1)" in eleventh[-1].text
    assert "Full (10 going), 1 on the waitlist" in post.text  # the post was edited in place
    assert not any(m.name in post.text for m in members)  # names stay private by default

    await steps.rsvp(chat, members[3], post, "Can't go")
    promoted = chat.to(members[10])[-1]
    assert "a seat opened up" in promoted.text and "Alumni coffee" in promoted.text
    assert "Full (10 going): answer Going to join the waitlist" in post.text

    calendar_reply = (await chat.say(members[0], "!meetup ics Alumni coffee"))[-1]
    assert calendar_reply.private_to == members[0]
    (attachment,) = calendar_reply.content.files
    assert attachment.filename.endswith(".ics") and attachment.mime_type == "text/calendar"
    (event,) = Calendar.from_ical(attachment.data).walk("VEVENT")
    assert event["SUMMARY"] == "Alumni coffee"
    assert event.start.strftime("%Y-%m-%d %H:%M %Z") == "2026-12-03 18:00 GMT"
    assert event["RRULE"].to_ical() == b"FREQ=WEEKLY;BYDAY=TH"


async def test_bad_times_are_refused_kindly_and_nothing_is_saved(meetup_bot):
    bot, chat, _ = meetup_bot
    organiser = chat.user("olga", moderator=True)
    past = (await chat.say(organiser, "!meetup create Coffee, 2025-01-01 19:00"))[-1]
    assert "already passed" in past.text and "`" in past.text
    ambiguous = (await chat.say(organiser, "!meetup create Coffee, tomorrow at 7"))[-1]
    assert "morning or the evening" in ambiguous.text
    missing = (await chat.say(organiser, "!meetup create Coffee"))[-1]
    assert "When does it start?" in missing.text
    member = chat.user("mo")
    refused = (await chat.say(member, "!meetup create Coffee, tomorrow 7pm"))[-1]
    assert "Only organisers and moderators" in refused.text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meetups") == 0


async def test_a_named_organiser_can_plan_and_the_draft_can_be_dropped(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    moderator, sam = chat.user("olga", moderator=True), chat.user("sam")
    await chat.say(moderator, "!meetup organiser add sam")
    review = (await chat.say(sam, "!meetup create Walk, next saturday 10am, Riverside park, 2h"))[-1]
    assert "Saturday 28 November 2026 at 10:00" in review.text and "Riverside park" in review.text
    dropped = await chat.press(sam, chat.find_choice(review, "Cancel"))
    assert "nothing was changed" in dropped[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meetups") == 0
    _, post, _ = await steps.create(
        chat, sam, "Walk, next saturday 10am, Riverside park, 2h", place=chat.channel()
    )
    assert post is not None and "Riverside park" in post.text  # announced where it was created


async def test_concurrent_rsvps_never_overbook_and_keep_the_waitlist_order(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser = chat.user("olga", moderator=True)
    await chat.say(organiser, "!meetup channel here")
    _, post, _ = await steps.create(chat, organiser, "Tiny circle, tomorrow 7pm, capacity 3")
    members = [chat.user(f"p{i}") for i in range(25)]
    for member in members:  # everyone has opted in before the rush
        await bot.consent.record(member, "meetups", "test")
    going_id = chat.find_choice(post, "Going")
    await asyncio.wait_for(asyncio.gather(*(chat.press(m, going_id, place=post.place) for m in members)), 30)
    rows = await bot.db.fetchall("SELECT member_id, answer, position FROM meetup_rsvps ORDER BY position")
    assert len(rows) == 25 and len({r["member_id"] for r in rows}) == 25
    assert [r["answer"] for r in rows] == ["going"] * 3 + ["waitlist"] * 22
    waitlist = [r["member_id"] for r in rows if r["answer"] == "waitlist"]
    # Three drop out at once; exactly three are promoted, in arrival order.
    leaving = [m for m in members if await bot.members.lookup(m) in {r["member_id"] for r in rows[:3]}]
    cant_id = chat.find_choice(post, "Can't go")
    await asyncio.wait_for(asyncio.gather(*(chat.press(m, cant_id, place=post.place) for m in leaving)), 30)
    going = await bot.db.fetchall(
        "SELECT member_id FROM meetup_rsvps WHERE answer = 'going' ORDER BY position"
    )
    assert sorted(r["member_id"] for r in going) == sorted(waitlist[:3])
    assert "Full (3 going), 19 on the waitlist" in post.text


async def test_cutoff_closes_rsvps_but_not_dropping_out(meetup_bot, steps, clock):
    bot, chat, _ = meetup_bot
    organiser = chat.user("olga", moderator=True)
    await chat.say(organiser, "!meetup channel here")
    _, post, _ = await steps.create(
        chat, organiser, "Dinner, tomorrow 7pm, rsvp closes 3h before, capacity 2"
    )
    assert "RSVPs close" in post.text
    early, late = chat.user("early"), chat.user("late")
    await steps.rsvp(chat, early, post)
    clock.advance(hours=29)  # Saturday 17:00 London: two hours before, after the cut-off
    refused = await steps.rsvp(chat, late, post)
    assert "are closed" in refused[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meetup_rsvps") == 1
    assert await bot.members.lookup(late) is None  # nothing stored about someone who could not answer
    dropped = await steps.rsvp(chat, early, post, "Can't go")
    assert "can't make" in dropped[-1].text


async def test_attendee_names_are_for_organisers_unless_the_community_opts_in(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana, ben = chat.user("olga", moderator=True), chat.user("ana"), chat.user("ben")
    await chat.say(organiser, "!meetup channel here")
    _, post, _ = await steps.create(chat, organiser, "Circle, tomorrow 7pm")
    await steps.rsvp(chat, ana, post)
    hidden = (await chat.say(ben, "!meetup attendees Circle"))[-1]
    assert "Only organisers and moderators" in hidden.text and "ana" not in hidden.text
    listed = (await chat.say(organiser, "!meetup attendees Circle"))[-1]
    assert listed.private_to == organiser and "ana" in listed.text and "Going (1/12)" in listed.text
    await chat.say(organiser, "!meetup names public")
    assert "ana" in (await chat.say(ben, "!meetup attendees Circle"))[-1].text


async def test_listing_show_and_member_calendar(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
    await chat.say(organiser, "!meetup channel here")
    _, coffee, _ = await steps.create(chat, organiser, "Alumni coffee, every Thursday 6pm, capacity 10")
    await steps.create(chat, organiser, "Walk, next saturday 10am")
    listing = (await chat.say(ana, "!meetups"))[-1]
    assert listing.text.index("Walk") < listing.text.index("Alumni coffee")
    assert "10 seats left" in listing.text
    shown = (await chat.say(ana, "!meetup show coffee"))[-1]
    assert shown.private_to == ana and [c.label for c in shown.content.choices] == [
        "Going",
        "Maybe",
        "Can't go",
    ]
    nothing = (await chat.say(ana, "!meetups ics"))[-1]
    assert "haven't said you're going" in nothing.text
    await steps.rsvp(chat, ana, coffee)
    assert "**Your answer:** going" in (await chat.say(ana, "!meetup show coffee"))[-1].text
    mine = (await chat.say(ana, "!meetups ics"))[-1]
    (event,) = Calendar.from_ical(mine.content.files[0].data).walk("VEVENT")
    assert event["SUMMARY"] == "Alumni coffee" and event.start.hour == 18
    unknown = (await chat.say(ana, "!meetup show knitting"))[-1]
    assert "can't find a meetup" in unknown.text and "!meetups" in unknown.text


async def test_text_rsvp_and_reminder_preferences(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
    await steps.create(chat, organiser, "Circle, tomorrow 7pm", place=chat.channel())
    asked = (await chat.say(ana, "!meetup rsvp going Circle"))[-1]
    assert asked.content.title == "Before we start" and "Who can see it" in asked.text
    done = await chat.press(ana, chat.find_choice(asked, "I agree"))
    assert "You're going to **Circle**" in done[-1].text
    assert "off" in (await chat.say(ana, "!meetup reminders off"))[-1].text
    assert await bot.db.fetchval("SELECT reminders FROM meetup_prefs") == 0


async def test_a_burst_of_answers_is_shown_with_few_edits_and_ends_correct(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    bot.get_cog("meetups").service.refresh_interval = 0.2
    organiser = chat.user("olga", moderator=True)
    await chat.say(organiser, "!meetup channel here")
    _, post, _ = await steps.create(chat, organiser, "Circle, tomorrow 7pm, capacity 3")
    members = [chat.user(f"b{i}") for i in range(8)]
    for member in members:
        await bot.consent.record(member, "meetups", "test")
    going = chat.find_choice(post, "Going")
    await asyncio.wait_for(asyncio.gather(*(chat.press(m, going, place=post.place) for m in members)), 10)
    assert len(post.edits) <= 2  # not one edit per answer: platforms rate-limit edits

    for _ in range(100):  # up to 5 s for the trailing edit, which shows the whole burst
        if "Full (3 going), 5 on the waitlist" in post.text:
            break
        await asyncio.sleep(0.05)
    assert "Full (3 going), 5 on the waitlist" in post.text
    assert len(post.edits) <= 3


async def test_organiser_messages_reach_attendees_privately_and_names_can_be_ambiguous(meetup_bot, steps):
    bot, chat, matrix = meetup_bot
    organiser, ana, ben = chat.user("olga", moderator=True), chat.user("ana"), matrix.user("@ben:hs")
    await chat.say(organiser, "!meetup channel here")
    await matrix.say(
        matrix.user("@mod:hs", moderator=True), "!meetup channel here", place=matrix.channel("!room:hs")
    )
    _, post, _ = await steps.create(chat, organiser, "Alumni coffee, tomorrow 7pm")
    await steps.create(chat, organiser, "Alumni walk, next sunday 10am")
    (matrix_post,) = [s for s in matrix.sent if s.content.title == "Alumni coffee"]
    await steps.rsvp(chat, ana, post)
    await steps.rsvp(matrix, ben, matrix_post, "Maybe")
    several = (await chat.say(organiser, "!meetup message Alumni, hello"))[-1]
    assert "Several meetups match" in several.text and "#1" in several.text
    refused = (await chat.say(ana, "!meetup message #1, hi all"))[-1]
    assert "Only this meetup's organiser" in refused.text
    sent = (await chat.say(organiser, "!meetup message #1, We're in the back room @everyone"))[-1]
    assert "Sent to 2 people" in sent.text
    assert "back room" in chat.to(ana)[-1].text and "back room" in matrix.to(ben)[-1].text
    assert "@everyone" not in chat.to(ana)[-1].text


async def test_an_organiser_manages_only_the_meetups_they_organise(meetup_bot, steps):
    """Being on the organisers list plans new meetups; someone else's stays theirs and the moderators'."""
    bot, chat, _ = meetup_bot
    mod, ada, ben = await steps.two_organisers(chat)
    _, post, _ = await steps.create(chat, ada, "Ada's walk, next tuesday 7pm, capacity 5")
    await steps.rsvp(chat, chat.user("cy"), post)
    for command in (
        "!meetup attendees Ada's walk",
        "!meetup cancel Ada's walk",
        "!meetup edit Ada's walk, capacity 9",
        "!meetup message Ada's walk, change of plan",
    ):
        refused = (await chat.say(ben, command))[-1]
        assert refused.private_to == ben and "Only" in refused.text, (command, refused.text)
    assert "cy" in (await chat.say(ada, "!meetup attendees Ada's walk"))[-1].text
    assert "cy" in (await chat.say(mod, "!meetup attendees Ada's walk"))[-1].text
    assert await bot.db.fetchval("SELECT capacity FROM meetups") == 5
