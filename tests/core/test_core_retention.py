"""The daily sweep also forgets what the core itself keeps: unanswered questions and old ledger rows."""

from datetime import UTC, datetime, timedelta

from bot.model import Choice, Content, SentRef, UserRef
from bot.schedule_specs import Cron
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot

START = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
QUESTION = Content(text="Are you sure?", choices=[Choice("x:yes", "Yes"), Choice("x:no", "No")])


async def test_unanswered_questions_go_after_two_days_and_room_questions_after_sixty(tmp_path):
    clock = FrozenClock(START)
    async with make_test_bot(tmp_path, cogs=[], adapters=[MemoryAdapter()], clock=clock) as (bot, _):
        alice = UserRef("console", "alice-id", "alice")
        await bot.pending.remember(SentRef("console", "dm-alice", "1"), QUESTION, for_user=alice)
        await bot.pending.remember(SentRef("matrix", "!room", "2"), QUESTION)  # a post for everyone

        async def kept() -> list[str]:
            return [r["message_id"] for r in await bot.db.fetchall("SELECT message_id FROM pending_prompts")]

        clock.set(START + timedelta(days=1))
        await bot.enforce_retention()
        assert await kept() == ["1", "2"]
        clock.set(START + timedelta(days=3))
        await bot.enforce_retention()
        assert await kept() == ["2"]  # nobody's platform id outlives the two days
        clock.set(START + timedelta(days=61))
        await bot.enforce_retention()
        assert await kept() == []


async def test_delivery_rows_older_than_any_catch_up_are_forgotten_and_nothing_runs_twice(tmp_path):
    clock = FrozenClock(START)
    ran = []

    async def record(occurrence):
        ran.append(occurrence.scheduled_for)

    async with make_test_bot(tmp_path, cogs=[], adapters=[MemoryAdapter()], clock=clock) as (bot, _):
        bot.scheduler.register_handler("test.daily", record)
        await bot.scheduler.add("test", "daily", Cron(9, 0, "UTC"), "test.daily")
        for day in range(1, 15):
            clock.set(datetime(2027, 3, 1 + day, 9, 0, 1, tzinfo=UTC))
            await bot.scheduler.run_due()
        daily = "SELECT COUNT(*) FROM deliveries d JOIN schedules s ON s.id = d.schedule_id WHERE s.owner = 'test'"
        # The core's own daily sweep (03:17 UTC, through the scheduler) kept only the last nine days:
        # what a catch-up could still reach. Nothing ran twice for it.
        assert await bot.db.fetchval(daily) == 9
        assert await bot.scheduler.run_due() == 0 and len(ran) == 14
