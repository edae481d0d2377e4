"""Schedules: DST-correct times, once per occurrence across restarts, late only within grace."""

import asyncio
import logging
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import Clock
from bot.schedule_specs import At, Cron
from bot.scheduler import Due
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot

NEW_YORK = ZoneInfo("America/New_York")


def local(zone: str, *args) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize(
    ("zone", "before", "after_spring", "after_autumn"),
    [
        # 2026: the US changes on 8 March and 1 November, the UK on 29 March and 25 October.
        ("America/New_York", (2026, 3, 7), (2026, 3, 9), (2026, 11, 2)),
        ("Europe/London", (2026, 3, 28), (2026, 3, 30), (2026, 10, 26)),
    ],
)
def test_a_daily_nine_oclock_stays_at_nine_local_across_both_dst_changes(
    zone, before, after_spring, after_autumn
):
    trigger = Cron(9, 0, zone).trigger()
    start = local(zone, *before, 0, 0)
    moment, seen = trigger.get_next_fire_time(None, start), []
    for _ in range(250):
        seen.append(moment)
        moment = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    assert all(m.astimezone(ZoneInfo(zone)).hour == 9 and m.minute == 0 for m in seen)
    assert len({m.date() for m in seen}) == 250  # one a day, none doubled or dropped
    utc_hours = {m.astimezone(ZoneInfo(zone)).date(): m.astimezone(UTC).hour for m in seen}
    day = lambda t: date(*t)  # noqa: E731
    assert utc_hours[day(before)] != utc_hours[day(after_spring)]  # the UTC hour moved in spring
    assert utc_hours[day(after_autumn)] == utc_hours[day(before)]  # and back in autumn


def test_a_time_skipped_by_spring_forward_runs_once_that_day():
    trigger = Cron(2, 30, "America/New_York").trigger()
    moment = trigger.get_next_fire_time(None, local("America/New_York", 2026, 3, 8, 0, 0))
    real_local_time = moment.astimezone(UTC).astimezone(NEW_YORK)
    assert (real_local_time.date(), real_local_time.hour, real_local_time.minute) == (date(2026, 3, 8), 3, 30)
    following = trigger.get_next_fire_time(moment, moment + timedelta(seconds=1))
    assert following.astimezone(UTC).astimezone(NEW_YORK).date() == date(2026, 3, 9)


class Recorder:
    def __init__(self):
        self.runs = []
        self.event = asyncio.Event()

    async def __call__(self, occurrence):
        self.runs.append(occurrence)
        self.event.set()


async def start_bot(tmp_path, clock, recorder):
    context = make_test_bot(tmp_path, cogs=[], adapters=[MemoryAdapter()], clock=clock)
    bot, _ = await context.__aenter__()
    bot.scheduler.register_handler("test.record", recorder)
    return context, bot


async def test_each_occurrence_runs_once_across_restarts_and_late_only_within_grace(tmp_path, caplog):
    clock = FrozenClock(local("America/New_York", 2026, 1, 5, 8, 0).astimezone(UTC))
    recorder = Recorder()
    context, bot = await start_bot(tmp_path, clock, recorder)
    await bot.scheduler.add(
        "test",
        "daily",
        Cron(9, 0, "America/New_York"),
        "test.record",
        {"room": "general"},
        grace=timedelta(minutes=30),
    )
    clock.set(local("America/New_York", 2026, 1, 5, 9, 0, 5))
    assert await bot.scheduler.run_due() == 1
    assert await bot.scheduler.run_due() == 0  # already in the ledger
    await context.__aexit__(None, None, None)

    # Restart a few minutes later: the 09:00 occurrence is not sent again.
    clock.set(local("America/New_York", 2026, 1, 5, 9, 5))
    context, bot = await start_bot(tmp_path, clock, recorder)
    await bot.scheduler.start()  # startup catch-up runs again with the handler registered
    assert len(recorder.runs) == 1
    await context.__aexit__(None, None, None)

    # Down over the next 09:00, back at 09:20: inside the 30-minute grace, so it goes out late, once.
    clock.set(local("America/New_York", 2026, 1, 6, 9, 20))
    context, bot = await start_bot(tmp_path, clock, recorder)
    await bot.scheduler.run_due()
    await bot.scheduler.run_due()
    assert len(recorder.runs) == 2
    assert recorder.runs[-1].late is True
    assert recorder.runs[-1].payload == {"room": "general"}
    assert recorder.runs[-1].scheduled_for == local("America/New_York", 2026, 1, 6, 9, 0).astimezone(UTC)
    await context.__aexit__(None, None, None)

    # Back at 11:00 the next day: outside the grace window, skipped with a log line.
    clock.set(local("America/New_York", 2026, 1, 7, 11, 0))
    with caplog.at_level(logging.INFO, logger="bot.scheduler"):
        context, bot = await start_bot(tmp_path, clock, recorder)
        await bot.scheduler.run_due()
    assert len(recorder.runs) == 2
    assert any("outside its grace window" in r.getMessage() for r in caplog.records)
    await context.__aexit__(None, None, None)


