"""Files members send with a command on Matrix (a real Synapse): a reply to the file, or the file's
caption. Plain and end-to-end encrypted rooms; too big or not text is refused before any download."""

from __future__ import annotations

from nio import RoomMessageNotice

from tests.matrix.member import Member
from tests.matrix.test_matrix_adapter import DEADLINE

PROMPT = (
    b'[[prompts]]\ntitle = "Evening pause"\ncategory = "sleep"\n'
    b'text = "Sit for a moment before bed and let the day settle."\n'
)
COGS = ("cogs.privacy", "cogs.mindfulness")


async def bot_says(member: Member, bot_user: str, words: str, after: int) -> RoomMessageNotice:
    """The bot's next notice containing `words`, in any room (private answers come in a DM)."""
    return await member.wait_for(
        lambda _rid, event: (
            event.sender == bot_user and isinstance(event, RoomMessageNotice) and words in event.body
        ),
        after=after,
        seconds=DEADLINE,
    )


async def community_rooms(kindred, new_member, *encrypted: bool):
    """A bot whose community is rooms alice made (so she moderates them), mapped in its config."""
    alice = await new_member("alice")
    account = kindred.register()
    rooms = [
        await alice.create_room([account.user_id], encrypted=flag, name="Peer support") for flag in encrypted
    ]
    bot, _adapter, _ = await kindred.start(account=account, cogs=COGS, rooms=rooms)
    for room_id in rooms:
        await alice.wait_for_join(room_id, account.user_id)
    return bot, account, alice, rooms


def reply_to(event_id: str) -> dict:
    return {"m.relates_to": {"m.in_reply_to": {"event_id": event_id}}}


async def test_a_command_replying_to_a_file_reads_it_in_plain_and_encrypted_rooms(kindred, new_member):
    bot, account, alice, rooms = await community_rooms(kindred, new_member, False, True)
    library = bot.get_cog("mindfulness").store.library
    for room_id, title in zip(rooms, ("Evening pause", "Night pause"), strict=True):
        data = PROMPT.replace(b"Evening pause", title.encode())
        file_id = await alice.send_file(room_id, "ours.toml", data, "application/octet-stream")
        mark = alice.mark()
        await alice.send_text(room_id, "> <@alice> sent a file.\n\n!prompts import", extra=reply_to(file_id))
        answer = await bot_says(alice, account.user_id, "Imported 1 prompt", mark)
        assert answer.decrypted, "the moderator's answer comes in the bot's encrypted DM"
        assert title in {p.title for p in (await library(1)).values()}


async def test_a_file_captioned_with_the_command_is_read(kindred, new_member):
    bot, account, alice, (room_id,) = await community_rooms(kindred, new_member, True)
    mark = alice.mark()
    await alice.send_file(room_id, "ours.toml", PROMPT, "application/toml", caption="!prompts import")
    await bot_says(alice, account.user_id, "Imported 1 prompt", mark)
    assert "evening-pause" in await bot.get_cog("mindfulness").store.library(1)


async def test_a_picture_or_a_file_too_big_gets_a_kind_answer(kindred, new_member, homeserver):
    bot, account, alice, (room_id,) = await community_rooms(kindred, new_member, False)
    before = dict(await bot.get_cog("mindfulness").store.library(1))

    photo = await alice.send_file(room_id, "sunset.png", b"\x89PNG\r\n\x1a\n", "image/png", msgtype="m.image")
    mark = alice.mark()
    await alice.send_text(room_id, "!prompts import", extra=reply_to(photo))
    answer = await bot_says(alice, account.user_id, "`sunset.png` is not a text file", mark)
    assert ".toml or .json file" in answer.body

    big = await alice.send_file(room_id, "all.toml", PROMPT, "application/toml", declared_size=300 * 1024)
    mark = alice.mark()
    await alice.send_text(room_id, "!prompts import", extra=reply_to(big))
    await bot_says(alice, account.user_id, "`all.toml` is 300 KB, more than I can read (256 KB)", mark)

    mark = alice.mark()
    await alice.send_text(room_id, "!prompts import")  # no file at all: how to send one here
    await bot_says(alice, account.user_id, "send the file first, then reply to it with the command", mark)
    assert await bot.get_cog("mindfulness").store.library(1) == before
