"""Issue 15, item by item, through what members and moderators type and read on the test kit:
alerts that reach a person (or an honest reply), escalation inside the cooldown, resources by kind,
an alert channel that never deafens the bot, open alerts, re-alerts and on-call, acknowledging
anywhere, crisis help that is never rate-limited, moderator texts that cannot break a reply,
opting out while keeping one's plan, and an `!sos` that always helps."""

from __future__ import annotations

import asyncio

import pytest

from bot.config import CommunitySettings, CrisisSettings
from bot.core import RateLimiter
from bot.testing import MemoryAdapter, make_test_bot, settings_for_tests

PILLS = "i have the pills in front of me"
RELAPSE = "I relapsed last night and I feel like such a failure"
WANT_TO_DIE = "honestly i want to die"
DEADLINE = 10


async def say(chat, user, text, place=None):
    return await asyncio.wait_for(chat.say(user, text, place=place), DEADLINE)


async def press(chat, user, sent, label, place=None):
    return await asyncio.wait_for(chat.press(user, chat.find_choice(sent, label), place=place), DEADLINE)


def alerts_to(chat, user):
    return [
        s
        for s in chat.to(user)
        if (s.content.title or "").startswith(("Crisis alert", "Still unacknowledged"))
    ]


def reply_to(sent, user):
    (reply,) = [s for s in sent if s.private_to == user and "Are you safe right now?" in s.text]
    return reply


@pytest.fixture
async def fresh_bot(tmp_path, clock):
    """A new community: no alert channel, no settings; two moderators the platform knows of."""
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[MemoryAdapter()], clock=clock
    ) as (bot, chat):
        bot.rate_limiter = RateLimiter(limit=1000)
        mo = chat.user("mo", moderator=True)
        await say(chat, mo, "!crisisadmin show")  # past the once-only notice (tested on its own)
        yield bot, chat, mo, chat.user("kit", moderator=True)


# --- an alert reaches a human, or the member is not told it did -----------------------------------


async def test_with_no_alert_channel_every_moderator_is_told_privately_and_the_member_hears_the_truth(
    fresh_bot,
):
    bot, chat, mo, kit = fresh_bot
    bob = chat.user("bob")
    reply = reply_to(await say(chat, bob, PILLS), bob)
    assert "I've let the moderators know" in reply.text
    for moderator in (mo, kit):
        (alert,) = alerts_to(chat, moderator)
        assert dict(alert.content.fields)["Member"].startswith("bob") and PILLS not in alert.text
    not_safe = await press(chat, bob, reply, "I'm not safe")
    assert "I've told the moderators it's urgent" in not_safe[-1].text and "911" in not_safe[-1].text
    for moderator in (mo, kit):
        assert "NOT safe" in alerts_to(chat, moderator)[-1].content.title


async def test_when_no_moderator_can_be_reached_the_member_is_told_so_and_given_lines(tmp_path, clock):
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[MemoryAdapter()], clock=clock
    ) as (bot, chat):
        bob = chat.user("bob")
        reply = reply_to(await say(chat, bob, PILLS), bob)
        assert "couldn't reach a moderator" in reply.text and "let the moderators know" not in reply.text
        not_safe = (await press(chat, bob, reply, "I'm not safe"))[-1].text
        assert "couldn't reach a moderator" in not_safe and "told the moderators" not in not_safe
        assert "Emergency: 911" in not_safe and "988" in not_safe
        talk = (await press(chat, bob, reply, "I'd like to talk to someone"))[-1].text
        assert "couldn't reach a moderator" in talk and "988" in talk and "asked the moderators" not in talk


async def test_moderators_listed_in_the_config_get_alerts_privately(tmp_path, clock):
    settings = settings_for_tests(tmp_path, community=CommunitySettings(moderators=["memory:ana-id"]))
    async with make_test_bot(
        tmp_path,
        cogs=["cogs.privacy", "cogs.crisis"],
        adapters=[MemoryAdapter()],
        settings=settings,
        clock=clock,
    ) as (bot, chat):
        bob = chat.user("bob")
        assert "I've let the moderators know" in reply_to(await say(chat, bob, PILLS), bob).text
        assert alerts_to(chat, chat.user("ana")), "the listed moderator got it privately"