async def test_the_alarm_rings_through_apscheduler_when_the_clock_reaches_a_schedule(tmp_path):
    clock = FrozenClock(datetime(2027, 1, 4, 8, 59, 59, tzinfo=UTC))
    recorder = Recorder()
    context, bot = await start_bot(tmp_path, clock, recorder)
    try:
        await bot.scheduler.add("test", "nine", Cron(9, 0, "UTC"), "test.record")
        await asyncio.sleep(0)  # the alarm is set once per turn of the loop
        assert bot.scheduler.alarm.next_moment() == datetime(
            2027, 1, 4, 9, 0, tzinfo=UTC
        )  # before 03:17's sweep
        assert bot.scheduler.alarm.set_for is None  # a frozen clock never gets there by itself
        clock.set(datetime(2027, 1, 4, 9, 0, 1, tzinfo=UTC))
        bot.scheduler.clock_moved()
        assert bot.scheduler.alarm.set_for == datetime(2027, 1, 4, 9, 0, tzinfo=UTC)
        await asyncio.wait_for(recorder.event.wait(), timeout=10)
        assert [(r.key, r.scheduled_for, r.late) for r in recorder.runs] == [
            ("nine", datetime(2027, 1, 4, 9, 0, tzinfo=UTC), False)
        ]
        assert await settled_statuses(bot) == {"nine": "done"}
        # Rung and settled, it waits for the next day, which the frozen clock never reaches.
        assert await bot.scheduler.next_fire("test", "nine") == datetime(2027, 1, 5, 9, 0, tzinfo=UTC)
        assert bot.scheduler.alarm.next_moment() > clock.now() and bot.scheduler.alarm.set_for is None
    finally:
        await context.__aexit__(None, None, None)


async def test_in_real_time_the_alarm_sleeps_until_the_moment_then_rings(tmp_path):
    """The production clock: nothing is moved by hand, the alarm waits the real time out."""
    clock = Clock()
    recorder = Recorder()
    context, bot = await start_bot(tmp_path, clock, recorder)
    try:
        when = (clock.now() + timedelta(seconds=1)).replace(microsecond=0)
        await bot.scheduler.add("test", "soon", At(when), "test.record")
        await asyncio.sleep(0)
        assert bot.scheduler.alarm.set_for == when and recorder.runs == []
        await asyncio.wait_for(recorder.event.wait(), timeout=10)
        assert clock.now() >= when  # not a moment early
        assert [(r.key, r.scheduled_for) for r in recorder.runs] == [("soon", when)]
        for _ in range(200):  # a one-shot's row goes once its outcome is recorded
            if await bot.scheduler.next_fire("test", "soon") is None and not await bot.scheduler.schedules_of(
                "test"
            ):
                break
            await asyncio.sleep(0.05)
        assert await bot.scheduler.schedules_of("test") == []
    finally:
        await context.__aexit__(None, None, None)


@pytest.mark.parametrize(
    "start", [datetime(2001, 3, 1, 12, 0, tzinfo=UTC), datetime(2099, 3, 1, 12, 0, tzinfo=UTC)]
)
async def test_under_a_frozen_clock_the_machines_clock_never_makes_anything_fire(tmp_path, start):
    """Frozen long before or long after the machine's date: APScheduler, which keeps machine time, is
    never left a job it could find due."""
    clock = FrozenClock(start)
    recorder = Recorder()
    context, bot = await start_bot(tmp_path, clock, recorder)
    try:
        await bot.scheduler.add("test", "once", At(start + timedelta(hours=1)), "test.record")
        for hour in range(24):  # one of these is the machine's current hour, whatever it is
            await bot.scheduler.add("test", f"daily{hour}", Cron(hour, 0, "UTC"), "test.record")
        await asyncio.sleep(0.3)
        assert recorder.runs == [] and bot.scheduler.alarm.set_for is None
        assert bot.scheduler.alarm._aps.get_jobs() == []
        clock.advance(hours=1)
        bot.scheduler.clock_moved()
        for _ in range(200):
            if len(recorder.runs) == 2:
                break
            await asyncio.sleep(0.05)
        assert sorted(r.key for r in recorder.runs) == ["daily13", "once"]
    finally:
        await context.__aexit__(None, None, None)


