"""What the sweep promises while it sends: nobody who left, erased their data or withdrew consent is
asked again, and the sweep's memory of when it next has work never hides someone's new time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.testing import MemoryAdapter
from cogs.checkins import dispatch
from tests.checkins.conftest import checkin_bot, join, sweep_at

EVENING = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
CHECK_IN = "Your daily check-in"


def check_ins_to(chat, user) -> list:
    return [s for s in chat.to(user) if s.content.title == CHECK_IN]


class LeavesWhileSending(MemoryAdapter):
    """The first check-in the sweep sends is, for the other member, the moment they leave: the sweep has
    already claimed both of them and is half way through sending."""

    def __init__(self, leave):
        super().__init__()
        self.leave = leave  # async (adapter, user) -> None
        self.leaver = None

    async def send_private(self, user, content, token=None):
        sent = await super().send_private(user, content, token)
        if content.title == CHECK_IN and self.leaver is not None and user != self.leaver:
            leaver, self.leaver = self.leaver, None
            await self.leave(self, leaver)
        return sent


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
        await join(chat, ana)
        await join(chat, ben)
        await bot.db.execute("UPDATE checkin_members SET partner_summary = 1")  # nor a partner summary
        ana_before, ben_before = len(chat.to(ana)), len(chat.to(ben))
        adapter.leaver = ben  # leaves as soon as ana's check-in has gone out; ana was claimed first
        result = await sweep_at(bot, clock, EVENING)
        assert adapter.leaver is None, "the leaving step never ran"
        assert len(check_ins_to(chat, ana)) == 1 and result.checkins == 1
        assert check_ins_to(chat, ben) == []
        # Whatever ben was shown after ana's check-in is only the answer to leaving, never check-in content.
        assert all(s.content.title != CHECK_IN for s in chat.to(ben)[ben_before:])
        assert len(chat.to(ana)) == ana_before + 1
        # Nor on later days.
        assert (await sweep_at(bot, clock, EVENING + timedelta(days=1))).checkins == 1
        assert check_ins_to(chat, ben) == []


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
