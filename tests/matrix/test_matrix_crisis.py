"""Issue 15's flows 1-3 on Matrix: a real Synapse, the real adapter, and real nio clients as members.

The moderator is the member who created the rooms (power 100); the bot finds them by their power level
and writes to them in an encrypted direct room when there is no alert room.
"""

from __future__ import annotations

from nio import RoomMessage

from tests.matrix.test_matrix_adapter import DEADLINE, from_bot

PILLS = "i have the pills in front of me"


async def community(kindred, new_member):
    """A started bot with the crisis cog; mo (a moderator by power) and ben share one room with it,
    the community's room in the config."""
    mo, ben = await new_member("mo"), await new_member("ben")
    account = kindred.register()
    room_id = await mo.create_room([account.user_id, ben.user_id], name="Peer support")
    bot, adapter, _ = await kindred.start(
        account=account, cogs=("cogs.privacy", "cogs.crisis"), rooms=[room_id]
    )
    bot.rate_limiter.limit = 1000
    await mo.wait_for_join(room_id, account.user_id)
    await ben.wait_until(lambda: room_id in ben.client.rooms, seconds=DEADLINE)
    await ben.wait_for_join(room_id, account.user_id)
    await mo.wait_for_join(room_id, ben.user_id)
    return bot, account, mo, ben, room_id


def private_from_bot(bot_user: str, shared_room: str, words: str):
    """A message from the bot, outside the shared room, containing `words`."""
    return lambda rid, event: (
        rid != shared_room
        and event.sender == bot_user
        and isinstance(event, RoomMessage)
        and words in getattr(event, "body", "")
    )


async def test_flow_1_the_moderator_is_told_privately_and_the_member_hears_only_that(kindred, new_member):
    bot, account, mo, ben, room_id = await community(kindred, new_member)
    mark_mo, mark_ben = mo.mark(), ben.mark()
    await ben.send_text(room_id, PILLS)
    alert = await mo.wait_for(
        private_from_bot(account.user_id, room_id, "Crisis alert"), after=mark_mo, seconds=DEADLINE
    )
    assert ben.user_id in alert.body and PILLS not in alert.body
    reply = await ben.wait_for(
        private_from_bot(account.user_id, room_id, "Are you safe right now?"),
        after=mark_ben,
        seconds=DEADLINE,
    )
    assert "I've let the moderators know" in reply.body
    dm_id = next(rid for rid, event in ben.events[mark_ben:] if event is reply)
    mark_mo, mark_ben = mo.mark(), ben.mark()
    await ben.send_text(dm_id, "2")  # "I'm not safe", typed as its number
    answer = await ben.wait_for(from_bot(account.user_id, dm_id), after=mark_ben, seconds=DEADLINE)
    assert "I've told the moderators it's urgent" in answer.body
    await mo.wait_for(private_from_bot(account.user_id, room_id, "NOT safe"), after=mark_mo, seconds=DEADLINE)
    said_in_room = [
        e
        for rid, e in ben.events
        if rid == room_id and e.sender == account.user_id and isinstance(e, RoomMessage)
    ]
    assert said_in_room == [], "nothing about the crisis in the shared room"


async def test_flow_2_getting_worse_inside_the_cooldown_is_answered(kindred, new_member):
    bot, account, mo, ben, room_id = await community(kindred, new_member)
    mark = ben.mark()
    await ben.send_text(room_id, "I relapsed last night and I feel like such a failure")
    first = await ben.wait_for(
        private_from_bot(account.user_id, room_id, "Are you safe right now?"), after=mark, seconds=DEADLINE
    )
    assert "SAMHSA" in first.body
    mark, mark_mo = ben.mark(), mo.mark()
    await ben.send_text(room_id, "honestly i want to die")
    second = await ben.wait_for(
        private_from_bot(account.user_id, room_id, "Are you safe right now?"), after=mark, seconds=DEADLINE
    )
    assert "988" in second.body
    alert = await mo.wait_for(
        private_from_bot(account.user_id, room_id, "Crisis alert"), after=mark_mo, seconds=DEADLINE
    )
    assert "suicidal thoughts" in alert.body


async def test_flow_3_the_only_room_as_alert_room_still_hears_members(kindred, new_member):
    bot, account, mo, ben, room_id = await community(kindred, new_member)
    mark_mo = mo.mark()
    await mo.send_text(room_id, "!crisisadmin alerts")
    confirmation = await mo.wait_for(
        private_from_bot(account.user_id, room_id, "Crisis alerts will come"), after=mark_mo, seconds=DEADLINE
    )
    assert "Members writing here are still watched" in confirmation.body
    mark_mo, mark_ben = mo.mark(), ben.mark()
    await ben.send_text(room_id, PILLS)
    reply = await ben.wait_for(
        private_from_bot(account.user_id, room_id, "Are you safe right now?"),
        after=mark_ben,
        seconds=DEADLINE,
    )
    assert "I've let the moderators know" in reply.body
    await mo.wait_for(
        private_from_bot(account.user_id, room_id, "Crisis alert"), after=mark_mo, seconds=DEADLINE
    )
    mark_mo = mo.mark()
    await mo.send_text(room_id, "!crisisadmin show")
    shown = await mo.wait_for(
        private_from_bot(account.user_id, room_id, "Watching:"), after=mark_mo, seconds=DEADLINE
    )
    assert "every channel" in shown.body and f"the channel `{room_id}` on matrix" in shown.body
    in_room = [
        e
        for rid, e in ben.events
        if rid == room_id and e.sender == account.user_id and isinstance(e, RoomMessage)
    ]
    assert in_room == [], "ben is never named in the room he wrote in"