async def test_two_catch_ups_at_once_settle_a_one_shot_once_without_a_foreign_key_error(tmp_path):
    """The 2027-07-15 failure: one settle deleted a one-shot's row (its occurrence was in the ledger)
    while another, which had read the row before, recorded it as skipped: FOREIGN KEY failed."""
    clock = FrozenClock(datetime(2027, 6, 1, 12, 0, tzinfo=UTC))
    recorder = Recorder()
    context, bot = await start_bot(tmp_path, clock, recorder)
    try:
        await bot.scheduler.add("test", "missed", At(datetime(2027, 6, 1, 12, 30, tzinfo=UTC)), "test.record")
        await bot.scheduler.add("test", "due", At(datetime(2027, 6, 1, 13, 50, tzinfo=UTC)), "test.record")
        clock.set(datetime(2027, 6, 1, 14, 0, tzinfo=UTC))
        ran = await asyncio.wait_for(asyncio.gather(*(bot.scheduler.run_due() for _ in range(3))), timeout=10)
        assert sum(ran) == 1 and [r.key for r in recorder.runs] == ["due"]
        assert await bot.db.fetchval("SELECT COUNT(*) FROM schedules WHERE owner = 'test'") == 0
    finally:
        await context.__aexit__(None, None, None)


async def test_one_shot_runs_once_and_pause_resume_remove(tmp_path):
    clock = FrozenClock(datetime(2027, 6, 1, 12, 0, tzinfo=UTC))
    recorder = Recorder()
    context, bot = await start_bot(tmp_path, clock, recorder)
    try:
        await bot.scheduler.add("test", "once", At(datetime(2027, 6, 1, 13, 0, tzinfo=UTC)), "test.record")
        await bot.scheduler.add("test", "daily", Cron(14, 0, "UTC"), "test.record")
        assert await bot.scheduler.next_fire("test", "daily") == datetime(2027, 6, 1, 14, 0, tzinfo=UTC)
        await bot.scheduler.pause("test", "daily")
        assert await bot.scheduler.next_fire("test", "daily") is None
        clock.set(datetime(2027, 6, 1, 14, 1, tzinfo=UTC))
        await bot.scheduler.run_due()
        assert recorder.runs == []  # the one-shot is 61 minutes late, past its 30-minute grace
        assert await bot.scheduler.next_fire("test", "once") is None  # skipped one-shots are gone
        await bot.scheduler.add("test", "once", At(datetime(2027, 6, 1, 15, 0, tzinfo=UTC)), "test.record")
        clock.set(datetime(2027, 6, 1, 15, 10, tzinfo=UTC))
        await bot.scheduler.run_due()
        assert [r.key for r in recorder.runs] == ["once"]
        await bot.scheduler.resume("test", "daily")
        clock.set(datetime(2027, 6, 2, 14, 0, 30, tzinfo=UTC))
        await bot.scheduler.run_due()
        assert [r.key for r in recorder.runs] == ["once", "daily"]
        assert await bot.scheduler.remove("test", "daily")
        assert await bot.scheduler.schedules_of("test") == []
    finally:
        await context.__aexit__(None, None, None)


async def statuses(bot) -> dict[str, str]:
    rows = await bot.db.fetchall(
        "SELECT s.key, d.status FROM deliveries d JOIN schedules s ON s.id = d.schedule_id WHERE s.owner = 'test'"
    )
    return {row["key"]: row["status"] for row in rows}


async def settled_statuses(bot, within: float = 10.0) -> dict[str, str]:
    """The ledger once no occurrence is still 'running': outcomes are written just after handlers return."""
    for _ in range(int(within / 0.05)):
        found = await statuses(bot)
        if found and "running" not in found.values():
            return found
        await asyncio.sleep(0.05)
    return await statuses(bot)


