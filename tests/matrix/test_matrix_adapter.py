"""Kindred on Matrix, end to end: a real Synapse, the real adapter, and real nio clients as members."""

from __future__ import annotations

import asyncio
import json

import pytest
from nio import RoomEncryptedFile, RoomMemberEvent, RoomMessage, RoomMessageNotice
from nio.crypto.attachments import decrypt_attachment

from bot.model import Content, PlaceRef
from tests.matrix.member import Member

DEADLINE = 20.0


def from_bot(bot_user: str, room_id: str | None = None, kind=RoomMessageNotice):
    return lambda rid, event: (
        event.sender == bot_user and isinstance(event, kind) and (room_id is None or rid == room_id)
    )


async def group_room(member: Member, bot_user: str, encrypted: bool = False) -> str:
    """A named community room with the member and the bot (a name keeps it from looking like a DM)."""
    room_id = await member.create_room([bot_user], encrypted=encrypted, name="Peer support")
    await member.wait_for_join(room_id, bot_user)
    return room_id


async def direct_room(member: Member, bot_user: str) -> str:
    """An encrypted DM the member opens with the bot, as Element does."""
    room_id = await member.create_room([bot_user], encrypted=True, direct=True)
    await member.wait_for_join(room_id, bot_user)
    return room_id


async def ask(member: Member, room_id: str, bot_user: str, text: str) -> RoomMessageNotice:
    mark = member.mark()
    await member.send_text(room_id, text)
    return await member.wait_for(from_bot(bot_user, room_id), after=mark, seconds=DEADLINE)


async def test_help_in_a_room_is_a_formatted_notice_that_pings_nobody(kindred, new_member):
    bot, adapter, account = await kindred.start()
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id)

    answer = await ask(alice, room_id, account.user_id, "!help")
    assert "!mydata" in answer.body
    assert answer.source["content"]["format"] == "org.matrix.custom.html"
    assert "<code>" in answer.formatted_body or "<strong>" in answer.formatted_body
    assert answer.source["content"]["m.mentions"] == {"user_ids": []}

    answer = await ask(alice, room_id, account.user_id, "!help @room")
    assert "@room" not in answer.body, "a mass mention must be neutralised"


async def test_notices_from_other_bots_are_ignored(kindred, new_member):
    bot, adapter, account = await kindred.start()
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id)

    mark = alice.mark()
    await asyncio.wait_for(
        alice.client.room_send(room_id, "m.room.message", {"msgtype": "m.notice", "body": "!help"}), DEADLINE
    )
    await alice.send_text(room_id, "!help forgetme")
    first = await alice.wait_for(from_bot(account.user_id, room_id), after=mark, seconds=DEADLINE)
    assert "forgetme" in first.body and "!mydata" not in first.body


async def test_private_command_is_answered_in_an_encrypted_dm_with_the_file(kindred, new_member):
    bot, adapter, account = await kindred.start()
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id)

    mark = alice.mark()
    await alice.send_text(room_id, "!mydata")
    summary = await alice.wait_for(from_bot(account.user_id), after=mark, seconds=DEADLINE)
    dm_id = next(rid for rid, event in alice.events[mark:] if event is summary)
    assert dm_id != room_id, "a private answer must not be posted in the shared room"
    assert "holds nothing about you" in summary.body
    assert alice.client.rooms[dm_id].encrypted

    attachment = await alice.wait_for(
        from_bot(account.user_id, dm_id, RoomEncryptedFile), after=mark, seconds=DEADLINE
    )
    assert attachment.body == "kindred-my-data.json"
    download = await asyncio.wait_for(alice.client.download(attachment.url), DEADLINE)
    exported = json.loads(
        decrypt_attachment(download.body, attachment.key["k"], attachment.hashes["sha256"], attachment.iv)
    )
    assert exported["member"] is None
    direct = await asyncio.wait_for(adapter.client.list_direct_rooms(), DEADLINE)
    assert direct.rooms.get(alice.user_id) == [dm_id], "the bot's m.direct records the DM it opened"
    shared_room_replies = [
        e
        for rid, e in alice.events[mark:]
        if rid == room_id and e.sender == account.user_id and isinstance(e, RoomMessage)
    ]
    assert shared_room_replies == []


