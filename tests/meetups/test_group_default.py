"""`!meetup NAME` shows a meetup (the Core: group_default router rule), without hiding the group's help."""

from __future__ import annotations


async def test_meetup_name_shows_the_meetup_and_subcommands_still_win(meetup_bot, steps):
    bot, chat, _ = meetup_bot
    organiser, ana = chat.user("olga", moderator=True), chat.user("ana")
    await steps.create(chat, organiser, "Alumni coffee, every Thursday 6pm", place=chat.channel())
    shown = (await chat.say(ana, "!meetup Alumni coffee"))[-1]
    assert shown.content.title == "Alumni coffee" and [c.label for c in shown.content.choices][0] == "Going"
    group_help = (await chat.say(ana, "!meetup"))[-1]
    assert "`!meetup` has these commands" in group_help.text
    listed = (await chat.say(ana, "!meetup show coffee"))[-1]
    assert listed.content.title == "Alumni coffee"
    assert "can't find a meetup" in (await chat.say(ana, "!meetup knitting"))[-1].text
    assert bot.router.commands["meetup show"].group_default


async def test_group_help_lists_moderator_commands_to_moderators_only(meetup_bot):
    _bot, chat, _ = meetup_bot
    member, moderator = chat.user("ana"), chat.user("olga", moderator=True)
    for asked in ("!help meetup", "!meetup"):  # asking help for the area, or typing the group alone
        seen_by_member = (await chat.say(member, asked))[-1].text
        assert "`!meetup rsvp" in seen_by_member and "`!meetup ics" in seen_by_member
        for moderators_only in (
            "!meetup channel",
            "!meetup organiser",
            "!meetup names",
            "!meetup reminder-times",
        ):
            assert moderators_only not in seen_by_member, (asked, moderators_only)
        seen_by_moderator = (await chat.say(moderator, asked))[-1].text
        assert "`!meetup rsvp" in seen_by_moderator
        assert "`!meetup channel" in seen_by_moderator
        assert "(moderators)" in seen_by_moderator or "**For moderators:**" in seen_by_moderator
