"""What members meet, on a real Synapse (issue 16). In a DM (no buttons) a bare "1" with a check-in
question and a meetup seat open at once never gives the seat up: the bot asks which, naming both.
Times in a DM are written in the zone the member chose."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.testing import FrozenClock
from tests.matrix.member import Member
from tests.matrix.test_matrix_adapter import DEADLINE, ask, direct_room, from_bot


async def said_privately(member: Member, bot_user: str, room_id: str, text: str):
    """Send in a room; the bot answers privately in the member's DM. Returns (answer, DM room id)."""
    mark = member.mark()
    await member.send_text(room_id, text)
    answer = await member.wait_for(from_bot(bot_user), after=mark, seconds=DEADLINE)
    return answer, next(rid for rid, event in member.events[mark:] if event is answer)


async def test_carols_one_in_a_dm_keeps_her_seat_until_she_says_which(kindred, new_member):
    clock = FrozenClock(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    mo = await new_member("mo")  # creates the community's room, so a moderator there
    carol = await new_member("carol")
    account = kindred.register()
    bot_user = account.user_id
    room_id = await mo.create_room([bot_user, carol.user_id], name="Peer support")
    bot, adapter, _ = await kindred.start(
        account=account, cogs=("cogs.privacy", "cogs.checkins", "cogs.meetups"), rooms=[room_id], clock=clock
    )
    bot.rate_limiter.limit = 1000
    await mo.wait_for_join(room_id, bot_user)

    review, mo_dm = await said_privately(
        mo, bot_user, room_id, "!meetup create Coffee, tomorrow 7pm, capacity 1"
    )
    assert "Is this right?" in review.body
    assert "announced" in (await ask(mo, mo_dm, bot_user, "1")).body
    assert "Before we start" in (await ask(mo, mo_dm, bot_user, "!meetup rsvp going Coffee")).body
    assert "You're going to **Coffee**" in (await ask(mo, mo_dm, bot_user, "1")).body

    carol_dm = await direct_room(carol, bot_user)
    await ask(carol, carol_dm, bot_user, "!meetup rsvp going Coffee")
    assert "waitlist" in (await ask(carol, carol_dm, bot_user, "1")).body
    await ask(carol, carol_dm, bot_user, "!checkin start 20:00 Europe/London")
    assert "You're in" in (await ask(carol, carol_dm, bot_user, "1")).body
    assert "How is your mood today?" in (await ask(carol, carol_dm, bot_user, "!checkin now")).body

    mark = carol.mark()
    await mo.send_text(mo_dm, "!meetup rsvp cant Coffee")
    seat = await carol.wait_for(from_bot(bot_user, carol_dm), after=mark, seconds=DEADLINE)
    assert "a seat opened up" in seat.body and "1️⃣ Can't go" in seat.body

    which = await ask(carol, carol_dm, bot_user, "1")
    assert "which one is your **1** for?" in which.body
    assert "Your mood today: 1" in which.body and "Your seat at Coffee: Can't go" in which.body
    assert "How strong are cravings today?" in (await ask(carol, carol_dm, bot_user, "1")).body
    assert "**Your answer:** going" in (await ask(carol, carol_dm, bot_user, "!meetup show Coffee")).body

    # Replying to the seat notice itself is never ambiguous.
    mark = carol.mark()
    await carol.send_text(
        carol_dm, "1", extra={"m.relates_to": {"m.in_reply_to": {"event_id": seat.event_id}}}
    )
    gave_up = await carol.wait_for(from_bot(bot_user, carol_dm), after=mark, seconds=DEADLINE)
    assert "can't make **Coffee**" in gave_up.body


async def test_times_in_a_dm_are_in_the_zone_the_member_chose(kindred, new_member):
    clock = FrozenClock(datetime(2026, 12, 4, 12, 0, tzinfo=UTC))
    bot, adapter, account = await kindred.start(cogs=("cogs.privacy", "cogs.checkins"), clock=clock)
    dana = await new_member("dana")
    dm = await direct_room(dana, account.user_id)
    await ask(dana, dm, account.user_id, "!settings timezone America/Chicago")
    assert "Your timezone is America/Chicago" in (await ask(dana, dm, account.user_id, "1")).body

    await ask(dana, dm, account.user_id, "!checkin start 20:00 Europe/London")
    joined = await ask(dana, dm, account.user_id, "1")
    assert "The next one: Fri 04 Dec 2026, 14:00 CST." in joined.body  # 20:00 in London, read in Chicago