async def test_a_choice_is_answered_by_reaction_or_by_replying_its_number(kindred, new_member):
    bot, adapter, account = await kindred.start()
    alice = await new_member("alice")
    dm_id = await direct_room(alice, account.user_id)

    question = await ask(alice, dm_id, account.user_id, "!forgetme")
    assert "1️⃣ Erase everything" in question.body and "2️⃣ Keep my data" in question.body
    mark = alice.mark()
    await alice.react(dm_id, question.event_id, "2️⃣")
    answer = await alice.wait_for(from_bot(account.user_id, dm_id), after=mark, seconds=DEADLINE)
    assert answer.body == "Nothing was erased."

    await ask(alice, dm_id, account.user_id, "!forgetme")
    answer = await ask(alice, dm_id, account.user_id, "1")
    assert "nothing to erase" in answer.body


@pytest.mark.parametrize("trust_unverified", [False, True], ids=["trust-on-first-use", "send-to-unverified"])
async def test_encrypted_room_round_trip(kindred, new_member, trust_unverified):
    bot, adapter, account = await kindred.start(trust_unverified_devices=trust_unverified)
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id, encrypted=True)

    answer = await ask(alice, room_id, account.user_id, "!help mydata")
    assert answer.decrypted, "the bot's answer in an encrypted room must itself be encrypted"
    assert "mydata" in answer.body


async def test_edits_replace_the_message_and_times_name_their_zone(kindred, new_member):
    from datetime import UTC, datetime

    from bot.text import timestamp

    bot, adapter, account = await kindred.start(timezone="Europe/Berlin")
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id)
    place = PlaceRef("matrix", room_id, scope_id=room_id)
    meeting = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)

    mark = alice.mark()
    sent = await bot.send(place, Content(text=f"Meetup {timestamp(meeting, 'F')}: 1 going"))
    original = await alice.wait_for(from_bot(account.user_id, room_id), after=mark, seconds=DEADLINE)
    assert "19:00 CET" in original.body and "<t:" not in original.body

    mark = alice.mark()
    await bot.edit(sent, Content(text=f"Meetup {timestamp(meeting, 'F')}: 2 going"))
    edit = await alice.wait_for(from_bot(account.user_id, room_id), after=mark, seconds=DEADLINE)
    content = edit.source["content"]
    assert content["m.relates_to"] == {"rel_type": "m.replace", "event_id": sent.message_id}
    assert content["m.new_content"]["body"].endswith("2 going")


async def test_moderators_are_power_level_50_or_listed(kindred, new_member):
    from bot.model import UserRef

    alice = await new_member("alice")  # creates the room, so she has power level 100
    bob = await new_member("bob")
    carol = await new_member("carol")
    account = kindred.register()
    room_id = await alice.create_room([account.user_id, bob.user_id], name="Peer support")
    bot, adapter, _ = await kindred.start(account=account, rooms=[room_id], moderators=[carol.user_id])
    await alice.wait_for_join(room_id, account.user_id)
    await alice.wait_for_join(room_id, bob.user_id)
    await ask(alice, room_id, account.user_id, "!help")  # the bot has seen the room's state by now

    assert await adapter.is_moderator(UserRef("matrix", alice.user_id), 1)
    assert not await adapter.is_moderator(UserRef("matrix", bob.user_id), 1)
    assert await adapter.is_moderator(UserRef("matrix", carol.user_id), 1)


async def test_invite_from_a_server_not_allowed_is_declined(kindred, new_member):
    bot, adapter, account = await kindred.start(allowed_servers=["elsewhere.example"])
    alice = await new_member("alice")
    room_id = await alice.create_room([account.user_id], name="Somewhere else")

    def bot_membership(rid, event):
        return (
            rid == room_id
            and isinstance(event, RoomMemberEvent)
            and event.state_key == account.user_id
            and event.membership != "invite"
        )

    left = await alice.wait_for(bot_membership, seconds=DEADLINE)
    assert left.membership == "leave", "the bot must decline, never join"
    assert room_id not in adapter.client.rooms


async def test_undecryptable_message_gets_a_request_to_resend(kindred, new_member):
    from nio import Api, RoomSendResponse

    bot, adapter, account = await kindred.start()
    alice = await new_member("alice")
    dm_id = await direct_room(alice, account.user_id)
    await ask(alice, dm_id, account.user_id, "!help")  # a working session first

    # A Megolm message from a session the bot never received a key for.
    broken = {
        "algorithm": "m.megolm.v1.aes-sha2",
        "ciphertext": "AwgAEn" + "A" * 40,
        "session_id": "notasessionthebothas",
        "sender_key": alice.client.olm.account.identity_keys["curve25519"],
        "device_id": alice.client.device_id,
    }
    mark = alice.mark()
    method, path, data = Api.room_send(
        alice.client.access_token, dm_id, "m.room.encrypted", broken, "broken1"
    )
    sent = await asyncio.wait_for(
        alice.client._send(RoomSendResponse, method, path, data, (dm_id,)), DEADLINE
    )
    assert isinstance(sent, RoomSendResponse)
    hint = await alice.wait_for(from_bot(account.user_id, dm_id), after=mark, seconds=DEADLINE)
    assert "send it again" in hint.body


