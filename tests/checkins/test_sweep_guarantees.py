"""What the sweep promises while it sends: nobody who left, erased their data or withdrew consent is
asked again, and the sweep's memory of when it next has work never hides someone's new time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.model import UserRef
from bot.testing import MemoryAdapter
from cogs.checkins import dispatch
from tests.checkins.conftest import checkin_bot, join, sweep_at

EVENING = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
CHECK_IN = "Your daily check-in"


def check_ins_to(chat, user) -> list:
    return [s for s in chat.to(user) if s.content.title == CHECK_IN]


class LeavesWhileSending(MemoryAdapter):
    """The sweep has claimed everyone and its first check-in is going out (to ana) when the last one
    claimed (ben) leaves. Its other messages in flight wait until he has: his own, far down the batch
    (more messages than this platform takes at once), has not begun by then."""

    send_concurrency = 8

    def __init__(self, leave):
        super().__init__()
        self.leave = leave  # async (adapter, user) -> None
        self.first: UserRef | None = None
        self.leaver: UserRef | None = None
        self.left = asyncio.Event()

    async def send_private(self, user, content, token=None):
        if content.title == CHECK_IN and self.leaver is not None:
            if user == self.first:
                await self.leave(self, self.leaver)
                self.left.set()
            else:
                await asyncio.wait_for(self.left.wait(), 10)
        return await super().send_private(user, content, token)


async def opt_out(chat, user):
    await chat.say(user, "!optout checkins")


async def stop(chat, user):
    await chat.say(user, "!checkin stop")


async def forget_everything(chat, user):
    await chat.say(user, "!forgetme")
    await chat.press(user, "privacy.forget:yes")


@pytest.mark.parametrize("leave", [opt_out, stop, forget_everything], ids=["optout", "stop", "forgetme"])
async def test_someone_who_leaves_while_the_sweep_is_sending_gets_nothing_more(tmp_path, clock, leave):
    adapter = LeavesWhileSending(leave)
    async with checkin_bot(tmp_path, clock, adapter) as (bot, chat):
        ana, ben = chat.user("ana"), chat.user("ben")
        others = [chat.user(f"m{n}") for n in range(adapter.send_concurrency)]
        for member in (ana, *others, ben):  # claimed in this order (the same time: by member id)
            await join(chat, member)
        await bot.db.execute("UPDATE checkin_members SET partner_summary = 1")  # nor a partner summary
        ana_before, ben_before = len(chat.to(ana)), len(chat.to(ben))
        adapter.first, adapter.leaver = ana, ben
        result = await sweep_at(bot, clock, EVENING)
        assert adapter.left.is_set(), "the leaving step never ran"
        assert len(check_ins_to(chat, ana)) == 1 and result.checkins == 1 + len(others)
        assert all(len(check_ins_to(chat, member)) == 1 for member in others)
        assert check_ins_to(chat, ben) == []
        # Whatever ben was shown after ana's check-in is only the answer to leaving, never check-in content.
        assert all(s.content.title != CHECK_IN for s in chat.to(ben)[ben_before:])
        assert len(chat.to(ana)) == ana_before + 1
        adapter.leaver = None
        # Nor on later days.
        assert (await sweep_at(bot, clock, EVENING + timedelta(days=1))).checkins == 1 + len(others)
        assert check_ins_to(chat, ben) == []


class HeldSends(MemoryAdapter):
    """A platform that takes many messages at once. Check-ins wait here until the test lets them go;
    counts how many wait at once."""

    send_concurrency = 8

    def __init__(self):
        super().__init__()
        self.go = asyncio.Event()
        self.waiting = 0
        self.most_at_once = 0
        self.changed = asyncio.Condition()

    async def send_private(self, user, content, token=None):
        if content.title == CHECK_IN:
            async with self.changed:
                self.waiting += 1
                self.most_at_once = max(self.most_at_once, self.waiting)
                self.changed.notify_all()
            await asyncio.wait_for(self.go.wait(), 10)
            self.waiting -= 1
        return await super().send_private(user, content, token)

    async def until_waiting(self, count: int) -> None:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: self.waiting == count), 10)


async def test_a_sweep_sends_side_by_side_and_never_holds_up_the_next_minute(tmp_path, clock):
    """Sends are network round trips: a sweep's check-ins are in flight together (up to the platform's
    pace), and the sweep lets go of its lock once it has claimed, so the next minute's sweep claims and
    sends its own members while the first batch is still going out."""
    adapter = HeldSends()
    async with checkin_bot(tmp_path, clock, adapter) as (bot, chat):
        early = [chat.user(f"early{n}") for n in range(5)]
        for member in early:
            await join(chat, member, "20:00 Europe/London")
        late = chat.user("late")
        await join(chat, late, "20:01 Europe/London")
        first = asyncio.create_task(sweep_at(bot, clock, EVENING))
        await adapter.until_waiting(5)  # all five in flight at once
        clock.set(EVENING + timedelta(minutes=1))
        second = asyncio.create_task(bot.get_cog("checkins").sweep())
        await adapter.until_waiting(6)  # claimed and sending beside them
        assert not first.done()
        adapter.go.set()
        assert (await asyncio.wait_for(first, 10)).checkins == 5
        assert (await asyncio.wait_for(second, 10)).checkins == 1
        assert adapter.most_at_once == 6
        assert all(len(check_ins_to(chat, member)) == 1 for member in (*early, late))


async def test_a_member_whose_consent_is_gone_is_never_asked_even_with_a_schedule_left(env, clock):
    """If consent went but the schedule stayed (a crash between the two steps of opting out), the
    sweep still asks nobody: it checks consent as it claims, and clears the schedule."""
    bot, chat = env
    cas = chat.user("cas")
    await join(chat, cas)
    member_id = await bot.members.lookup(cas)
    await bot.consent.revoke(member_id, "checkins")
    assert (await sweep_at(bot, clock, EVENING)).checkins == 0
    assert check_ins_to(chat, cas) == []
    row = await bot.get_cog("checkins").store.participant(member_id)
    assert row["next_due"] is None and row["reminder_due"] is None
    assert (await sweep_at(bot, clock, EVENING + timedelta(days=1))).checkins == 0


async def test_no_reminder_once_consent_is_gone(env, clock):
    bot, chat = env
    dee = chat.user("dee")
    await join(chat, dee)
    morning = datetime(2026, 11, 28, 8, 0, tzinfo=UTC)
    await chat.say(dee, "!checkin start 08:00")
    assert (await sweep_at(bot, clock, morning)).checkins == 1
    await bot.consent.revoke(await bot.members.lookup(dee), "checkins")
    before = len(chat.to(dee))
    assert (await sweep_at(bot, clock, morning + timedelta(hours=3))).reminders == 0
    assert len(chat.to(dee)) == before


async def test_a_new_time_saved_as_a_claim_finishes_is_not_missed(env, clock, monkeypatch):
    """The sweep remembers when anything is next due, so empty minutes cost nothing. A member who moves
    their check-in earlier just as a claim finishes (after it read the table, before the sweep kept
    its answer) must still be asked at the new time."""
    bot, chat = env
    eve, fay = chat.user("eve"), chat.user("fay")
    await join(chat, eve, "12:05 Europe/London")
    await join(chat, fay, "20:00 Europe/London")
    claim_due = dispatch.claim_due

    async def claim_then_fay_moves_earlier(cog, now):
        claimed = await claim_due(cog, now)
        monkeypatch.setattr(dispatch, "claim_due", claim_due)
        await chat.say(fay, "!checkin start 12:30")
        return claimed

    monkeypatch.setattr(dispatch, "claim_due", claim_then_fay_moves_earlier)
    assert (await sweep_at(bot, clock, datetime(2026, 11, 27, 12, 5, tzinfo=UTC))).checkins == 1
    assert (await sweep_at(bot, clock, datetime(2026, 11, 27, 12, 30, tzinfo=UTC))).checkins == 1
    assert len(check_ins_to(chat, fay)) == 1


async def test_empty_minutes_cost_no_database_trip(env, clock, monkeypatch):
    bot, chat = env
    await join(chat, chat.user("gus"))
    await sweep_at(bot, clock, clock.now())  # learns when the next check-in is due
    trips = []
    claim_due = dispatch.claim_due

    async def counted(*args):
        trips.append(args)
        return await claim_due(*args)

    monkeypatch.setattr(dispatch, "claim_due", counted)
    for minute in range(1, 60):
        await sweep_at(bot, clock, datetime(2026, 11, 27, 12, minute, tzinfo=UTC))
    if bot.db.shared:
        # Replicas share the database (PostgreSQL): a member may join through another one, so each
        # minute asks the index (one query for the earliest due moment).
        assert len(trips) == 59
    else:
        assert trips == []


async def test_a_member_of_a_community_no_longer_configured_still_gets_the_default_questions(env, clock):
    bot, chat = env
    hal = chat.user("hal")
    await join(chat, hal)
    await bot.db.execute("UPDATE checkin_members SET community_id = 99")  # its community left the config
    assert (await sweep_at(bot, clock, EVENING)).checkins == 1
    assert "mood" in check_ins_to(chat, hal)[0].text
