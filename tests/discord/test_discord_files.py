"""Files members send with a command on Discord: an attachment option on the slash command, or a file
attached to a typed `!command`. Read only when the command wants it, text files up to 256 KB only."""

from __future__ import annotations

import pytest

PROMPT = (
    b'[[prompts]]\ntitle = "Evening pause"\ncategory = "sleep"\n'
    b'text = "Sit for a moment before bed and let the day settle."\n'
)
ATTACHMENT = 11


@pytest.fixture
async def mindful(start_kindred, discord_double):
    async with start_kindred(cogs=["cogs.privacy", "cogs.mindfulness"]) as (bot, _adapter):
        yield bot, discord_double


async def test_a_slash_command_takes_the_file_in_its_attachment_option(mindful):
    bot, double = mindful
    prompts = next(c for c in double.global_commands if c["name"] == "prompts")
    declared = next(o for o in prompts["options"] if o["name"] == "import")
    (option,) = [o for o in declared["options"] if o["type"] == ATTACHMENT]
    assert option["name"] == "attachment" and not option.get("required")

    upload = double.upload("ours.toml", PROMPT, "application/toml")
    answer = await double.wait_reply(
        await double.slash(double.morgan, double.moderators_id, "prompts import", {"attachment": upload})
    )
    assert answer.ephemeral and "Imported 1 prompt" in answer.text()
    assert double.cdn_downloads == ["ours.toml"]
    assert "evening-pause" in await bot.get_cog("mindfulness").store.library(1)


async def test_a_file_attached_to_a_typed_command_is_read(mindful):
    bot, double = mindful
    upload = double.upload("ours.toml", PROMPT)  # no content type: the .toml name says it is text
    await double.user_says(double.morgan, double.moderators_id, "!prompts import", attachments=[upload])
    answer = await double.wait_for_message(lambda m: "Imported 1 prompt" in m.text(), "the import's answer")
    assert answer.channel_id == double.dm_channels[double.morgan.id]  # a moderator's answer, in private
    assert double.cdn_downloads == ["ours.toml"]


async def test_too_big_or_not_text_is_refused_kindly_without_downloading(mindful):
    bot, double = mindful
    before = dict(await bot.get_cog("mindfulness").store.library(1))
    huge = double.upload("everything.toml", b"#" * (300 * 1024), "application/toml")
    refused = await double.wait_reply(
        await double.slash(double.morgan, double.moderators_id, "prompts import", {"attachment": huge})
    )
    assert refused.ephemeral
    assert "`everything.toml` is 300 KB, more than I can read (256 KB)" in refused.content
    assert "Type `/prompts import" in refused.content

    photo = double.upload("sunset.png", b"\x89PNG\r\n\x1a\n", "image/png")
    refused = await double.wait_reply(
        await double.slash(double.morgan, double.moderators_id, "prompts import", {"attachment": photo})
    )
    assert "`sunset.png` is not a text file" in refused.content and ".toml or .json file" in refused.content
    assert double.cdn_downloads == []
    assert await bot.get_cog("mindfulness").store.library(1) == before


async def test_files_on_ordinary_messages_are_never_downloaded(mindful):
    _bot, double = mindful
    holiday = double.upload("holiday.txt", b"my private notes", "text/plain")
    await double.user_says(double.alex, double.general_id, "look what I wrote", attachments=[holiday])
    await double.user_says(double.alex, double.general_id, "!help practice")
    await double.wait_for_message(lambda m: "practice" in m.text(), "the answer to the next command")
    assert double.cdn_downloads == []