async def test_rate_limited_replies_all_arrive_once_and_in_order(kindred, new_member, homeserver, caplog):
    bot, adapter, account = await kindred.start()
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id)
    homeserver.override_rate_limit(account.user_id, messages_per_second=4, burst_count=1)

    topics = ["mydata", "forgetme", "optin", "optout", "help"]
    mark = alice.mark()
    for topic in topics:
        await alice.send_text(room_id, f"!help {topic}")
    answers = []
    while len(answers) < len(topics):
        answers.append(
            await alice.wait_for(
                from_bot(account.user_id, room_id),
                after=mark if not answers else alice.events.index((room_id, answers[-1])) + 1,
                seconds=DEADLINE,
            )
        )
    assert [next(t for t in topics if f"!{t}" in a.body) for a in answers] == topics
    assert len({a.event_id for a in answers}) == len(topics)
    assert any("429" in record.getMessage() for record in caplog.records), "the test must hit the rate limit"
    homeserver.override_rate_limit(account.user_id, messages_per_second=0, burst_count=0)


async def test_restart_keeps_the_device_and_answers_what_was_sent_while_down(kindred, new_member):
    bot, adapter, account = await kindred.start(name="restarting")
    device_before = adapter.client.device_id
    alice = await new_member("alice")
    dm_id = await direct_room(alice, account.user_id)
    await ask(alice, dm_id, account.user_id, "!help")
    await kindred.stop(bot)

    mark = alice.mark()
    await alice.send_text(dm_id, "!help mydata")  # encrypted, while the bot is away
    bot, adapter, _ = await kindred.start(name="restarting", account=account)
    assert adapter.client.device_id == device_before
    answer = await alice.wait_for(from_bot(account.user_id, dm_id), after=mark, seconds=DEADLINE)
    assert "mydata" in answer.body
    # The earlier "!help" was handled before the restart and must not be answered again.
    again = [
        e
        for rid, e in alice.events[mark:]
        if rid == dm_id and e.sender == account.user_id and isinstance(e, RoomMessageNotice)
    ]
    assert len(again) == 1


async def test_bot_answers_again_after_the_homeserver_restarts(kindred, new_member, homeserver):
    bot, adapter, account = await kindred.start()
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id, encrypted=True)
    await ask(alice, room_id, account.user_id, "!help")

    await asyncio.to_thread(homeserver.stop)
    # A cog sends (a scheduled reminder, say) while the homeserver is down: it must arrive once, later.
    mark = alice.mark()
    sending = asyncio.create_task(
        bot.send(
            PlaceRef("matrix", room_id, scope_id=room_id), Content(text="Sent while the server was away")
        )
    )
    await asyncio.sleep(0.3)  # let the send meet the closed port before the server comes back
    await asyncio.to_thread(homeserver.start)
    await asyncio.wait_for(sending, DEADLINE)
    await alice.wait_for(
        lambda rid, e: rid == room_id and getattr(e, "body", "") == "Sent while the server was away",
        after=mark,
        seconds=DEADLINE,
    )

    answer = await ask(alice, room_id, account.user_id, "!help mydata")
    assert "mydata" in answer.body
    mark = alice.mark()
    answer = await ask(alice, room_id, account.user_id, "!help forgetme")
    replies = [
        e
        for rid, e in alice.events[mark:]
        if rid == room_id and e.sender == account.user_id and isinstance(e, RoomMessageNotice)
    ]
    assert replies == [answer], "nothing may be sent twice across the reconnect"
    away = [e for rid, e in alice.events if getattr(e, "body", "") == "Sent while the server was away"]
    assert len(away) == 1


async def test_a_question_is_answered_by_the_next_message_and_images_arrive_as_images(kindred, new_member):
    from nio import RoomMessageImage

    from tests.matrix.probe_cog import tiny_png

    bot, adapter, account = await kindred.start(cogs=("cogs.privacy", "tests.matrix.probe_cog"))
    alice = await new_member("alice")
    dm_id = await direct_room(alice, account.user_id)
    question = await ask(alice, dm_id, account.user_id, "!probe name")
    assert "What should I call you" in question.body and "next message" in question.body
    answer = await ask(alice, dm_id, account.user_id, "Sam")
    assert answer.body == "Thanks, Sam."

    room_id = await group_room(alice, account.user_id)
    mark = alice.mark()
    await alice.send_text(room_id, "!probe chart")
    image = await alice.wait_for(
        from_bot(account.user_id, room_id, RoomMessageImage), after=mark, seconds=DEADLINE
    )
    assert image.body == "chart.png"
    assert (image.source["content"]["info"]["w"], image.source["content"]["info"]["h"]) == (3, 2)
    download = await asyncio.wait_for(alice.client.download(image.url), DEADLINE)
    assert download.body == tiny_png()


