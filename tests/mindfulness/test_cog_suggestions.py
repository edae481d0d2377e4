"""Members suggest prompts; moderators approve, edit then approve, or reject; data is exportable and erasable."""

from __future__ import annotations

import json

from bot.vault import decode_key, generate_key
from tests.mindfulness.conftest import texts

IDEA = "What is one song that always lifts your mood, and why that one?"


async def suggest_with_consent(chat, member, text=IDEA):
    asked = await chat.say(member, f"!suggest {text}")
    assert asked[-1].content.title == "Before we start"
    return await chat.press(member, chat.find_choice(asked[-1], "I agree"))


async def test_nothing_is_stored_before_consent_and_declining_stores_nothing(mindful):
    bot, chat, mod, member = mindful
    asked = await chat.say(member, f"!suggest {IDEA}")
    assert "suggest" in asked[-1].text.lower() and asked[-1].private_to == member
    assert await bot.db.fetchval("SELECT count(*) FROM mindfulness_suggestions") == 0
    await chat.press(member, chat.find_choice(asked[-1], "No thanks"))
    assert await bot.db.fetchval("SELECT count(*) FROM mindfulness_suggestions") == 0
    assert await bot.members.lookup(member) is None


async def test_suggestion_is_sealed_queued_and_the_member_sees_its_status(mindful):
    bot, chat, mod, member = mindful
    thanks = await suggest_with_consent(chat, member)
    assert "Suggestion #1 is with the moderators" in texts(thanks)
    raw = await bot.db.fetchval("SELECT text FROM mindfulness_suggestions")
    assert "song" not in raw  # sealed at rest
    assert "#1** waiting for the moderators" in texts(await chat.say(member, "!suggestions"))
    queue = texts(await chat.say(mod, "!prompts queue"))
    assert "#1**" in queue and "song that always lifts your mood" in queue


async def test_members_are_refused_moderator_queue_commands(mindful):
    bot, chat, mod, member = mindful
    await suggest_with_consent(chat, member)
    for line in ["!prompts queue", "!prompts approve 1", "!prompts reject 1 no", "!prompts credit on"]:
        assert "is for moderators" in texts(await chat.say(member, line)), line
    assert await bot.db.fetchval("SELECT status FROM mindfulness_suggestions") == "pending"


async def test_edit_then_approve_adds_the_prompt_and_tells_the_member(mindful):
    bot, chat, mod, member = mindful
    await suggest_with_consent(chat, member)
    reply = texts(
        await chat.say(
            mod,
            "!prompts approve 1 connection Songs that lift us | Think of one song that "
            "lifts your mood and hum a line of it. | Which song is yours? | 3",
        )
    )
    assert "is now prompt `songs-that-lift-us` (Connection and trust)" in reply
    assert "your suggestion #1 was added" in chat.last(member).text
    assert "added to the prompts" in texts(await chat.say(member, "!suggestions"))
    shown = texts(await chat.say(mod, "!prompts show songs-that-lift-us"))
    assert "hum a line" in shown and "suggestion" in shown
    assert "approved (edited) suggestion #1 as songs-that-lift-us" in texts(
        await chat.say(mod, "!prompts log")
    )
    again = texts(await chat.say(mod, "!prompts approve 1"))
    assert "already approved" in again


async def test_approve_as_written_guesses_the_category(mindful):
    bot, chat, mod, member = mindful
    await suggest_with_consent(
        chat, member, "Before sleep tonight, name one thing you are looking forward to tomorrow."
    )
    reply = texts(await chat.say(mod, "!prompts approve 1"))
    assert "(Sleep and rest)" in reply


async def test_reject_with_a_note_reaches_the_member(mindful):
    bot, chat, mod, member = mindful
    await suggest_with_consent(chat, member)
    await chat.say(mod, "!prompts reject 1 We have a music thread already; bring it there!")
    note = chat.last(member).text
    assert "decided not to add it" in note and "music thread" in note
    status = texts(await chat.say(member, "!suggestions"))
    assert "not added" in status and "Note from the moderators: We have a music thread" in status


async def test_a_near_duplicate_is_flagged_to_member_and_moderators(mindful):
    bot, chat, mod, member = mindful
    thanks = texts(
        await suggest_with_consent(chat, member, "Who is someone you are grateful for, and what did they do?")
    )
    assert "looks close to an existing prompt" in thanks
    assert "close to `gratitude-person`" in texts(await chat.say(mod, "!prompts queue"))


async def test_credit_is_opt_in_for_the_member_and_per_community(mindful):
    bot, chat, mod, member = mindful
    await chat.say(mod, "!prompts credit on")
    thanks = await suggest_with_consent(chat, member)
    await chat.press(member, chat.find_choice(thanks[-1], "Show my name"))
    await chat.say(mod, "!prompts approve 1 connection Songs | Hum one line of a song that lifts you today.")
    await chat.say(mod, "!prompts schedule add 9:00 connection")
    await chat.say(mod, "!prompts pin songs")
    await chat.say(mod, "!prompts post")
    credited = chat.in_place(chat.channel())[-1].text
    assert "Suggested by sam." in credited and "sam-id" not in credited  # the name, never the platform id
    await chat.say(mod, "!prompts credit off")
    await chat.say(mod, "!prompts pin songs")
    await chat.say(mod, "!prompts post")
    assert "Suggested by" not in chat.in_place(chat.channel())[-1].text


async def test_mydata_exports_and_forgetme_erases_suggestions_and_credit(mindful):
    bot, chat, mod, member = mindful
    await chat.say(mod, "!prompts credit on")
    thanks = await suggest_with_consent(chat, member)
    await chat.press(member, chat.find_choice(thanks[-1], "Show my name"))
    await chat.say(mod, "!prompts approve 1 connection Songs | Hum one line of a song that lifts you today.")
    await chat.say(
        mod, "!prompts edit songs follow_up Which song is yours?"
    )  # an edit keeps the credit's owner
    cog = bot.get_cog("mindfulness")
    member_id = await bot.members.lookup(member)
    exported = await cog.export_member_data(member_id)
    assert exported["suggestions"][0]["text"] == IDEA
    assert exported["prompts_credited_to_you"] == ["songs"]
    confirm = await chat.say(member, "!forgetme")
    await chat.press(member, chat.find_choice(confirm[-1], "Erase everything"))
    assert await bot.db.fetchval("SELECT count(*) FROM mindfulness_suggestions") == 0
    assert (await cog.store.library(1))["songs"].credit is None


async def test_key_rotation_keeps_suggestions_notes_and_credit_names_readable(mindful):
    bot, chat, mod, member = mindful
    await chat.say(mod, "!prompts credit on")
    thanks = await suggest_with_consent(chat, member)
    await chat.press(member, chat.find_choice(thanks[-1], "Show my name"))
    await chat.say(mod, "!prompts reject 1 Lovely, but we have one like it already.")
    await bot.rotate_key(decode_key(generate_key()))
    assert "we have one like it already" in texts(await chat.say(member, "!suggestions"))
    export = json.loads((await chat.say(member, "!mydata"))[-1].content.files[0].data)
    (suggestion,) = export["features"]["mindfulness"]["suggestions"]
    assert suggestion["moderator_note"].startswith("Lovely") and suggestion["credited_as"] == "sam"