async def test_an_alert_channel_that_fails_falls_back_to_every_moderator_privately(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    await say(chat, mo, "!crisisadmin alerts", place=chat.channel("mods"))
    original = chat.send

    async def channel_gone(place, content, token=None):
        if place.place_id == "mods":
            raise RuntimeError("channel deleted")
        return await original(place, content, token)

    chat.send = channel_gone
    bob = chat.user("bob")
    assert "I've let the moderators know" in reply_to(await say(chat, bob, PILLS), bob).text
    assert alerts_to(chat, mo) and alerts_to(chat, kit)


async def test_the_first_moderator_command_without_an_alert_channel_says_where_alerts_go_once(
    tmp_path, clock
):
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[MemoryAdapter()], clock=clock
    ) as (bot, chat):
        await first_command_tells_where_alerts_go(
            chat, chat.user("mo", moderator=True), chat.user("kit", moderator=True)
        )


async def first_command_tells_where_alerts_go(chat, mo, kit):
    first = await say(chat, mo, "!crisisadmin cooldown 30", place=chat.channel("mods"))
    notice = [s.text for s in first if "About crisis alerts" in s.text]
    assert notice and "every moderator privately" in notice[0] and "kit" in notice[0] and "mo" in notice[0]
    assert "`!crisisadmin alerts`" in notice[0]
    again = await say(chat, kit, "!crisisadmin cooldown 45", place=chat.channel("mods"))
    assert not [s for s in again if "About crisis alerts" in s.text], "said once per community"


async def test_the_notice_says_plainly_when_alerts_would_reach_nobody(tmp_path, clock):
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[MemoryAdapter()], clock=clock
    ) as (bot, chat):
        lone = chat.user("lone")
        chat.is_moderator = lambda user, community_id: asyncio.sleep(
            0, user == lone
        )  # moderator, yet unlisted
        shown = (await say(chat, lone, "!crisisadmin show"))[-1].text
        assert "**Alerts go to:** **nobody.**" in shown and "[community] moderators" in shown


# --- escalation inside the cooldown ---------------------------------------------------------------


