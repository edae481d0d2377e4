"""A member answering someone in crisis is not treated as the one in crisis; the moderators hear where."""

from __future__ import annotations

import asyncio

from bot.model import IncomingMessage

ANSWER = "please dont do it, call 988 right now. we love you here"


async def _say(chat, user, text, link=None):
    before = len(chat.sent)
    message = IncomingMessage(text, user, chat.channel(), message_id="m-7", link=link)
    await asyncio.wait_for(chat.bot.handle_message(message), timeout=10)
    return chat.sent[before:]


async def test_a_peer_answering_is_not_asked_if_they_are_safe_and_the_moderators_hear_where(crisis_bot):
    bot, chat, mod = crisis_bot
    fern = chat.user("fern")
    sent = await _say(chat, fern, ANSWER, link="https://chat.example/general/m-7")
    assert [s for s in sent if s.private_to == fern] == [], "no 'are you safe?' for the one helping"
    notes = [s for s in sent if s.place == chat.channel("mods")]
    assert len(notes) == 1
    note = notes[0]
    assert note.content.title == "A conversation may need a moderator"
    fields = dict(note.content.fields)
    assert "https://chat.example/general/m-7" in fields["Where"]
    assert "Member" not in fields and "fern" not in note.text, (
        "the note is about the conversation, not the helper"
    )
    assert "988" not in note.text and "love you" not in note.text, "the message itself is never copied"
    assert not chat.in_place(chat.channel()), "nothing public in the channel"


async def test_one_note_per_conversation_within_the_cooldown(crisis_bot, clock):
    bot, chat, mod = crisis_bot
    fern, gus = chat.user("fern"), chat.user("gus")
    assert await _say(chat, fern, ANSWER)
    assert await _say(chat, gus, "you're not alone, please stay with us and call a crisis line tonight") == []
    clock.advance(minutes=61)
    assert await _say(chat, gus, "suicide is never the answer, we're here for you")


async def test_the_writer_in_crisis_still_gets_the_full_reply_even_when_thanking_others(crisis_bot):
    bot, chat, mod = crisis_bot
    hal = chat.user("hal")
    sent = await _say(chat, hal, "thank you all for everything. im going to kill myself tonight")
    assert any(s.private_to == hal and "Are you safe right now?" in s.text for s in sent)
