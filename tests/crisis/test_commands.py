"""Commands end to end: helplines, country, safety plan with consent/export/erase, moderator settings."""

from __future__ import annotations

import asyncio
import json

import pytest

from bot.model import IncomingMessage
from bot.vault import VaultError
from cogs.crisis import helplines


async def _say(chat, user, text, place=None):
    return await asyncio.wait_for(chat.say(user, text, place=place), timeout=10)


async def test_helpline_for_community_named_and_unknown_country(crisis_bot):
    bot, chat, mod = crisis_bot
    kim = chat.user("kim")
    us = await _say(chat, kim, "!helpline")
    assert "988" in us[-1].text and us[-1].private_to == kim
    gb = await _say(chat, kim, "!helpline uk")
    assert "Samaritans" in gb[-1].text and "116 123" in gb[-1].text
    nz = await _say(chat, kim, "!helpline new zealand")
    assert "1737" in nz[-1].text
    unknown = await _say(chat, kim, "!helpline atlantis")
    assert "don't have checked numbers for 'atlantis'" in unknown[-1].text
    assert "findahelpline.com" in unknown[-1].text and "GB" in unknown[-1].text


async def test_crisis_command_works_for_anyone_and_can_ask_for_a_person(crisis_bot):
    bot, chat, mod = crisis_bot
    lee = chat.user("lee")
    sent = await _say(chat, lee, "!crisis")
    assert sent[-1].private_to == lee
    assert "911" in sent[-1].text and "Are you safe right now?" in sent[-1].text
    await chat.press(lee, chat.find_choice(sent[-1], "Ask a moderator to reach out"))
    alert = chat.in_place(chat.channel("mods"))[-1]
    assert "asked for someone to reach out" in alert.text and "lee" in alert.text
    await chat.press(lee, chat.find_choice(sent[-1], "I'm not safe"))
    assert "NOT safe" in chat.in_place(chat.channel("mods"))[-1].content.title
    assert await bot.members.lookup(lee) is None, "asking for help stores no member"


async def test_mycountry_asks_consent_then_changes_the_helplines(crisis_bot):
    bot, chat, mod = crisis_bot
    max_ = chat.user("max")
    asked = await _say(chat, max_, "!mycountry ireland")
    assert asked[-1].content.title == "Before we start"
    assert await bot.members.lookup(max_) is None, "nothing stored before agreeing"
    done = await chat.press(max_, "consent:agree:crisis")
    assert "Ireland" in done[-1].text
    card = await _say(chat, max_, "!crisis")
    assert "112 or 999" in card[-1].text and "Samaritans" in card[-1].text
    wrong = await _say(chat, max_, "!mycountry narnia")
    assert "don't have helplines for 'narnia'" in wrong[-1].text


async def test_safety_plan_consent_write_view_reply_export_and_erase(crisis_bot, tmp_path):
    bot, chat, mod = crisis_bot
    nia = chat.user("nia")
    asked = await _say(chat, nia, "!safetyplan write")
    assert asked[-1].content.title == "Before we start"
    first = await chat.press(nia, "consent:agree:crisis")
    assert "1 of 7" in first[-1].text
    answers = [
        "not sleeping, isolating",
        "walk the dog by the river",
        "skip",
        "my sister Rae",
        "my counselor",
        "give my meds to Rae",
        "my daughter",
    ]
    for answer in answers:
        await asyncio.wait_for(chat.answer(nia, answer), timeout=10)
    shown = await _say(chat, nia, "!safetyplan")
    assert "walk the dog by the river" in shown[-1].text and "my daughter" in shown[-1].text
    assert "People and places" not in shown[-1].text, "a skipped section is left out"
    stored = [row[0] for row in await bot.db.fetchall("SELECT sealed FROM crisis_safety_plans")]
    assert len(stored) == 6 and not any("river" in token for token in stored), "sealed, not plain"

    await asyncio.wait_for(
        bot.handle_message(IncomingMessage("i just want to disappear forever", nia, chat.channel(), "m-9")),
        timeout=10,
    )
    reply = chat.to(nia)[-1]
    assert "Your safety plan" in reply.text and "walk the dog by the river" in reply.text

    export = await _say(chat, nia, "!mydata")
    data = json.loads(export[-1].content.files[0].data)
    assert data["features"]["crisis"]["safety_plan"]["reasons"] == "my daughter"

    edit = await _say(chat, nia, "!safetyplan edit")
    assert "keep" in edit[-1].text
    await chat.answer(nia, "keep")
    await chat.answer(nia, "stop")
    assert "not sleeping" in (await _say(chat, nia, "!safetyplan"))[-1].text

    confirm = await _say(chat, nia, "!forgetme")
    await chat.press(nia, chat.find_choice(confirm[-1], "Erase everything"))
    assert await bot.db.fetchval("SELECT COUNT(*) FROM crisis_safety_plans") == 0