async def test_another_kind_inside_the_cooldown_is_answered_and_alerted(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    dave = chat.user("dave")
    first = reply_to(await say(chat, dave, RELAPSE), dave)
    assert "a hard night doesn't erase your recovery" in first.text
    second = reply_to(await say(chat, dave, WANT_TO_DIE), dave)
    assert "988" in second.text
    assert [dict(a.content.fields)["About"] for a in alerts_to(chat, mo)] == [
        "relapse danger",
        "suicidal thoughts",
    ]


async def test_imminent_is_never_silenced(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    eve = chat.user("eve")
    for _ in range(3):
        assert reply_to(await say(chat, eve, PILLS), eve)
    assert len(alerts_to(chat, mo)) == 3


async def test_a_repeat_at_the_same_level_and_kind_stays_quiet_for_the_cooldown(fresh_bot, clock):
    bot, chat, mo, kit = fresh_bot
    fin = chat.user("fin")
    assert reply_to(await say(chat, fin, "everyone would be better off without me"), fin)
    assert await say(chat, fin, "everyone would be better off without me") == []
    clock.advance(minutes=59)
    assert await say(chat, fin, "everyone would be better off without me") == []
    clock.advance(minutes=2)
    assert reply_to(await say(chat, fin, "everyone would be better off without me"), fin)
    # (the first alert's re-alert fell due too, while the clock moved: only the first sendings count here)
    assert len([s for s in alerts_to(chat, mo) if s.content.title.startswith("Crisis alert")]) == 2


# --- categories drive the resources ---------------------------------------------------------------


async def test_relapse_gets_the_drugs_and_alcohol_line_of_the_members_own_country_first(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    niamh = chat.user("niamh")  # in a US community, living in Ireland
    await say(chat, niamh, "!mycountry ireland")
    await chat.press(niamh, "consent:agree:crisis")
    reply = reply_to(await say(chat, niamh, RELAPSE), niamh)
    first_line = reply.text.split("People you can reach right now:")[1].strip().splitlines()[0]
    assert "HSE Drugs and Alcohol Helpline" in first_line
    assert "SAMHSA" not in reply.text and "988" not in reply.text


async def test_self_harm_gets_self_harm_words_and_the_crisis_line_not_the_drugs_line(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    gil = chat.user("gil")
    reply = reply_to(await say(chat, gil, "i cut myself again last night"), gil)
    assert "You don't have to explain or justify the urge" in reply.text
    resources = reply.text.split("People you can reach right now:")[1]
    assert "988" in resources and "SAMHSA" not in resources
    assert dict(alerts_to(chat, mo)[-1].content.fields)["About"] == "self-harm"


# --- the alert channel never deafens the bot; show tells the truth --------------------------------


async def test_naming_the_only_channel_for_alerts_keeps_members_there_watched(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    general = chat.channel("general")
    await say(chat, mo, "!crisisadmin alerts", place=general)
    bob = chat.user("bob")
    assert "I've let the moderators know" in reply_to(await say(chat, bob, PILLS, place=general), bob).text
    assert alerts_to(chat, mo), "written in the alert channel itself: moderators are told privately"
    assert not [s for s in chat.in_place(general) if "Crisis alert" in s.text], "bob is not named in public"
    shown = (await say(chat, mo, "!crisisadmin show", place=general))[-1].text
    assert "**Watching:** every channel" in shown and "the channel `general`" in shown
    assert await say(chat, mo, PILLS, place=general) == [], "moderators talking about it there"


async def test_alerts_off_sends_them_to_moderators_privately_again(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    mods = chat.channel("mods")
    await say(chat, mo, "!crisisadmin alerts", place=mods)
    await say(chat, chat.user("bob"), PILLS)
    assert [s for s in chat.in_place(mods) if "Crisis alert" in s.text]
    off = (await say(chat, mo, "!crisisadmin alerts off", place=mods))[-1].text
    assert "No alert channel now" in off and "every moderator privately" in off
    shown = (await say(chat, mo, "!crisisadmin show", place=mods))[-1].text
    assert "every moderator privately, as there is no alert channel: kit, mo" in shown
    cy = chat.user("cy")
    await say(chat, cy, PILLS)
    assert dict(alerts_to(chat, kit)[-1].content.fields)["Member"].startswith("cy")


async def test_stopping_a_channel_asks_first_says_what_is_no_longer_watched_and_show_agrees(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    lobby = chat.channel("lobby")
    asked = (await say(chat, mo, "!crisisadmin monitor remove", place=lobby))[-1]
    assert (
        "Stop watching this channel?" in asked.text
        and "Still watched: every channel except `lobby`" in asked.text
    )
    kept = await press(chat, mo, asked, "No, keep watching", place=lobby)
    assert "Nothing changed" in kept[-1].text
    assert reply_to(await say(chat, chat.user("al"), PILLS, place=lobby), chat.user("al"))
    asked = (await say(chat, mo, "!crisisadmin monitor remove", place=lobby))[-1]
    await press(chat, kit, asked, "Yes, watch less", place=lobby)  # someone else's question: not theirs
    assert reply_to(await say(chat, chat.user("bo"), PILLS, place=lobby), chat.user("bo"))
    done = await press(chat, mo, asked, "Yes, watch less", place=lobby)
    assert "every channel except `lobby`" in done[-1].text
    assert await say(chat, chat.user("cy"), PILLS, place=lobby) == []
    assert reply_to(await say(chat, chat.user("di"), PILLS, place=chat.channel("general")), chat.user("di"))
    shown = (await say(chat, mo, "!crisisadmin show", place=lobby))[-1].text
    assert "**Watching:** every channel except `lobby` on memory (this channel)" in shown


# --- open alerts, re-alerts, on-call, acknowledging anywhere --------------------------------------


async def test_open_lists_unacknowledged_alerts_with_when_where_level_and_kind_never_words(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    await say(chat, chat.user("ann"), PILLS, place=chat.channel("lounge"))
    await say(chat, chat.user("ben"), RELAPSE)
    taken = alerts_to(chat, mo)[0]
    await press(chat, mo, taken, "Acknowledge")
    listed = (await say(chat, mo, "!crisisadmin open"))[-1]
    assert listed.content.title == "Open crisis alerts: 1"
    assert "#2" in listed.text and "relapse danger" in listed.text and "concern" in listed.text
    assert "`general` on memory" in listed.text and "#1 " not in listed.text
    for words in (PILLS, RELAPSE, "failure", "ben"):
        assert words not in listed.text
    await press(chat, kit, listed, "Acknowledge #2")
    assert "No open alerts" in (await say(chat, kit, "!crisisadmin open"))[-1].text


async def test_an_unacknowledged_alert_goes_to_every_moderator_then_to_on_call(tmp_path, clock):
    settings = settings_for_tests(tmp_path, crisis=CrisisSettings(on_call=["memory:oncall-id"]))
    async with make_test_bot(
        tmp_path,
        cogs=["cogs.privacy", "cogs.crisis"],
        adapters=[MemoryAdapter()],
        settings=settings,
        clock=clock,
    ) as (bot, chat):
        mo, kit, on_call = (
            chat.user("mo", moderator=True),
            chat.user("kit", moderator=True),
            chat.user("oncall"),
        )
        mods = chat.channel("mods")
        await say(chat, mo, "!crisisadmin alerts", place=mods)
        await say(chat, chat.user("bob"), PILLS)
        assert not alerts_to(chat, mo) and not alerts_to(chat, kit), "at first: the channel only"
        clock.advance(minutes=9)
        await asyncio.wait_for(bot.scheduler.run_due(), DEADLINE)
        assert not alerts_to(chat, kit), "not before the default 10 minutes"
        clock.advance(minutes=1)
        await asyncio.wait_for(bot.scheduler.run_due(), DEADLINE)
        assert alerts_to(chat, mo) and alerts_to(chat, kit) and not alerts_to(chat, on_call)
        assert alerts_to(chat, kit)[-1].content.title.startswith("Still unacknowledged (1x)")
        clock.advance(minutes=10)
        await asyncio.wait_for(bot.scheduler.run_due(), DEADLINE)
        assert alerts_to(chat, on_call)[-1].content.title.startswith("Still unacknowledged (2x)")
        taken = await press(chat, kit, alerts_to(chat, kit)[-1], "Acknowledge")
        assert "Thank you for taking this" in taken[-1].text
        assert "acknowledged by kit" in chat.to(on_call)[-1].text, "told everyone the alert went to"
        assert "acknowledged by kit" in chat.in_place(mods)[-1].text
        before = len(chat.sent)
        clock.advance(minutes=30)
        await asyncio.wait_for(bot.scheduler.run_due(), DEADLINE)
        assert len(chat.sent) == before, "no more re-alerts"


async def test_acknowledging_on_one_platform_closes_the_alert_on_every_platform(tmp_path, clock):
    here, there = MemoryAdapter("memory"), MemoryAdapter("elsewhere", scope_id="space")
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[here, there], clock=clock
    ) as (bot, _):
        mo, ria = here.user("mo", moderator=True), there.user("ria", moderator=True)
        bob = here.user("bob")
        assert "I've let the moderators know" in reply_to(await say(here, bob, PILLS), bob).text
        (mine,) = alerts_to(here, mo)
        (hers,) = alerts_to(there, ria)
        await press(there, ria, hers, "Acknowledge")
        assert "acknowledged by ria" in here.to(mo)[-1].text
        late = await press(here, mo, mine, "Acknowledge")
        assert "ria" in late[-1].text and "already took this one" in late[-1].text
        assert any("No open alerts" in s.text for s in await say(here, mo, "!crisisadmin open"))
        count = len(here.sent) + len(there.sent)
        clock.advance(minutes=25)
        await asyncio.wait_for(bot.scheduler.run_due(), DEADLINE)
        assert len(here.sent) + len(there.sent) == count


# --- crisis help is never rate-limited --------------------------------------------------------------


async def test_crisis_help_answers_after_many_quick_actions_while_other_commands_keep_their_limit(
    tmp_path, clock
):
    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[MemoryAdapter()], clock=clock
    ) as (bot, chat):
        assert bot.rate_limiter.limit == 12
        mo = chat.user("mo", moderator=True)
        hal = chat.user("hal")
        await say(chat, hal, "!safetyplan write")
        await chat.press(hal, "consent:agree:crisis")
        for answer in ["skip"] * 6 + ["my kids"]:
            await chat.answer(hal, answer)
        # The plan's command and answers (8) were crisis help and did not count; the consent press did.
        for _ in range(11):
            assert "Privacy" in (await say(chat, hal, "!privacy"))[-1].text
        assert "going a little fast" in (await say(chat, hal, "!privacy"))[-1].text
        assert "Are you safe right now?" in (await say(chat, hal, "!crisis"))[-1].text
        assert "Helplines for United States" in (await say(chat, hal, "!helpline"))[-1].text
        sos = (await say(chat, hal, "!sos"))[-1]
        assert "988" in sos.text and "my kids" in sos.text
        assert "my kids" in (await say(chat, hal, "!safetyplan"))[-1].text
        talk = await press(chat, hal, sos, "Ask a moderator to reach out")
        assert "I've asked the moderators" in talk[-1].text and alerts_to(chat, mo)
        assert "Are you safe right now?" in reply_to(await say(chat, hal, PILLS), hal).text
        assert await say(chat, hal, "!privacy") == [], "other commands still wait"


# --- a moderator's text can never stop a crisis reply ---------------------------------------------


async def test_a_text_with_a_placeholder_that_cannot_be_filled_is_refused_naming_it(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    refused = (await say(chat, mo, "!crisisadmin text opening Hi {name.x}"))[-1].text
    assert "I didn't change `opening`" in refused and "`{name.x}` is not something I can fill in" in refused
    assert "`{name}`" in refused
    unmatched = (await say(chat, mo, "!crisisadmin text imminent Call {emergency now"))[-1].text
    assert "without its partner" in unmatched
    wrong_place = (await say(chat, mo, "!crisisadmin text closing Bye {name}"))[-1].text
    assert "`closing` can use no placeholders" in wrong_place
    accepted = (await say(chat, mo, "!crisisadmin text opening Hola {name}. Soy un bot."))[-1].text
    assert "changed" in accepted
    bob = chat.user("bob")
    assert reply_to(await say(chat, bob, PILLS), bob).text.startswith("Hola bob. Soy un bot.")


async def test_a_stored_text_that_fails_when_sent_falls_back_and_the_alert_says_what_failed(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    # As a text set before templates were checked would be stored.
    await bot.community_settings(1, "crisis").set("texts", {"opening": "Hi {name.x}"})
    bob = chat.user("bob")
    reply = reply_to(await say(chat, bob, PILLS), bob)
    assert reply.text.startswith("Hi bob. I'm Kindred")
    alert = alerts_to(chat, mo)[-1].text
    assert "`opening` text could not be used" in alert and "built-in wording" in alert
    assert "could NOT be delivered" not in "".join(s.text for s in chat.to(mo))


async def test_a_reply_that_cannot_be_delivered_is_reported_with_the_reason(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    rae = chat.user("rae")
    original = chat.send_private

    async def closed(user, content, token=None):
        if user == rae:
            raise PermissionError("closed")
        return await original(user, content, token)

    chat.send_private = closed
    await say(chat, rae, PILLS)
    note = chat.to(mo)[-1]
    assert "could NOT be delivered" in note.content.title and "PermissionError" in note.text


# --- opting out but keeping one's data -----------------------------------------------------------


async def test_opting_out_and_keeping_leaves_the_plan_and_country_to_read_change_and_use(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    ida = chat.user("ida")
    await say(chat, ida, "!safetyplan write")
    await chat.press(ida, "consent:agree:crisis")
    for answer in ["not sleeping", "walk by the river", "stop"]:
        await chat.answer(ida, answer)
    await say(chat, ida, "!mycountry ireland")
    asked = (await say(chat, ida, "!optout crisis"))[-1]
    assert "If you keep it:" in asked.text and "You can still read and change them" in asked.text
    kept = (await press(chat, ida, asked, "Keep it"))[-1].text
    assert kept.startswith("Kept: your safety plan and your country stay") and "`!safetyplan`" in kept
    assert "walk by the river" in (await say(chat, ida, "!safetyplan"))[-1].text
    assert "Samaritans" in (await say(chat, ida, "!crisis"))[-1].text, "her own country, not the community's"
    assert "Ireland" in (await say(chat, ida, "!mycountry"))[-1].text
    edit = (await say(chat, ida, "!safetyplan edit"))[-1]
    assert "1 of 7" in edit.text, "changes without joining again"
    await chat.answer(ida, "snapping at people")
    await chat.answer(ida, "stop")
    assert "snapping at people" in (await say(chat, ida, "!safetyplan"))[-1].text
    assert "United Kingdom" in (await say(chat, ida, "!mycountry GB"))[-1].text
    reply = reply_to(await say(chat, ida, "everyone would be better off without me"), ida)
    assert "walk by the river" in reply.text and "116 123" in reply.text


async def test_opting_out_and_erasing_leaves_nothing_to_show(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    jo = chat.user("jo")
    await say(chat, jo, "!safetyplan write")
    await chat.press(jo, "consent:agree:crisis")
    await chat.answer(jo, "tired")
    await chat.answer(jo, "stop")
    asked = (await say(chat, jo, "!optout crisis"))[-1]
    await press(chat, jo, asked, "Erase it")
    assert "haven't written a safety plan" in (await say(chat, jo, "!safetyplan"))[-1].text
    assert "Before we start" in (await say(chat, jo, "!safetyplan edit"))[-1].content.title


# --- !sos always helps ----------------------------------------------------------------------------


async def test_sos_for_someone_outside_check_ins_gives_lines_and_a_moderator_on_request(fresh_bot):
    bot, chat, mo, kit = fresh_bot
    kai = chat.user("kai")
    sos = (await say(chat, kai, "!sos"))[-1]
    assert sos.private_to == kai
    assert "Emergency: 911" in sos.text and "988" in sos.text
    assert "not joined" not in sos.text and "local emergency number" not in sos.text
    assert not alerts_to(chat, mo), "nobody is told without the member's say-so"
    asked = await press(chat, kai, sos, "Ask a moderator to reach out")
    assert "I've asked the moderators" in asked[-1].text
    assert "asked for help" in dict(alerts_to(chat, mo)[-1].content.fields)["About"]