async def test_consent_asked_in_a_room_is_given_by_reaction_in_the_dm_and_leaving_the_dm_closes_it(
    kindred, new_member
):
    bot, adapter, account = await kindred.start(cogs=("cogs.privacy", "tests.matrix.probe_cog"))
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id)

    mark = alice.mark()
    await alice.send_text(room_id, "!optin probe")
    statement = await alice.wait_for(from_bot(account.user_id), after=mark, seconds=DEADLINE)
    dm_id = next(rid for rid, event in alice.events[mark:] if event is statement)
    assert dm_id != room_id and "only you" in statement.body
    mark = alice.mark()
    await alice.react(dm_id, statement.event_id, "1️⃣")
    welcome = await alice.wait_for(from_bot(account.user_id, dm_id), after=mark, seconds=DEADLINE)
    assert welcome.body == "You're in the probe."
    export = await ask(alice, dm_id, account.user_id, "!mydata")
    assert "probe" in export.body

    mark = alice.mark()
    await asyncio.wait_for(alice.client.room_leave(dm_id), DEADLINE)
    await asyncio.wait_for(alice.client.room_forget(dm_id), DEADLINE)
    await alice.wait_until(lambda: dm_id not in adapter.client.rooms, seconds=DEADLINE)  # the bot left too
    assert dm_id not in adapter.state.direct_rooms.values()


async def test_an_access_token_alone_logs_in_on_its_own_device(kindred, new_member, homeserver):
    account = homeserver.register("tokenbot")
    bot, adapter, _ = await kindred.start(account=account, password="", access_token=account.access_token)
    assert adapter.client.device_id == account.device_id
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id, encrypted=True)
    answer = await ask(alice, room_id, account.user_id, "!help")
    assert "!mydata" in answer.body


async def test_debug_logs_hold_neither_message_text_nor_key_material(kindred, new_member):
    import io
    import logging

    from bot import logs

    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    captured = io.StringIO()
    logs.configure("DEBUG", "text", stream=captured)
    try:
        bot, adapter, account = await kindred.start()
        alice = await new_member("alice")
        dm_id = await direct_room(alice, account.user_id)
        await ask(alice, dm_id, account.user_id, "!help zebra-crossing-phrase")
    finally:
        root.handlers[:], root.level = saved_handlers, saved_level
    output = captured.getvalue()
    assert "command" in output, "the capture must have seen the bot's own log lines"
    assert "zebra-crossing-phrase" not in output
    assert '"accounts"' not in output and "pickle" not in output.lower()


async def test_a_fresh_start_never_answers_what_was_said_before_it(kindred, new_member):
    bot, adapter, account = await kindred.start(name="first-life")
    alice = await new_member("alice")
    room_id = await group_room(alice, account.user_id)
    await ask(alice, room_id, account.user_id, "!help")
    await kindred.stop(bot)
    await alice.send_text(room_id, "!help forgetme")  # said while no bot runs

    mark = alice.mark()
    bot, adapter, _ = await kindred.start(name="wiped-data-dir", account=account)  # no saved sync token
    first = await ask(alice, room_id, account.user_id, "!help mydata")
    second = await ask(alice, room_id, account.user_id, "!help")  # events are handled in order
    replies = [
        e
        for rid, e in alice.events[mark:]
        if rid == room_id and e.sender == account.user_id and isinstance(e, RoomMessageNotice)
    ]
    assert replies == [first, second], "the message from before the start must not be answered"


async def test_a_room_in_a_mapped_space_belongs_to_that_spaces_community(kindred, new_member):
    from datetime import UTC, datetime

    from nio import RoomCreateResponse

    from bot.config import CommunitySettings
    from bot.text import timestamp

    alice = await new_member("alice")
    space = await asyncio.wait_for(alice.client.room_create(space=True, name="Alumni"), DEADLINE)
    assert isinstance(space, RoomCreateResponse)
    server = alice.user_id.split(":", 1)[1]
    alumni = CommunitySettings(name="Alumni", timezone="Asia/Tokyo", matrix_rooms=[space.room_id])
    bot, adapter, account = await kindred.start(communities=[alumni])
    child = await asyncio.wait_for(
        alice.client.room_create(
            name="Alumni chat",
            invite=[account.user_id],
            initial_state=[
                {"type": "m.space.parent", "state_key": space.room_id, "content": {"via": [server]}}
            ],
        ),
        DEADLINE,
    )
    await alice.wait_for_join(child.room_id, account.user_id)
    await ask(alice, child.room_id, account.user_id, "!help")  # the bot has the room's state by now

    mark = alice.mark()
    await bot.send(
        PlaceRef("matrix", child.room_id), f"Reunion {timestamp(datetime(2026, 12, 5, 10, 0, tzinfo=UTC))}"
    )
    note = await alice.wait_for(from_bot(account.user_id, child.room_id), after=mark, seconds=DEADLINE)
    assert "19:00 JST" in note.body


