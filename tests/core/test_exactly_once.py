"""Exactly once across crashes, in one process: a run stopped half way (cancelled where a crash would
kill it) and a restart on the same database and the same platform (the test kit's adapter, which,
like Discord and Matrix, answers a resend by its token with the message it already made).

The real thing, a `kindred run` process killed with SIGKILL against Synapse and the Discord double,
is in tests/crash/."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from bot.model import Content, UserRef
from bot.outbox import GaveUp, Outgoing, Target, delivery_scope, token_for
from bot.schedule_specs import At
from bot.scheduler import MAX_RUNS
from bot.testing import FrozenClock, MemoryAdapter, crash_when_stalled, make_test_bot
from tests.core.reminder_cog import HANDLER

COGS = ["tests.core.reminder_cog"]
MEETUP = datetime(2027, 3, 4, 18, 0, tzinfo=UTC)
ATTENDEES = ["ana", "ben", "cai"]


def reminders_to(network: MemoryAdapter) -> Counter:
    return Counter(s.private_to.user_id for s in network.sent if s.private_to and "reminder" in s.text)


async def crash_while_sending(tmp_path, network, clock, stalled_user: str, before: bool) -> None:
    """Add the meetup reminder, let it run until the message to `stalled_user` hangs, then stop the
    process there: the run is cancelled and the bot closed without recording anything more."""
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[network], clock=clock) as (bot, _):
        await bot.scheduler.add(
            "reminders",
            "meetup:1",
            At(MEETUP - timedelta(hours=1)),
            HANDLER,
            {"to": ATTENDEES, "what": "Alumni coffee"},
            grace=timedelta(hours=2),
        )
        clock.set(MEETUP - timedelta(hours=1))
        network.stall(stalled_user, before)
        await crash_when_stalled(network, bot.scheduler.run_due())
        assert await unfinished(bot, "reminders") == 1


@pytest.mark.parametrize("before", [True, False], ids=["request-lost", "answer-lost"])
async def test_a_reminder_killed_mid_send_reaches_every_attendee_once_after_restart(tmp_path, before):
    """The issue's "lost for good": killed while sending a one-off meetup reminder. Now the claim a dead
    process left is run again at the next start, and what it had sent is not sent again."""
    clock, network = FrozenClock(MEETUP - timedelta(days=1)), MemoryAdapter()
    await crash_while_sending(tmp_path, network, clock, "ben", before)
    assert reminders_to(network) == Counter({"ana": 1} if before else {"ana": 1, "ben": 1})

    clock.advance(seconds=40)  # the restart
    async with make_test_bot(tmp_path, cogs=COGS, adapters=[network], clock=clock) as (bot, _):
        assert reminders_to(network) == Counter({"ana": 1, "ben": 1, "cai": 1})
        assert await unfinished(bot) == 0
        assert await bot.db.fetchval("SELECT COUNT(*) FROM schedules WHERE owner = 'reminders'") == 0
        statuses = [row[0] for row in await bot.db.fetchall("SELECT status FROM outbox")]
        assert statuses == ["sent"] * 3
        assert bot.get_cog("reminders").runs == 1  # this process ran it once, in the dead one's scope


async def test_past_the_platforms_window_an_unconfirmed_message_is_given_up_not_repeated(tmp_path, caplog):
    clock, network = FrozenClock(MEETUP - timedelta(days=1)), MemoryAdapter()
    await crash_while_sending(tmp_path, network, clock, "ben", before=False)
    clock.advance(minutes=30)  # the platform no longer recognises ben's token (MemoryAdapter: 2 minutes)
    with caplog.at_level(logging.INFO):
        async with make_test_bot(tmp_path, cogs=COGS, adapters=[network], clock=clock) as (bot, _):
            # ben's message had in fact arrived: giving it up is what keeps it from arriving twice.
            assert reminders_to(network) == Counter({"ana": 1, "ben": 1, "cai": 1})
            assert (
                await bot.db.fetchval("SELECT status FROM outbox WHERE token = ?", (token_of(bot, "ben"),))
                == "given_up"
            )
    assert any("given up" in record.getMessage() for record in caplog.records)


async def test_the_same_message_asked_for_again_comes_back_without_a_send(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=[], clock=clock) as (bot, chat):
        ana = UserRef("memory", "ana", "ana")
        with delivery_scope("test:event-1"):
            first = await bot.send_private(ana, "Hello")
            second = await bot.send_private(ana, "Hello again")  # the second message to ana in this event
        with delivery_scope("test:event-1"):  # the same event, handled again
            again = [await bot.send_private(ana, "Hello"), await bot.send_private(ana, "Hello again")]
        assert [s.text for s in chat.to(ana)] == ["Hello", "Hello again"]
        assert again == [first, second] and all(ref.repeated for ref in again)
        assert not first.repeated
        without_scope = await bot.send_private(ana, "Hello")  # outside any event or occurrence: as before
        assert len(chat.to(ana)) == 3 and not without_scope.repeated
        assert await bot.db.fetchval("SELECT COUNT(*) FROM outbox") == 2


async def test_deliver_many_writes_every_row_before_the_first_send_and_reports_each_failure(tmp_path, clock):
    class Refuses(MemoryAdapter):
        async def send_private(self, user, content, token=None):
            statuses = [row[0] for row in await self.bot.db.fetchall("SELECT status FROM outbox")]
            self.seen_at_send = getattr(self, "seen_at_send", []) + [statuses]
            if user.user_id == "ben":
                raise PermissionError("ben's direct messages are closed")
            return await super().send_private(user, content, token)

    async with make_test_bot(tmp_path, cogs=[], adapters=[Refuses()], clock=clock) as (bot, chat):
        people = [UserRef("memory", name, name) for name in ATTENDEES]
        with delivery_scope("test:sweep-1"):
            results = await bot.outbox.deliver_many(
                [Outgoing(Target("memory", person=p), Content("Hi")) for p in people]
            )
        assert isinstance(results[1], PermissionError) and results[0].message_id and results[2].message_id
        assert chat.seen_at_send[0] == ["sending"] * 3  # all three rows, before the first send
        statuses = {row[0]: row[1] for row in await bot.db.fetchall("SELECT token, status FROM outbox")}
        assert sorted(statuses.values()) == ["failed", "sent", "sent"]


async def test_a_given_up_message_is_not_sent_by_a_rerun_either(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=[], clock=clock) as (bot, chat):
        ana = UserRef("memory", "ana", "ana")
        token = token_for("test:event-2|person:memory:ana|0")
        await bot.db.execute(
            "INSERT INTO outbox (token, platform, status, scope, created_at) "
            "VALUES (?, 'memory', 'given_up', 'test:event-2', ?)",
            (token, clock.now().isoformat()),
        )
        with delivery_scope("test:event-2"), pytest.raises(GaveUp):
            await bot.send_private(ana, "Hello")
        assert chat.to(ana) == []


async def test_a_run_that_keeps_killing_the_process_is_given_up_after_max_runs(tmp_path, caplog):
    clock, network = FrozenClock(MEETUP - timedelta(days=1)), MemoryAdapter()
    await crash_while_sending(tmp_path, network, clock, "ana", before=True)
    # Each earlier restart ran it again, and it brought the process down again: the ledger counted them.
    async with make_test_bot(tmp_path, cogs=[], adapters=[MemoryAdapter()], clock=clock) as (bot, _):
        await bot.db.execute("UPDATE deliveries SET attempts = ?", (MAX_RUNS,))
    clock.advance(seconds=10)
    with caplog.at_level(logging.WARNING):
        async with make_test_bot(tmp_path, cogs=COGS, adapters=[network], clock=clock) as (bot, _):
            assert await unfinished(bot) == 0
            assert bot.get_cog("reminders").given_up == [
                f"it was started {MAX_RUNS} times and never finished"
            ]
            assert bot.get_cog("reminders").runs == 0
            assert await bot.db.fetchval("SELECT COUNT(*) FROM schedules WHERE owner = 'reminders'") == 0
    assert any("given up after a restart" in record.getMessage() for record in caplog.records)


async def unfinished(bot, owner: str | None = None) -> int:
    """Occurrences claimed and not recorded (of one owner's schedules, or all)."""
    return await bot.db.fetchval(
        "SELECT COUNT(*) FROM deliveries d JOIN schedules s ON s.id = d.schedule_id"
        " WHERE d.status = 'running' AND s.owner = coalesce(?, s.owner)",
        (owner,),
    )


def token_of(bot, user_id: str) -> str:
    scope = f"schedule:reminders:meetup:1:{(MEETUP - timedelta(hours=1)).isoformat()}"
    return token_for(f"{scope}|person:memory:{user_id}|0")


async def test_a_key_rotation_keeps_the_outbox_readable_and_its_rows_erasable(tmp_path, clock):
    from bot.vault import decode_key, generate_key

    async with make_test_bot(tmp_path, cogs=[], clock=clock) as (bot, chat):
        ana = UserRef("memory", "ana", "ana")
        with delivery_scope("test:event-3"):
            first = await bot.send_private(ana, "Hello")
        await bot.rotate_key(decode_key(generate_key()))
        with delivery_scope("test:event-3"):
            again = await bot.send_private(ana, "Hello")
        assert again == first and again.repeated  # where it went, sealed, opens with the new key
        assert len(chat.to(ana)) == 1
        assert await bot.outbox.forget([ana]) == 1  # and `!forgetme` still finds the row
