"""Who may act on a meetup is declared once (organise.ORGANISED) and the router applies it to the
command and to the confirmation buttons alike, before the cog's code runs."""


async def test_another_organiser_is_refused_by_the_router_for_the_command_and_its_buttons(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    _, ada, ben = await steps.two_organisers(chat)
    await steps.create(chat, ada, "Ada's walk, next tuesday 7pm")

    refused = (await chat.say(ben, "!meetup cancel Ada's walk"))[-1]
    assert refused.private_to == ben and "Only this meetup's organiser and moderators" in refused.text
    assert not refused.content.choices  # no confirmation to press

    confirm = (await chat.say(ada, "!meetup cancel Ada's walk"))[-1]
    yes = chat.find_choice(confirm, "Yes, cancel it")
    pressed = (await chat.press(ben, yes))[
        -1
    ]  # Ada's button, pressed by Ben (a forwarded or numbered choice)
    assert pressed.private_to == ben and "Only this meetup's organiser and moderators" in pressed.text
    assert await bot.db.fetchval("SELECT status FROM meetups") == "active"

    done = (await chat.press(ada, yes))[-1]
    assert "Cancelled" in done.text
    assert await bot.db.fetchval("SELECT status FROM meetups") == "cancelled"


async def test_a_plan_is_refused_at_the_button_once_its_author_may_no_longer_organise(meetup_bot):
    bot, chat, _ = meetup_bot
    mod, ada = chat.user("mod", moderator=True), chat.user("ada")
    await chat.say(mod, "!meetup organiser add @ada")
    review = (await chat.say(ada, "!meetup create Picnic, next saturday noon"))[-1]
    await chat.say(mod, "!meetup organiser remove @ada")
    refused = (await chat.press(ada, chat.find_choice(review, "Save and announce")))[-1]
    assert "Only this meetup's organiser and moderators" in refused.text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM meetups") == 0


async def test_a_meetup_that_cannot_be_found_is_said_once_and_nothing_else_runs(meetup_bot):
    _, chat, _ = meetup_bot
    replies = await chat.say(chat.user("mod", moderator=True), "!meetup cancel Nothing like it, please")
    assert len(replies) == 1 and "I can't find a meetup called “Nothing like it”" in replies[0].text