async def test_help_typed_the_moment_a_dm_opens_is_answered_once_the_bot_joins(kindred, new_member):
    bot, adapter, account = await kindred.start()
    # Hold the bot's join until the member has spoken, so the message surely precedes it.
    may_join, real_join = asyncio.Event(), adapter.client.join

    async def join_when_allowed(room_id, *args, **kwargs):
        await asyncio.wait_for(may_join.wait(), DEADLINE)
        return await real_join(room_id, *args, **kwargs)

    adapter.client.join = join_when_allowed
    alice = await new_member("alice")
    dm_id = await alice.create_room([account.user_id], encrypted=True, direct=True)
    await alice.wait_for_join(dm_id, account.user_id, invited_is_enough=True)
    mark = alice.mark()
    await alice.send_text(dm_id, "!help")
    may_join.set()
    answer = await alice.wait_for(from_bot(account.user_id, dm_id), after=mark, seconds=DEADLINE)
    assert "!mydata" in answer.body and answer.decrypted
    joined = [
        e
        for rid, e in alice.events[mark:]
        if rid == dm_id
        and isinstance(e, RoomMemberEvent)
        and e.state_key == account.user_id
        and e.membership == "join"
    ]
    assert joined, "the bot joined only after the member had spoken"


async def test_crisis_flow_works_unchanged_on_matrix(kindred, new_member):
    """The safety-critical cog through the real adapter: private reply, moderators' alert, acknowledge."""
    mo = await new_member("mo")  # creates the rooms, so a moderator
    ben = await new_member("ben")
    account = kindred.register()
    mods_room = await mo.create_room([account.user_id], name="Moderators")
    room_id = await mo.create_room([account.user_id, ben.user_id], name="Peer support")
    bot, adapter, _ = await kindred.start(
        account=account, cogs=("cogs.privacy", "cogs.crisis"), rooms=[mods_room, room_id]
    )
    bot.rate_limiter.limit = 1000
    await mo.wait_for_join(mods_room, account.user_id)
    mark_mo = mo.mark()
    await mo.send_text(mods_room, "!crisisadmin alerts")
    confirmation = await mo.wait_for(from_bot(account.user_id), after=mark_mo, seconds=DEADLINE)
    assert "Crisis alerts will come to this channel" in confirmation.body  # told privately
    await mo.wait_for_join(room_id, account.user_id)
    await ben.wait_until(lambda: room_id in ben.client.rooms, seconds=DEADLINE)
    await ben.wait_for_join(room_id, account.user_id)

    mark_ben, mark_mo = ben.mark(), mo.mark()
    await ben.send_text(room_id, "honestly i want to die tonight, i cant do this anymore")
    reply = await ben.wait_for(from_bot(account.user_id), after=mark_ben, seconds=DEADLINE)
    reply_room = next(rid for rid, event in ben.events[mark_ben:] if event is reply)
    assert reply_room != room_id and ben.client.rooms[reply_room].encrypted, (
        "the reply is a private, encrypted DM"
    )
    assert "Are you safe right now?" in reply.body

    alert = await mo.wait_for(from_bot(account.user_id, mods_room), after=mark_mo, seconds=DEADLINE)
    assert "want to die" not in alert.body and "1️⃣ Acknowledge" in alert.body
    mark_mo = mo.mark()
    await mo.react(mods_room, alert.event_id, "1️⃣")
    update = await mo.wait_for(
        lambda rid, e: (
            rid == mods_room and e.sender == account.user_id and "acknowledged by" in getattr(e, "body", "")
        ),
        after=mark_mo,
        seconds=DEADLINE,
    )
    assert "want to die" not in update.body  # the cog posts a follow-up, by design not an edit
    in_room = [
        e
        for rid, e in ben.events[mark_ben:]
        if rid == room_id and e.sender == account.user_id and isinstance(e, RoomMessage)
    ]
    assert in_room == [], "nothing about the crisis is posted in the shared room"
