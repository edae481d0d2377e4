"""End to end through the in-memory adapter: reply, alert, acknowledge, re-alert, cooldown, no text kept."""

from __future__ import annotations

import asyncio

from bot.model import IncomingMessage
from bot.testing import stored_bytes

CRISIS = "honestly i want to die tonight, i cant do this anymore"


async def _say(chat, user, text, place=None, link=None):
    before = len(chat.sent)
    message = IncomingMessage(text, user, place or chat.channel(), message_id="m-1", link=link)
    await asyncio.wait_for(chat.bot.handle_message(message), timeout=10)
    return chat.sent[before:]


def _alerts(chat):
    return [
        s
        for s in chat.in_place(chat.channel("mods"))
        if any(c.id.startswith("crisis.ack:") for c in s.content.choices)
        or (s.content.title or "").startswith(("Crisis alert", "Still unacknowledged"))
    ]


async def test_crisis_message_gets_a_private_warm_reply_and_an_alert(crisis_bot):
    bot, chat, mod = crisis_bot
    alice = chat.user("alice")
    sent = await _say(chat, alice, CRISIS, link="https://chat.example/general/m-1")
    reply = [s for s in sent if s.private_to == alice]
    assert len(reply) == 1, "exactly one private reply"
    text = reply[0].text
    assert "bot" in text and "moderator" in text
    assert "Are you safe right now?" in text
    assert "911" in text.split("People you can reach")[1]  # imminent: emergency number first
    assert "988" in text
    assert "5 things you can see" in text
    assert not chat.in_place(chat.channel()), "nothing public in the channel"
    alert = _alerts(chat)[-1]
    assert "URGENT" in alert.content.title
    fields = dict(alert.content.fields)
    assert fields["About"] == "suicidal thoughts"
    assert "https://chat.example/general/m-1" in fields["Where"]
    assert "alice" in fields["Member"]
    assert "want to die" not in alert.text and "tonight" not in alert.text
    assert [c.label for c in alert.content.choices] == ["Acknowledge"]


async def test_ordinary_figurative_and_milestone_messages_stay_silent(crisis_bot):
    bot, chat, mod = crisis_bot
    bob = chat.user("bob")
    for text in [
        "this traffic is killing me",
        "200 days sober, I killed it at my interview",
        "not suicidal, just tired",
        "anyone up for coffee?",
    ]:
        assert await _say(chat, bob, text) == [], text


async def test_direct_message_to_the_bot_is_watched(crisis_bot):
    bot, chat, mod = crisis_bot
    cara = chat.user("cara")
    sent = await asyncio.wait_for(chat.dm(cara, "i took way too many pills"), timeout=10)
    assert any("Emergency: 911" in s.text for s in sent if s.place == chat.dm_place(cara))
    assert "possible overdose" in dict(_alerts(chat)[-1].content.fields)["About"]
    assert "direct message" in dict(_alerts(chat)[-1].content.fields)["Where"]


async def test_cooldown_holds_a_second_reply_unless_the_level_rises(crisis_bot, clock):
    bot, chat, mod = crisis_bot
    dan = chat.user("dan")
    assert await _say(chat, dan, "everyone would be better off without me")
    assert await _say(chat, dan, "seriously nobody would miss me") == []
    rising = await _say(chat, dan, "i have the pills in front of me right now")
    assert any(s.private_to == dan for s in rising), "a higher level breaks through the cooldown"
    clock.advance(minutes=61)
    assert await _say(chat, dan, "everyone would be better off without me")


async def test_acknowledge_records_who_and_stops_the_realert(crisis_bot, clock):
    bot, chat, mod = crisis_bot
    erin = chat.user("erin")
    await _say(chat, erin, CRISIS)
    alert = _alerts(chat)[-1]
    ack = chat.find_choice(alert, "Acknowledge")
    refused = await chat.press(erin, ack)
    assert "Only moderators" in refused[-1].text
    taken = await chat.press(mod, ack, place=chat.channel("mods"))
    assert "Thank you for taking this" in taken[-1].text
    assert "acknowledged by mo" in chat.in_place(chat.channel("mods"))[-1].text
    row = await bot.db.fetchone("SELECT * FROM crisis_alerts")
    assert "mo" in row["acknowledged_by"]
    assert all("erin" not in str(value) for value in dict(row).values()), "the row never names the member"
    again = await chat.press(mod, ack, place=chat.channel("mods"))
    assert "already took" in again[-1].text
    clock.advance(minutes=30)
    await bot.scheduler.run_due()
    assert len(_alerts(chat)) == 1, "no re-alert once acknowledged"


async def test_unacknowledged_alert_comes_back_then_stops(crisis_bot, clock):
    bot, chat, mod = crisis_bot
    await _say(chat, mod, "!crisisadmin realert 10", place=chat.channel("mods"))
    await _say(chat, chat.user("finn"), CRISIS)
    for _ in range(5):
        clock.advance(minutes=11)
        await asyncio.wait_for(bot.scheduler.run_due(), timeout=10)
    titles = [s.content.title for s in _alerts(chat)]
    assert titles[0].startswith("Crisis alert")
    assert sum(t.startswith("Still unacknowledged") for t in titles) == 3  # MAX_REALERTS