async def test_occurrences_due_together_all_run_and_a_failing_handler_fails_alone(tmp_path, caplog):
    clock = FrozenClock(datetime(2027, 6, 1, 8, 0, tzinfo=UTC))
    recorder = Recorder()
    context, bot = await start_bot(tmp_path, clock, recorder)
    try:

        async def boom(occurrence):
            raise RuntimeError("the platform is down")

        bot.scheduler.register_handler("test.boom", boom)
        await bot.scheduler.add("test", "first", Cron(9, 0, "UTC"), "test.record")
        await bot.scheduler.add("test", "broken", Cron(9, 0, "UTC"), "test.boom")
        await bot.scheduler.add("test", "last", Cron(9, 0, "UTC"), "test.record")
        clock.set(datetime(2027, 6, 1, 9, 0, 2, tzinfo=UTC))
        with caplog.at_level(logging.ERROR, logger="bot.scheduler"):
            assert await bot.scheduler.run_due() == 3
        assert sorted(r.key for r in recorder.runs) == ["first", "last"]
        assert await statuses(bot) == {"first": "done", "broken": "failed", "last": "done"}
        assert [r.schedule for r in caplog.records if "handler failed" in r.getMessage()] == [
            (await bot.scheduler.schedules_of("test", "broken"))[0]["id"]
        ]
        # As for a single occurrence: the failure is recorded, and nothing runs twice.
        assert await bot.scheduler.run_due() == 0
        assert len(recorder.runs) == 2
    finally:
        await context.__aexit__(None, None, None)


class BatchRecorder:
    """A batch handler: gets every occurrence due together, reports the keys listed in `fail`."""

    def __init__(self, fail=()):
        self.calls: list[list] = []
        self.fail = set(fail)
        self.event = asyncio.Event()

    async def __call__(self, occurrences):
        self.calls.append(occurrences)
        self.event.set()
        return {o.schedule_id: RuntimeError(f"{o.key} failed") for o in occurrences if o.key in self.fail}


async def test_a_batch_handler_gets_the_occurrences_due_together_and_reports_its_own_failures(tmp_path):
    clock = FrozenClock(datetime(2027, 6, 1, 8, 0, tzinfo=UTC))
    batch = BatchRecorder(fail={"b"})
    context, bot = await start_bot(tmp_path, clock, Recorder())
    try:
        bot.scheduler.register_batch_handler("test.batch", batch)
        for key in "abc":
            await bot.scheduler.add("test", key, Cron(9, 0, "UTC"), "test.batch", {"place": key})
        await bot.scheduler.add("test", "later", Cron(10, 0, "UTC"), "test.batch")
        clock.set(datetime(2027, 6, 1, 9, 0, 30, tzinfo=UTC))
        assert await bot.scheduler.run_due() == 3
        assert [[(o.key, o.payload["place"]) for o in call] for call in batch.calls] == [
            [("a", "a"), ("b", "b"), ("c", "c")]
        ]
        assert await statuses(bot) == {"a": "done", "b": "failed", "c": "done"}
        # A batch handler that raises fails its whole batch, once; nothing is retried.
        batch.fail, batch.calls = set(), []

        async def broken(occurrences):
            raise RuntimeError("the database is locked")

        bot.scheduler.register_batch_handler("test.batch", broken)
        clock.set(datetime(2027, 6, 1, 10, 0, 30, tzinfo=UTC))
        assert await bot.scheduler.run_due() == 1
        assert (await statuses(bot))["later"] == "failed"
        assert await bot.scheduler.run_due() == 0
    finally:
        await context.__aexit__(None, None, None)


async def test_schedules_due_at_one_moment_ring_once_and_are_delivered_as_one_batch(tmp_path):
    clock = FrozenClock(datetime(2027, 1, 4, 2, 0, tzinfo=UTC))
    batch = BatchRecorder()
    context, bot = await start_bot(tmp_path, clock, Recorder())
    try:
        bot.scheduler.register_batch_handler("test.batch", batch)
        # x and y share a spec; z's differs but falls due with them (04:00 in Berlin is 03:00 UTC in winter).
        for key, spec in [
            ("x", Cron(3, 0, "UTC")),
            ("y", Cron(3, 0, "UTC")),
            ("z", Cron(4, 0, "Europe/Berlin")),
        ]:
            await bot.scheduler.add("test", key, spec, "test.batch")
        clock.set(datetime(2027, 1, 4, 3, 0, tzinfo=UTC))
        bot.scheduler.clock_moved()
        await asyncio.wait_for(batch.event.wait(), timeout=10)
        assert await settled_statuses(bot) == {"x": "done", "y": "done", "z": "done"}
        assert [sorted(o.key for o in call) for call in batch.calls] == [["x", "y", "z"]]
    finally:
        await context.__aexit__(None, None, None)


