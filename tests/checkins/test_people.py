"""Milestones, follow-ups, partners and moderators: what other people may and may not see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.cog import Cog
from tests.checkins.conftest import choice, join, sweep_at

EVENING = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


async def answer_through(chat, user, mood="3", craving="2", on_track="Yes"):
    sent = await chat.press(user, choice(chat.last(user), mood))
    sent = await chat.press(user, choice(sent[-1], craving))
    return await chat.press(user, choice(sent[-1], on_track))


async def test_milestone_is_congratulated_privately_and_announced_only_with_opt_in(env, clock):
    bot, chat = env
    general = chat.channel("general")
    mod = chat.user("mod", moderator=True)
    await chat.say(mod, "!checkin celebrations here", place=general)
    ada, ben = chat.user("ada"), chat.user("ben")
    for member in (ada, ben):
        await join(chat, member)
        await chat.say(member, "!checkin sober 2026-11-21")  # 7 days on 28 November
    await chat.say(ada, "!checkin announce on")
    await sweep_at(bot, clock, EVENING)  # 6 days: nothing yet
    assert not chat.in_place(general)
    await sweep_at(bot, clock, EVENING + timedelta(days=1))
    assert "7 days" in chat.last(ada).text and "7 days" in chat.last(ben).text
    announced = [s.text for s in chat.in_place(general)]
    assert announced == ["🎉 ada reached **7 days** today. Congratulations!"]
    # Each milestone is congratulated once.
    await sweep_at(bot, clock, EVENING + timedelta(days=2))
    assert "7 days" not in chat.last(ada).text and len(chat.in_place(general)) == 1


async def test_a_slip_is_met_without_shame_resets_quietly_and_keeps_history(env, clock):
    bot, chat = env
    general = chat.channel("general")
    await chat.say(chat.user("mod", moderator=True), "!checkin celebrations here", place=general)
    cai = chat.user("cai")
    await join(chat, cai)
    await chat.say(cai, "!checkin sober 2026-10-01")
    await chat.say(cai, "!checkin announce on")
    await sweep_at(bot, clock, EVENING)
    support = (await answer_through(chat, cai, on_track="Had a slip"))[-1]
    text = support.text.lower()
    assert "doesn't define you" in text and "would you like it to start again from today?" in text
    assert "helpline" in text  # without the crisis cog, the built-in pointer
    for word in ("fail", "relapse", "disappoint", "should have"):
        assert word not in text
    restarted = (await chat.press(cai, choice(support, "Start my count again")))[-1]
    assert (
        "starts again from today" in restarted.text and "`!checkin sober undo` puts it back" in restarted.text
    )
    periods = await bot.db.fetchall("SELECT started, ended FROM checkin_sober_periods ORDER BY started")
    assert [tuple(p) for p in periods] == [("2026-10-01", "2026-11-27"), ("2026-11-27", None)]
    # "Continue" goes on with the check-in; the next day's "1 day" is private, never announced.
    assert (await chat.press(cai, choice(restarted, "Continue my check-in")))[-1].content.ask is not None
    await sweep_at(bot, clock, EVENING + timedelta(days=1))
    assert "1 day" in chat.last(cai).text
    assert chat.in_place(general) == []
    exported = await bot.get_cog("checkins").export_member_data(await bot.members.lookup(cai))
    assert len(exported["sober_periods"]) == 2


async def test_high_craving_and_struggling_offer_a_practice_and_a_partner(env, clock):
    bot, chat = env
    dee = chat.user("dee")
    await join(chat, dee)
    await sweep_at(bot, clock, EVENING)
    sent = await chat.press(dee, choice(chat.last(dee), "2"))
    offer = (await chat.press(dee, choice(sent[-1], "8")))[-1]
    assert "Cravings are strong" in offer.text
    assert [c.label for c in offer.content.choices] == ["A short practice", "Continue my check-in"]
    practice = (await chat.press(dee, choice(offer, "A short practice")))[-1]
    assert "Riding the wave" in practice.text  # the built-in one: no mindfulness cog loaded
    on_track = (await chat.press(dee, choice(practice, "Continue my check-in")))[-1]
    struggling = (await chat.press(dee, choice(on_track, "Struggling")))[-1]
    assert "Struggling days are part of recovery" in struggling.text


class StandIn(Cog):
    """Stands in for a cog another helper builds; only the method check-ins calls is real."""

    async def export_member_data(self, member_id):
        return {}

    async def delete_member_data(self, member_id):
        return None


class FakeMindfulness(StandIn):
    name = "mindfulness"

    async def practice_for(self, category, community_id):
        from bot.model import Content

        return Content(title="Box breathing", text=f"practice for {category}")


class FakeCrisis(StandIn):
    name = "crisis"

    def __init__(self, bot):
        super().__init__(bot)
        self.screened = []

    async def substance_use_resources(self, ctx):
        return f"Helpline for {ctx.community.country}: 0800 TEST"

    async def screen_private_text(self, ctx, text):
        self.screened.append(text)
        return False


async def test_other_cogs_are_used_when_present(env, clock):
    bot, chat = env
    crisis = FakeCrisis(bot)
    bot.cogs["mindfulness"], bot.cogs["crisis"] = FakeMindfulness(bot), crisis
    try:
        eve = chat.user("eve")
        await join(chat, eve)
        await sweep_at(bot, clock, EVENING)
        slip = (await answer_through(chat, eve, on_track="Had a slip"))[-1]
        assert "Helpline for US: 0800 TEST" in slip.text
        practice = (await chat.press(eve, choice(slip, "A short practice")))[-1]
        assert practice.text.startswith("**Box breathing**")
        sent = await chat.press(eve, choice(practice, "Continue my check-in"))
        sent = await chat.press(eve, choice(sent[-1], "Skip"))
        await chat.answer(eve, "a hard evening")
        assert crisis.screened == ["a hard evening"]
    finally:
        del bot.cogs["mindfulness"], bot.cogs["crisis"]


async def pair(chat, a, b):
    await chat.say(a, f"!partner invite @{b.name}")
    invitation = chat.last(b)
    assert invitation.private_to == b and "won't be told" in invitation.text
    return await chat.press(b, choice(invitation, "Accept"))


async def test_partner_invitation_needs_the_other_member_to_join_and_accept(env):
    bot, chat = env
    fay, gus = chat.user("fay"), chat.user("gus")
    await join(chat, fay)
    reply = (await pair(chat, fay, gus))[-1]
    assert "Join first" in reply.text and await bot.db.fetchval("SELECT COUNT(*) FROM checkin_partners") == 0
    assert await bot.members.lookup(gus) is None  # nothing stored about gus by the invitation
    await join(chat, gus)
    accept = choice(
        next(s for s in reversed(chat.to(gus)) if s.content.title == "A check-in partner invitation"),
        "Accept",
    )
    await chat.press(gus, accept)
    assert "accepted" in chat.last(fay).text
    assert await bot.db.fetchval("SELECT COUNT(*) FROM checkin_partners") == 2


async def test_declining_tells_nobody(env):
    bot, chat = env
    hal, ida = chat.user("hal"), chat.user("ida")
    await join(chat, hal)
    await chat.say(hal, "!partner invite @ida")
    before = len(chat.to(hal))
    await chat.press(ida, choice(chat.last(ida), "No thanks"))
    assert len(chat.to(hal)) == before


async def test_partners_see_only_what_is_shared_and_never_notes(env, clock):
    bot, chat = env
    jay, kim = chat.user("jay"), chat.user("kim")
    await join(chat, jay)
    await join(chat, kim)
    await pair(chat, jay, kim)
    await chat.say(kim, "!checkin summary on")
    await sweep_at(bot, clock, EVENING)
    await answer_through(chat, jay, mood="2", craving="3", on_track="Yes")
    await chat.answer(jay, "secret intention")
    await chat.answer(jay, "secret note")
    summary = (await chat.say(kim, "!partner list"))[-1].text
    assert "**jay**: checked in" in summary
    for hidden in ("mood", "2/5", "secret", "craving", "yes"):
        assert hidden not in summary.lower().replace("checked in", "")
    await chat.say(jay, "!checkin share mood on")
    await chat.say(jay, "!checkin share ontrack on")
    summary = (await chat.say(kim, "!partner list"))[-1].text
    assert "mood 2/5" in summary and "yes" in summary and "secret" not in summary
    await chat.say(jay, "!checkin share checkins off")
    await chat.say(jay, "!checkin share mood off")
    await chat.say(jay, "!checkin share ontrack off")
    assert "shares nothing" in (await chat.say(kim, "!partner list"))[-1].text
    # The daily summary at kim's own check-in covers yesterday, with the same rules.
    await sweep_at(bot, clock, EVENING + timedelta(days=1))
    daily = [s for s in chat.to(kim) if s.content.title and s.content.title.startswith("Your partners")]
    assert daily and "secret" not in daily[-1].text and "shares nothing" in daily[-1].text


async def test_moderators_see_totals_only_and_small_days_are_hidden(env, clock):
    bot, chat = env
    members = [chat.user(f"p{i}") for i in range(4)]
    for member in members:
        await join(chat, member)
    await sweep_at(bot, clock, EVENING)
    for member in members[:3]:
        await answer_through(chat, member, mood="1")
        await chat.answer(member, "private words")
    mod = chat.user("mod", moderator=True)
    stats = (await chat.say(mod, "!checkin stats"))[-1]
    assert "**4 members** take part" in stats.text and "75% checked in (4 asked)" in stats.text
    for leak in ("p0", "p1", "mood", "private words", "1/5"):
        assert leak not in stats.text
    refused = (await chat.say(members[0], "!checkin stats"))[-1]
    assert "for moderators" in refused.text
    # A day where only two were asked shows no rate at all.
    await chat.say(members[0], "!checkin pause")
    await chat.say(members[1], "!checkin pause")
    await sweep_at(bot, clock, EVENING + timedelta(days=1))
    stats = (await chat.say(mod, "!checkin stats"))[-1]
    assert "2026-11-28" not in stats.text
    assert "1 other day had fewer than 3 people asked and is not shown." in stats.text


async def test_moderators_can_reword_and_switch_questions_but_not_their_kind(env, clock):
    bot, chat = env
    mod = chat.user("mod", moderator=True)
    await chat.say(mod, "!checkin question mood How are you feeling, 1 to 5?")
    await chat.say(mod, "!checkin question craving off")
    await chat.say(mod, "!checkin question note off")
    nia = chat.user("nia")
    await join(chat, nia)
    await sweep_at(bot, clock, EVENING)
    prompt = chat.last(nia)
    assert "How are you feeling, 1 to 5?" in prompt.text and len(prompt.content.choices) == 5
    sent = await chat.press(nia, choice(prompt, "4"))
    assert [c.label for c in sent[-1].content.choices] == ["Yes", "Struggling", "Had a slip"]
    sent = await chat.press(nia, choice(sent[-1], "Yes"))
    sent = await chat.answer(nia, "be kind to myself")
    assert "Thank you for checking in" in sent[-1].text
    for key in ("mood", "on_track", "intention"):
        await chat.say(mod, f"!checkin question {key} off")
    refused = (await chat.say(mod, "!checkin question intention off"))[-1]
    assert "At least one question has to stay on" in refused.text
    refused = (await chat.say(chat.user("nia"), "!checkin question mood off"))[-1]
    assert "for moderators" in refused.text


async def test_struggling_can_ask_a_partner_to_reach_out_gently(env, clock):
    bot, chat = env
    rio, sky = chat.user("rio"), chat.user("sky")
    await join(chat, rio)
    await join(chat, sky)
    await pair(chat, rio, sky)
    await sweep_at(bot, clock, EVENING)
    offer = (await answer_through(chat, rio, on_track="Struggling"))[-1]
    told = (await chat.press(rio, choice(offer, "Ask my partner to reach out")))[-1]
    assert "I've let sky know" in told.text
    nudge = chat.last(sky)
    assert nudge.private_to == sky and "rio is having a hard day and would welcome a message" in nudge.text
    assert "🆘" not in nudge.text  # gentler than !sos
