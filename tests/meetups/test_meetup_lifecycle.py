"""Reminders once per meeting across a restart, the roll to a series' next meeting, edit and cancel
notifications, one meetup shared by a Discord server and Matrix rooms, and a member's data."""

from __future__ import annotations

from icalendar import Calendar


def reminders_to(chat, user):
    return [s for s in chat.to(user) if s.text.startswith(("A reminder:", "You said maybe to"))]


async def test_reminders_go_once_per_meeting_even_across_a_restart(open_bot, clock, steps):
    async with open_bot() as (bot, chat):
        organiser, ana, ben, cat = (
            chat.user("olga", moderator=True),
            chat.user("ana"),
            chat.user("ben"),
            chat.user("cat"),
        )
        await chat.say(organiser, "!meetup channel here")
        _, post, _ = await steps.create(chat, organiser, "Circle, 2026-11-29 19:00")  # Sunday
        await steps.rsvp(chat, ana, post)
        await steps.rsvp(chat, ben, post, "Maybe")
        await steps.rsvp(chat, cat, post)
        await chat.say(cat, "!meetup reminders off")
        clock.set(clock.now().replace(day=28, hour=19, minute=0))  # Saturday 19:00: 24 hours before
        assert await bot.scheduler.run_due() >= 1
        first = reminders_to(chat, ana)
        assert len(first) == 1, [s.text for s in first]
        assert "tomorrow" in first[0].text and "Circle" in first[0].text
        assert reminders_to(chat, ben) == []  # maybe gets none unless they asked
        assert reminders_to(chat, cat) == []  # turned off
        assert await bot.scheduler.run_due() == 0

    async with open_bot() as (bot, chat):
        await bot.scheduler.run_due()
        assert reminders_to(chat, ana) == []  # the 24-hour reminder is not sent again
        clock.advance(hours=23)  # Sunday 18:00: one hour before
        await bot.scheduler.run_due()
        await bot.scheduler.run_due()
        (hour_before,) = reminders_to(chat, ana)
        assert "in 1 hour" in hour_before.text
        assert [c.label for c in hour_before.content.choices] == ["Going", "Can't go"]


async def test_a_missed_reminder_is_sent_late_within_grace(open_bot, clock, steps):
    async with open_bot() as (bot, chat):
        organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
        _, post, _ = await steps.create(chat, organiser, "Circle, 2026-11-29 19:00", place=chat.channel())
        await steps.rsvp(chat, ana, post)
    clock.set(clock.now().replace(day=28, hour=21))  # the bot was down at Saturday 19:00
    async with open_bot() as (bot, chat):
        assert len(reminders_to(chat, ana)) == 1  # two hours late, inside the 12-hour grace: sent on start


async def test_a_series_announces_its_next_meeting_when_one_starts(meetup_bot, steps, clock):
    bot, chat, _ = meetup_bot
    organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
    await chat.say(organiser, "!meetup channel here")
    _, first_post, _ = await steps.create(chat, organiser, "Alumni coffee, every Thursday 6pm, capacity 10")
    await steps.rsvp(chat, ana, first_post)
    clock.set(clock.now().replace(day=3, month=12, hour=18, minute=0))
    await bot.scheduler.run_due()
    assert "This meetup has started." in first_post.text and not first_post.edits[-1].choices
    posts = [s for s in chat.in_place(chat.channel()) if s.content.title == "Alumni coffee"]
    assert len(posts) == 2 and "<t:1796925600:F>" in posts[1].text  # Thursday 10 December 18:00
    assert "10 of 10 seats left" in posts[1].text  # answers belong to one meeting, not the series