async def test_safety_plan_delete_asks_first(crisis_bot):
    bot, chat, mod = crisis_bot
    oz = chat.user("oz")
    await _say(chat, oz, "!safetyplan write")
    await chat.press(oz, "consent:agree:crisis")
    await chat.answer(oz, "tired and snappy")
    await chat.answer(oz, "stop")
    confirm = await _say(chat, oz, "!safetyplan delete")
    await chat.press(oz, chat.find_choice(confirm[-1], "Keep it"))
    assert "tired and snappy" in (await _say(chat, oz, "!safetyplan"))[-1].text
    confirm = await _say(chat, oz, "!safetyplan delete")
    gone = await chat.press(oz, chat.find_choice(confirm[-1], "Delete it"))
    assert "deleted" in gone[-1].text
    assert "haven't written" in (await _say(chat, oz, "!safetyplan"))[-1].text


async def test_moderator_settings_are_moderators_only_and_take_effect(crisis_bot):
    bot, chat, mod = crisis_bot
    pat = chat.user("pat")
    refused = await _say(chat, pat, "!crisisadmin cooldown 30")
    assert "for moderators" in refused[-1].text
    bad = await _say(chat, mod, "!crisisadmin cooldown 2", place=chat.channel("mods"))
    assert "!crisisadmin cooldown" in bad[-1].text  # says what to type instead
    await _say(
        chat, mod, "!crisisadmin text closing Ni wewe pekee. Andika !helpline.", place=chat.channel("mods")
    )
    await _say(chat, mod, "!crisisadmin country GB", place=chat.channel("mods"))
    shown = await _say(chat, mod, "!crisisadmin show", place=chat.channel("mods"))
    assert "United Kingdom" in shown[-1].text and "closing" in shown[-1].text
    await _say(chat, pat, "my partner hit me again and im scared to go home")
    reply = chat.to(pat)[-1]
    assert "Ni wewe pekee" in reply.text
    assert "999 or 112" in reply.text.split("People you can reach")[1].splitlines()[1]
    restored = await _say(chat, mod, "!crisisadmin text closing", place=chat.channel("mods"))
    assert "restored" in restored[-1].text


async def test_other_cogs_can_screen_private_text_and_get_substance_use_help(crisis_bot):
    bot, chat, mod = crisis_bot
    cog = bot.get_cog("crisis")
    quinn = chat.user("quinn")
    ctx = bot.context(chat, quinn, chat.dm_place(quinn), None)
    assert await cog.screen_private_text(ctx, "had a good day at work") is False
    assert await cog.screen_private_text(ctx, "going to use tonight and i dont care what happens") is True
    assert "SAMHSA" in chat.to(quinn)[-1].text, "relapse danger gets the substance-use line"
    assert "privately" in dict(chat.in_place(chat.channel("mods"))[-1].content.fields)["Where"]
    assert "1-800-662-4357" in await cog.substance_use_resources(ctx)  # the community's country: US
    assert "findahelpline.com" in helplines.substance_use_markdown(None)


async def test_a_sealed_plan_answer_copied_to_another_member_does_not_open(crisis_bot):
    bot, chat, mod = crisis_bot
    for name in ("uma", "vic"):
        user = chat.user(name)
        await _say(chat, user, "!safetyplan write")
        await chat.press(user, "consent:agree:crisis")
        await chat.answer(user, f"{name} warning signs")
        await chat.answer(user, "stop")
    uma_id = await bot.members.lookup(chat.user("uma"))
    vic_id = await bot.members.lookup(chat.user("vic"))
    token = await bot.db.fetchval("SELECT sealed FROM crisis_safety_plans WHERE member_id = ?", (uma_id,))
    await bot.db.execute("UPDATE crisis_safety_plans SET sealed = ? WHERE member_id = ?", (token, vic_id))
    with pytest.raises(VaultError):
        await bot.get_cog("crisis")._plan(vic_id)
    # A plan that cannot be opened must never stand between a member and the crisis reply.
    assert "Are you safe right now?" in (await _say(chat, chat.user("vic"), "!crisis"))[-1].text


async def test_unknown_reply_text_key_gets_the_list(crisis_bot):
    bot, chat, mod = crisis_bot
    wrong = await _say(chat, mod, "!crisisadmin text greeting hello", place=chat.channel("mods"))
    assert "no reply text called 'greeting'" in wrong[-1].text and "closing" in wrong[-1].text