async def test_not_safe_answer_escalates_the_alert(crisis_bot):
    bot, chat, mod = crisis_bot
    gia = chat.user("gia")
    sent = await _say(chat, gia, "i keep thinking about killing myself")
    reply = [s for s in sent if s.private_to == gia][0]
    answer = await chat.press(gia, chat.find_choice(reply, "I'm not safe"))
    assert "911" in answer[-1].text
    assert "NOT safe" in _alerts(chat)[-1].content.title
    safe = await chat.press(gia, chat.find_choice(reply, "I'm safe for now"))
    assert "glad you're safe" in safe[-1].text


async def test_no_table_or_file_holds_the_message_text(crisis_bot, tmp_path):
    bot, chat, mod = crisis_bot
    secret = "zanzibar sewerslide tonight i want to die"
    await _say(chat, chat.user("hal"), secret)
    assert _alerts(chat), "the message did raise an alert"
    await bot.db.checkpoint()
    for table in await bot.db.tables():
        for row in await bot.db.fetchall(f'SELECT * FROM "{table}"'):
            for value in row:
                assert "zanzibar" not in str(value), table
    assert b"zanzibar" not in await stored_bytes(bot.db)  # SQLite: the file and its WAL, byte for byte


async def test_monitoring_can_be_narrowed_after_a_yes_and_moderators_in_the_alert_channel_are_not_scanned(
    crisis_bot,
):
    bot, chat, mod = crisis_bot
    ivy = chat.user("ivy")
    assert await _say(chat, mod, "i want to die", place=chat.channel("mods")) == []
    asked = await _say(chat, mod, "!crisisadmin monitor add", place=chat.channel("support"))
    assert "Every other channel would no longer be watched" in asked[-1].text
    assert await _say(chat, ivy, CRISIS, place=chat.channel("general")), "nothing narrows before the yes"
    done = await chat.press(
        mod, chat.find_choice(asked[-1], "Yes, watch less"), place=chat.channel("support")
    )
    assert "only `support`" in done[-1].text and "Before: every channel" in done[-1].text
    assert await _say(chat, chat.user("uli"), CRISIS, place=chat.channel("general")) == []
    assert await _say(chat, chat.user("uli"), CRISIS, place=chat.channel("support"))
    asked = await _say(chat, mod, "!crisisadmin monitor off", place=chat.channel("mods"))
    await chat.press(mod, chat.find_choice(asked[-1], "Yes, watch less"), place=chat.channel("mods"))
    assert await asyncio.wait_for(chat.dm(chat.user("jo"), CRISIS), timeout=10), "DMs are always watched"


async def test_moderators_are_told_when_the_private_reply_cannot_be_delivered(crisis_bot):
    bot, chat, mod = crisis_bot
    rae = chat.user("rae")
    original = chat.send_private

    async def closed_dms(user, content, token=None):
        if user == rae:
            raise RuntimeError("this member does not accept direct messages")
        return await original(user, content, token)

    chat.send_private = closed_dms
    await _say(chat, rae, CRISIS)
    notes = [
        s for s in chat.in_place(chat.channel("mods")) if "could NOT be delivered" in (s.content.title or "")
    ]
    assert notes and "reach them another way" in notes[-1].text
    assert "rae" in dict(_alerts(chat)[0].content.fields)["Member"]


async def test_the_reply_never_claims_a_moderator_was_told_when_none_can_be(tmp_path, clock):
    from bot.testing import MemoryAdapter, make_test_bot

    async with make_test_bot(
        tmp_path, cogs=["cogs.privacy", "cogs.crisis"], adapters=[MemoryAdapter()], clock=clock
    ) as (bot, chat):
        sam = chat.user("sam")
        await _say(chat, sam, CRISIS)
        reply = chat.to(sam)[-1].text
        assert "couldn't reach a moderator" in reply and "let the moderators know" not in reply
        assert "Are you safe right now?" in reply


async def test_alert_rows_go_after_ninety_days_and_a_moderator_who_leaves_is_not_named(crisis_bot, clock):
    bot, chat, mod = crisis_bot
    await _say(chat, chat.user("fay"), CRISIS)
    asked = await _say(chat, mod, "!mycountry ireland")  # the moderator has data of their own to erase
    await chat.press(mod, "consent:agree:crisis")
    assert asked[-1].content.title == "Before we start"
    await chat.press(mod, chat.find_choice(_alerts(chat)[-1], "Acknowledge"), place=chat.channel("mods"))
    confirm = await _say(chat, mod, "!forgetme")
    await chat.press(mod, chat.find_choice(confirm[-1], "Erase everything"))
    row = await bot.db.fetchone("SELECT acknowledged_by FROM crisis_alerts")
    assert row["acknowledged_by"] == "a former moderator"
    clock.advance(minutes=60 * 24 * 89)
    await bot.enforce_retention()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM crisis_alerts") == 1
    clock.advance(minutes=60 * 24 * 2)
    await bot.enforce_retention()
    assert await bot.db.fetchval("SELECT COUNT(*) FROM crisis_alerts") == 0