async def test_editing_one_meeting_and_cancelling_the_series_tell_everyone_who_answered(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana, ben = chat.user("olga", moderator=True), chat.user("ana"), chat.user("ben")
    await chat.say(organiser, "!meetup channel here")
    _, post, _ = await steps.create(chat, organiser, "Alumni coffee, every Thursday 6pm, at Cafe Rosa")
    await steps.rsvp(chat, ana, post)
    await steps.rsvp(chat, ben, post, "Can't go")

    review = (await chat.say(organiser, "!meetup edit Alumni coffee, Room 5, 7pm"))[-1]
    assert [c.label for c in review.content.choices] == [
        "Only Thu 3 Dec",
        "The whole series",
        "Keep everything",
    ]
    done = await chat.press(organiser, chat.find_choice(review, "Only Thu 3 Dec"))
    assert "told 2 people" in done[-1].text
    for member in (ana, ben):
        note = chat.to(member)[-1]
        assert "has changed" in note.text and "Room 5" in note.text
    assert "Room 5" in post.text and "Moved from" in post.text and "<t:1796324400:F>" in post.text  # 19:00
    calendar = (await chat.say(ana, "!meetup ics Alumni coffee"))[-1].content.files[0].data
    series, moved = Calendar.from_ical(calendar).walk("VEVENT")  # only that one meeting moved
    assert str(series["LOCATION"]) == "Cafe Rosa" and series.start.hour == 18
    assert str(moved["LOCATION"]) == "Room 5" and moved.start.hour == 19
    assert moved["RECURRENCE-ID"].dt == series.start and moved["UID"] == series["UID"]

    review = (await chat.say(organiser, "!meetup cancel Alumni coffee"))[-1]
    done = await chat.press(organiser, chat.find_choice(review, "The whole series"))
    assert "told 2 people" in done[-1].text
    assert "is cancelled" in chat.to(ana)[-1].text and "is cancelled" in chat.to(ben)[-1].text
    assert post.edits[-1].title == "Cancelled: Alumni coffee" and not post.edits[-1].choices
    assert "This series is cancelled" in post.text
    assert "No meetups are planned" in (await chat.say(ana, "!meetups"))[-1].text
    assert await bot.scheduler.schedules_of("meetups") == []


async def test_cancelling_one_meeting_announces_the_next(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
    await chat.say(organiser, "!meetup channel here")
    _, post, _ = await steps.create(chat, organiser, "Alumni coffee, every Thursday 6pm")
    await steps.rsvp(chat, ana, post)
    review = (await chat.say(organiser, "!meetup cancel Alumni coffee on dec 3"))[-1]
    await chat.press(organiser, chat.find_choice(review, "Yes, cancel it"))
    assert "is cancelled. The series carries on as usual." in chat.to(ana)[-1].text
    assert post.edits[-1].title == "Cancelled this time: Alumni coffee"  # not the whole series
    assert "The meeting on <t:1796320800:D> will not take place. The series carries on" in post.text
    latest = [s for s in chat.in_place(chat.channel()) if s.content.title == "Alumni coffee"][-1]
    assert "<t:1796925600:F>" in latest.text  # 10 December is announced instead


async def test_series_capacity_edit_promotes_from_the_waitlist(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana, ben = chat.user("olga", moderator=True), chat.user("ana"), chat.user("ben")
    await chat.say(organiser, "!meetup channel here")
    _, post, _ = await steps.create(chat, organiser, "Circle, every Thursday 6pm, capacity 1")
    await steps.rsvp(chat, ana, post)
    assert "waitlist" in (await steps.rsvp(chat, ben, post))[-1].text
    review = (await chat.say(organiser, "!meetup edit Circle, capacity 2"))[-1]
    await chat.press(organiser, chat.find_choice(review, "Save and tell everyone"))
    assert any("a seat opened up" in s.text for s in chat.to(ben))
    assert "Full (2 going)" in post.text


async def test_one_meetup_across_discord_and_matrix(meetup_bot, steps, clock):
    bot, discord, matrix = meetup_bot
    mod_d, mod_m = discord.user("olga", moderator=True), matrix.user("@olga:hs", moderator=True)
    await discord.say(mod_d, "!meetup channel here")
    await matrix.say(mod_m, "!meetup channel here", place=matrix.channel("!room:hs"))
    _, discord_post, _ = await steps.create(discord, mod_d, "Circle, 2026-11-29 19:00, capacity 1")
    (matrix_post,) = [s for s in matrix.sent if s.content.title == "Circle"]
    assert matrix_post.place.place_id == "!room:hs" and "<t:1795978800:F>" in matrix_post.text

    dee, emm = discord.user("dee"), matrix.user("@emm:hs")
    assert "You're going" in (await steps.rsvp(discord, dee, discord_post))[-1].text
    assert "waitlist (number 1)" in (await steps.rsvp(matrix, emm, matrix_post))[-1].text
    for post in (discord_post, matrix_post):
        assert "Full (1 going), 1 on the waitlist" in post.text  # one capacity, both posts edited

    await steps.rsvp(discord, dee, discord_post, "Can't go")
    assert "a seat opened up" in matrix.to(emm)[-1].text  # told on the platform they answered from
    assert not any("seat opened" in s.text for s in discord.sent), [
        s.text for s in discord.sent if "seat opened" in s.text
    ]

    clock.set(clock.now().replace(day=28, hour=19))
    await bot.scheduler.run_due()
    assert matrix.to(emm)[-1].text.startswith("A reminder:")
    assert not any(s.text.startswith("A reminder:") for s in discord.to(dee))  # dee said can't go


async def test_member_data_is_exported_and_erasing_frees_the_seat(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana, ben = chat.user("olga", moderator=True), chat.user("ana"), chat.user("ben")
    await chat.say(organiser, "!meetup channel here")
    _, post, _ = await steps.create(chat, organiser, "Circle, tomorrow 7pm, capacity 1")
    await steps.rsvp(chat, ana, post)
    await steps.rsvp(chat, ben, post)
    cog = bot.get_cog("meetups")
    ana_id = await bot.members.lookup(ana)
    exported = await cog.export_member_data(ana_id)
    assert exported["rsvps"][0]["title"] == "Circle" and exported["rsvps"][0]["answer"] == "going"
    await chat.say(ana, "!forgetme")
    confirm = chat.to(ana)[-1]
    await chat.press(ana, confirm.content.choices[0].id)
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meetup_rsvps WHERE member_id = ?", (ana_id,)) == 0
    assert "a seat opened up" in chat.to(ben)[-1].text
    assert "Full (1 going)" in post.text


async def test_moving_the_whole_series_keeps_answers_and_tells_people(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
    await chat.say(organiser, "!meetup channel here")
    _, post, _ = await steps.create(chat, organiser, "Alumni coffee, every Thursday 6pm")
    await steps.rsvp(chat, ana, post)
    review = (await chat.say(organiser, "!meetup edit Alumni coffee, 7pm"))[-1]
    await chat.press(organiser, chat.find_choice(review, "The whole series"))
    assert "has changed" in chat.to(ana)[-1].text
    assert "<t:1796324400:F>" in post.text and "Moved from" not in post.text  # 3 Dec, now 19:00
    assert "11 of 12 seats left" in post.text  # ana's seat came along
    listing = (await chat.say(ana, "!meetup show Alumni coffee"))[-1]
    assert "<t:1796929200:f>" in listing.text  # 10 December at 19:00 too
    cancelled = (await chat.say(organiser, "!meetup cancel Alumni coffee on 2026-12-10"))[-1]
    await chat.press(organiser, chat.find_choice(cancelled, "Yes, cancel it"))
    calendar = (await chat.say(ana, "!meetup ics Alumni coffee"))[-1].content.files[0].data
    (series,) = Calendar.from_ical(calendar).walk("VEVENT")
    assert series.start.hour == 19
    assert [d.dt.day for d in series["EXDATE"].dts] == [10]


async def test_declining_consent_stores_nothing(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
    _, post, _ = await steps.create(chat, organiser, "Circle, tomorrow 7pm", place=chat.channel())
    asked = await chat.press(ana, chat.find_choice(post, "Going"), place=post.place)
    await chat.press(ana, chat.find_choice(asked[-1], "No thanks"))
    assert await bot.members.lookup(ana) is None
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meetup_rsvps") == 0
    assert "12 of 12 seats left" in post.text


async def test_answers_are_erased_a_month_after_the_meeting(meetup_bot, steps, clock):
    bot, chat, _ = meetup_bot
    organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
    _, post, _ = await steps.create(chat, organiser, "Circle, tomorrow 7pm", place=chat.channel())
    await steps.rsvp(chat, ana, post)
    clock.advance(days=20)
    await bot.scheduler.run_due()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meetup_rsvps") == 1  # still within 30 days
    await steps.create(chat, organiser, "Weekly, every monday 7pm", place=chat.channel())
    clock.advance(days=12)
    await bot.scheduler.run_due()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meetup_rsvps") == 0
    # The one-off meetup itself (and who organised it) goes too; the running series stays.
    assert [row[0] for row in await bot.db.fetchall("SELECT title FROM meetups")] == ["Weekly"]


async def test_a_member_linked_on_both_platforms_holds_one_seat(meetup_bot, steps):
    bot, discord, matrix = meetup_bot
    mod = discord.user("olga", moderator=True)
    await discord.say(mod, "!meetup channel here")
    await matrix.say(
        matrix.user("@mod:hs", moderator=True), "!meetup channel here", place=matrix.channel("!room:hs")
    )
    _, discord_post, _ = await steps.create(discord, mod, "Circle, tomorrow 7pm, capacity 2")
    (matrix_post,) = [s for s in matrix.sent if s.content.title == "Circle"]
    dee_discord, dee_matrix = discord.user("dee"), matrix.user("@dee:hs")
    await steps.rsvp(discord, dee_discord, discord_post)
    await bot.members.link(await bot.members.lookup(dee_discord), dee_matrix)
    again = await steps.rsvp(matrix, dee_matrix, matrix_post)
    assert "still going" in again[-1].text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meetup_rsvps") == 1
    assert "1 of 2 seats left" in discord_post.text and "1 of 2 seats left" in matrix_post.text


async def test_moderators_choose_when_reminders_go(meetup_bot, steps, clock):
    bot, chat, _ = meetup_bot
    organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
    assert "between 1 and 168" in (await chat.say(organiser, "!meetup reminder-times soon"))[-1].text
    assert "moderators" in (await chat.say(ana, "!meetup reminder-times 2"))[-1].text
    assert "48 h and 2 h" in (await chat.say(organiser, "!meetup reminder-times 2 48"))[-1].text
    _, post, _ = await steps.create(chat, organiser, "Circle, 2026-11-30 19:00", place=chat.channel())
    await steps.rsvp(chat, ana, post)
    clock.set(clock.now().replace(day=28, hour=19))  # 48 hours before Monday 19:00
    await bot.scheduler.run_due()
    assert "in 2 days" in chat.to(ana)[-1].text
    keys = sorted(s["key"].rsplit(":", 1)[1] for s in await bot.scheduler.schedules_of("meetups"))
    assert keys == ["remind2h", "roll"]