async def test_fire_many_runs_two_occurrences_of_one_schedule_in_order_and_each_once(tmp_path):
    clock = FrozenClock(datetime(2027, 6, 1, 8, 0, tzinfo=UTC))
    recorder = Recorder()
    context, bot = await start_bot(tmp_path, clock, recorder)
    try:
        daily = await bot.scheduler.add("test", "daily", Cron(9, 0, "UTC"), "test.record")
        other = await bot.scheduler.add("test", "other", Cron(9, 0, "UTC"), "test.record")
        monday, tuesday = datetime(2027, 6, 1, 9, 0, tzinfo=UTC), datetime(2027, 6, 2, 9, 0, tzinfo=UTC)
        clock.set(tuesday)
        due = [Due(daily, monday, late=True), Due(daily, tuesday), Due(other, tuesday), Due(other, tuesday)]
        assert await bot.scheduler.fire_many(due) == 3
        assert [(r.key, r.scheduled_for, r.late) for r in recorder.runs] == [
            ("daily", monday, True),
            ("other", tuesday, False),
            ("daily", tuesday, False),
        ]
        assert await bot.scheduler.fire_many(due) == 0
    finally:
        await context.__aexit__(None, None, None)


async def test_a_slow_handler_does_not_hold_up_other_schedules_due_at_the_same_moment(tmp_path):
    """As when each schedule had its own timer: one stuck send must not delay everyone else's."""
    clock = FrozenClock(datetime(2027, 6, 1, 9, 0, tzinfo=UTC))
    context, bot = await start_bot(tmp_path, clock, Recorder())
    other_ran = asyncio.Event()

    async def waits_for_the_other(occurrence):
        if occurrence.key == "slow":
            await other_ran.wait()  # finishes only if "quick" runs meanwhile
        else:
            other_ran.set()

    try:
        bot.scheduler.register_handler("test.waits", waits_for_the_other)
        slow = await bot.scheduler.add("test", "slow", Cron(9, 0, "UTC"), "test.waits")
        quick = await bot.scheduler.add("test", "quick", Cron(9, 0, "UTC"), "test.waits")
        now = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
        ran = await asyncio.wait_for(bot.scheduler.fire_many([Due(slow, now), Due(quick, now)]), timeout=10)
        assert ran == 2
    finally:
        await context.__aexit__(None, None, None)


async def test_schedules_sharing_a_time_ring_together_yet_pause_and_grace_stay_their_own(tmp_path, caplog):
    clock = FrozenClock(datetime(2027, 6, 1, 8, 0, tzinfo=UTC))
    recorder = Recorder()
    context, bot = await start_bot(tmp_path, clock, recorder)
    try:
        ids = {
            key: await bot.scheduler.add("test", key, Cron(9, 0, "UTC"), "test.record", grace=grace)
            for key, grace in [
                ("paused", timedelta(hours=1)),
                ("strict", timedelta(minutes=30)),
                ("patient", timedelta(hours=1)),
            ]
        }
        await bot.scheduler.pause("test", "paused")
        alarm = bot.scheduler.alarm
        assert (
            alarm.watched(ids["patient"])
            and alarm.watched(ids["strict"])
            and not alarm.watched(ids["paused"])
        )
        # The alarm rings 40 minutes late (the bot was busy): within one grace window, past the other.
        clock.set(datetime(2027, 6, 1, 9, 40, tzinfo=UTC))
        with caplog.at_level(logging.INFO, logger="bot.scheduler"):
            bot.scheduler.clock_moved()
            for _ in range(200):
                if len(await statuses(bot)) == 2:
                    break
                await asyncio.sleep(0.05)
        assert [(r.key, r.late) for r in recorder.runs] == [("patient", True)]
        assert await statuses(bot) == {"patient": "done", "strict": "skipped"}
        assert any(
            "outside its grace window" in r.getMessage() and r.schedule == ids["strict"]
            for r in caplog.records
        )
        # Removing one leaves the spec watched for the other; removing the last stops watching it.
        nine_tomorrow = datetime(2027, 6, 2, 9, 0, tzinfo=UTC)
        assert await bot.scheduler.remove("test", "strict")
        assert not alarm.watched(ids["strict"]) and nine_tomorrow in alarm._next.values()
        assert await bot.scheduler.remove("test", "patient")
        assert nine_tomorrow not in alarm._next.values()
        await bot.scheduler.resume("test", "paused")
        assert alarm.watched(ids["paused"]) and nine_tomorrow in alarm._next.values()
    finally:
        await context.__aexit__(None, None, None)
