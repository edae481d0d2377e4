"""The name a member showed when answering is kept sealed: a copy of the database does not say who goes."""

from __future__ import annotations

import json

from bot.model import UserRef
from bot.testing import stored_bytes
from bot.vault import decode_key, generate_key


async def test_names_are_sealed_on_disk_yet_shown_to_organisers_and_in_the_members_export(open_bot, steps):
    async with open_bot() as (bot, chat):
        organiser = chat.user("olga", moderator=True)
        riley = UserRef(chat.platform, "4417", "Riley Quartermain")  # the platform's id is not the name
        await chat.say(organiser, "!meetup channel here")
        _, post, _ = await steps.create(chat, organiser, "Circle, tomorrow 7pm")
        await steps.rsvp(chat, riley, post)
        assert b"Riley Quartermain" not in await stored_bytes(bot.db)

        listed = (await chat.say(organiser, "!meetup attendees Circle"))[-1]
        assert "Riley Quartermain" in listed.text
        export = json.loads((await chat.say(riley, "!mydata"))[-1].content.files[0].data)
        assert [r["display_name"] for r in export["features"]["meetups"]["rsvps"]] == ["Riley Quartermain"]

        # `kindred keys rotate` re-seals them, and organisers still read them afterwards.
        sealed_before = await bot.db.fetchval("SELECT display_name FROM meetup_rsvps")
        await bot.rotate_key(decode_key(generate_key()))
        assert await bot.db.fetchval("SELECT display_name FROM meetup_rsvps") != sealed_before
        assert "Riley Quartermain" in (await chat.say(organiser, "!meetup attendees Circle"))[-1].text


async def test_names_an_older_version_stored_in_plain_text_are_sealed_at_the_next_start(open_bot, steps):
    async with open_bot() as (bot, chat):
        organiser, sam = chat.user("olga", moderator=True), UserRef(chat.platform, "5120", "Sam Oldversion")
        await chat.say(organiser, "!meetup channel here")
        _, post, _ = await steps.create(chat, organiser, "Walk, tomorrow 10am")
        await steps.rsvp(chat, sam, post)
        # The database as an older version left it: the name in plain text, migration 2 not yet applied.
        await bot.db.execute("UPDATE meetup_rsvps SET display_name = 'Sam Oldversion'")
        await bot.db.execute("DELETE FROM schema_versions WHERE component = 'meetups' AND version = 2")
    async with open_bot() as (bot, chat):
        assert (await bot.db.fetchval("SELECT display_name FROM meetup_rsvps")).startswith("v1:")
        await bot.db.checkpoint()
        organiser = chat.user("olga", moderator=True)
        assert "Sam Oldversion" in (await chat.say(organiser, "!meetup attendees Walk"))[-1].text
