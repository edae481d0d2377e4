"""Who is a moderator where, on a real Synapse: power in a room nobody mapped grants nothing.

The escalation from issue 17: a member refused a moderator command in the community's room made her
own room, invited the bot, held power 100 there and ran `!crisisadmin alerts`, which rewired the
community's crisis alerts to her room. Here she is refused at each step, and nothing of the
community's settings changes.
"""

from __future__ import annotations

import asyncio

from nio import RoomMemberEvent

from bot.config import MatrixSettings
from bot.model import UserRef
from tests.matrix.test_matrix_adapter import DEADLINE, from_bot


async def ask(member, room_id: str, bot_user: str, text: str):
    """Send a command in a room; the bot's answer, wherever it comes (refusals come privately)."""
    mark = member.mark()
    await member.send_text(room_id, text)
    return await member.wait_for(from_bot(bot_user), after=mark, seconds=DEADLINE)


CRISIS = ("cogs.privacy", "cogs.crisis")


async def community_with_a_member(kindred, new_member, **options):
    """A community room made by its moderator (mo), mapped in the config, with amy as a member."""
    mo = await new_member("mo")
    amy = await new_member("amy")
    account = kindred.register()
    room_id = await mo.create_room([account.user_id, amy.user_id], name="Peer support")
    bot, adapter, _ = await kindred.start(account=account, cogs=CRISIS, rooms=[room_id], **options)
    await mo.wait_for_join(room_id, account.user_id)
    await amy.wait_until(lambda: room_id in amy.client.rooms, seconds=DEADLINE)
    await amy.wait_for_join(room_id, account.user_id)
    return bot, adapter, account, mo, amy, room_id


async def test_the_default_rule_declines_a_members_own_room_and_she_stays_a_member(kindred, new_member):
    assert MatrixSettings().invites == "mapped", "the default rule must be the safe one"
    bot, adapter, account, mo, amy, room_id = await community_with_a_member(
        kindred, new_member, invites=MatrixSettings().invites
    )
    refused = await ask(amy, room_id, account.user_id, "!crisisadmin show")
    assert "is for moderators" in refused.body

    own_room = await amy.create_room([account.user_id], name="Amy's room")

    def bot_membership(rid, event):
        return (
            rid == own_room
            and isinstance(event, RoomMemberEvent)
            and event.state_key == account.user_id
            and event.membership != "invite"
        )

    answer = await amy.wait_for(bot_membership, seconds=DEADLINE)
    assert answer.membership == "leave", "an unmapped room from a member is declined by default"
    assert own_room not in adapter.client.rooms
    assert not await adapter.is_moderator(UserRef("matrix", amy.user_id), 1)
    assert await adapter.is_moderator(UserRef("matrix", mo.user_id), 1)

    dm_id = await amy.create_room([account.user_id], encrypted=True, direct=True)
    await amy.wait_for_join(dm_id, account.user_id)
    in_dm = await ask(amy, dm_id, account.user_id, "!crisisadmin alerts")
    assert "is for moderators" in in_dm.body, "a DM from a member is personal features only"


async def test_power_in_a_room_nobody_mapped_makes_nobody_a_moderator(kindred, new_member):
    """Even where the operator lets the bot join any room of its server, such a room is no community's."""
    bot, adapter, account, mo, amy, room_id = await community_with_a_member(
        kindred, new_member, invites="allowed"
    )
    before = await bot.community_settings(1, "crisis").all()

    own_room = await amy.create_room([account.user_id], name="Amy's room")  # amy has power 100 here
    await amy.wait_for_join(own_room, account.user_id)
    for command in ("!crisisadmin alerts", "!crisisadmin monitor off", "!crisisadmin show"):
        refused = await ask(amy, own_room, account.user_id, command)
        assert "isn't part of a community" in refused.body
    # Her own moderator (mo) gets no rights there either: the room is nobody's community.
    await asyncio.wait_for(amy.client.room_invite(own_room, mo.user_id), DEADLINE)
    await mo.wait_until(lambda: own_room in mo.client.rooms, seconds=DEADLINE)  # members accept invites
    await amy.wait_for_join(own_room, mo.user_id)
    refused = await ask(mo, own_room, account.user_id, "!crisisadmin alerts")
    assert "isn't part of a community" in refused.body

    assert not await adapter.is_moderator(UserRef("matrix", amy.user_id), 1)
    assert await bot.community_settings(1, "crisis").all() == before, "the community's settings are untouched"
    # In the community's own room, its moderator still is one.
    shown = await ask(mo, room_id, account.user_id, "!crisisadmin show")
    assert "Alerts go to" in shown.body
