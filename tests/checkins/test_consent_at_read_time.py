"""What partners may see and what members may make the bot send: consent is read at every read, and
nobody who has not opted in gets more than one message a day because a member asked for it."""

from __future__ import annotations

from datetime import timedelta

from bot.testing import make_test_bot
from tests.checkins.conftest import choice, join, sweep_at
from tests.checkins.test_people import EVENING, answer_through, pair


async def test_opting_out_with_keep_ends_every_partner_view_at_once(tmp_path, clock):
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.checkins", "cogs.crisis"], clock=clock
    ) as env:
        await _opting_out_with_keep_ends_every_partner_view_at_once(*env, clock)


async def _opting_out_with_keep_ends_every_partner_view_at_once(bot, chat, clock):
    bot.rate_limiter.limit = 10_000
    amy, bob = chat.user("amy"), chat.user("bob")
    await join(chat, amy)
    await join(chat, bob)
    await pair(chat, amy, bob)
    await chat.say(amy, "!checkin share mood on")
    await sweep_at(bot, clock, EVENING)
    await answer_through(chat, amy, mood="4")
    assert "**amy**: checked in, mood 4/5" in (await chat.say(bob, "!partner list"))[-1].text

    asked = (await chat.say(amy, "!optout checkins"))[-1]
    await chat.press(amy, choice(asked, "Keep it"))
    seen = (await chat.say(bob, "!partner list"))[-1].text
    assert "amy" not in seen and "4/5" not in seen, seen
    assert "don't have a check-in partner" in (await chat.say(bob, "!sos"))[-1].text
    before = len(chat.to(amy))
    await sweep_at(bot, clock, EVENING + timedelta(days=1))  # bob's daily summary names nobody
    assert len(chat.to(amy)) == before, "nothing reaches a member who left"
    assert all("amy" not in s.text for s in chat.to(bob)[-3:])

    # Joining again brings the partnership back (it was kept, as she chose).
    await join(chat, amy)
    assert "**amy**" in (await chat.say(bob, "!partner list"))[-1].text


async def test_a_stranger_gets_one_invitation_a_day_however_often_members_ask(env, clock):
    bot, chat = env
    amy, cal, bob = chat.user("amy"), chat.user("cal"), chat.user("bob")
    await join(chat, amy)
    await join(chat, cal)
    for _ in range(100):
        await chat.say(amy, "!partner invite @bob")
    refused = (await chat.say(cal, "!partner invite @bob"))[-1]
    assert "at most one invitation a day" in refused.text and refused.private_to == cal
    invitations = [s for s in chat.to(bob) if s.content.title == "A check-in partner invitation"]
    assert len(invitations) == 1
    clock.advance(days=1, minutes=1)
    await chat.say(cal, "!partner invite @bob")
    assert len([s for s in chat.to(bob) if s.content.title == "A check-in partner invitation"]) == 2
    # Someone in check-ins is not a stranger: they can decline, and end or block partners themselves.
    await join(chat, bob)
    await chat.say(amy, "!partner invite @bob")
    await chat.say(cal, "!partner invite @bob")
    assert len([s for s in chat.to(bob) if s.content.title == "A check-in partner invitation"]) == 4


async def test_a_name_that_looks_like_a_link_is_shown_as_text(env):
    bot, chat = env
    phisher = chat.user("[Kindred safety team: verify](https://evil.example/login)")
    await join(chat, phisher)
    await chat.say(phisher, "!partner invite @bob")
    invitation = chat.last(chat.user("bob"))
    assert "](https://" not in invitation.text and "evil.example" not in invitation.text
    assert "\\[Kindred safety team: verify\\]" in invitation.text  # shown literally, escaped for Markdown
