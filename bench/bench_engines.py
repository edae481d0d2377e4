"""SQLite and PostgreSQL side by side, one replica and two: the check-in day, answers, concurrent RSVPs.

    make bench   (or: python -m bench bench_engines; KINDRED_BENCH_LARGE=0 leaves out the 100k day)

For each engine and replica count, through the real bot (router, stores, scheduler's sweep, in-memory
adapter), on one machine (2 cores: the bot, its replica and the PostgreSQL server share them):
  - the check-in day: every member's check-in sent once over 1,441 minute sweeps (10,000 and 100,000
    members in 24 timezones, reminders off), then 10,000 answers (a tap on the mood);
  - 1,000 members pressing Going on one meetup (capacity 12) at the same moment.
With two replicas, both bots sweep every minute at once and the answers and presses are split between
them; the bench checks that every check-in went out once and every RSVP was recorded once, 12 seated.
PostgreSQL is a throw-away server the bench starts (tests/postgres.py), with durability switched off
as in the tests, so its numbers are the bot's and the protocol's cost, not a disk's.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

from bench.bench_checkins import START, BenchAdapter, populate
from bot import testing
from bot.model import ChoiceEvent
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot, settings_for_tests
from cogs.checkins import dispatch
from tests.postgres import PostgresServer


async def _replicas(stack: AsyncExitStack, tmp: Path, count: int, cogs: list[str], make_adapter) -> list:
    """`count` started bots on one database (the first one's), each with its own adapter and clock."""
    bots = []
    for _ in range(count):
        settings = settings_for_tests(tmp)  # same directory: the same database, the same data key
        bot, chat = await stack.enter_async_context(
            make_test_bot(
                tmp, cogs=cogs, adapters=[make_adapter()], settings=settings, clock=FrozenClock(START)
            )
        )
        bot.rate_limiter.limit = 10**9
        bots.append((bot, chat))
    return bots


async def checkin_day(tmp: Path, members: int, replicas: int, answers: int) -> dict:
    dispatch.REMINDER_DELAY = timedelta(days=2)  # reminders off: the day's check-ins alone
    async with AsyncExitStack() as stack:
        bots = await _replicas(stack, tmp, replicas, ["cogs.privacy", "cogs.checkins"], BenchAdapter)
        await populate(bots[0][0], members)
        cogs = [bot.get_cog("checkins") for bot, _ in bots]
        began, cpu = time.perf_counter(), time.process_time()
        for minute in range(24 * 60 + 1):
            for bot, _ in bots:
                bot.clock.set(START + timedelta(minutes=minute))
            await asyncio.gather(*(cog.sweep() for cog in cogs))
        day_seconds, day_cpu = time.perf_counter() - began, time.process_time() - cpu
        prompts = [
            (s, index)
            for index, (_, chat) in enumerate(bots)
            for s in chat.sent
            if s.content.title == "Your daily check-in"
        ]
        once = len(prompts) == members and len({s.private_to for s, _ in prompts}) == members
        presses = [
            (
                ChoiceEvent(s.content.choices[3].id, s.private_to, bots[0][1].dm_place(s.private_to)),
                n % replicas,
            )
            for n, (s, _) in enumerate(prompts[:answers])
        ]
        began = time.perf_counter()
        for press, replica in presses:
            await bots[replica][0].handle_choice(press)
        answer_seconds = time.perf_counter() - began
        durable = await bots[0][0].db.fetchval("SELECT COUNT(*) FROM checkin_entries WHERE mood = 4")
    return {
        "members": members,
        "day_s": round(day_seconds, 2),
        "day_cpu_s": round(day_cpu, 2),
        "each_sent_once": once,
        "answers": len(presses),
        "answers_s": round(answer_seconds, 2),
        "answers_per_s": round(len(presses) / answer_seconds),
        "answers_stored": durable == len(presses),
    }


async def rsvps(tmp: Path, replicas: int, members: int = 1000, capacity: int = 12) -> dict:
    async with AsyncExitStack() as stack:
        bots = await _replicas(
            stack,
            tmp,
            replicas,
            ["cogs.privacy", "cogs.meetups"],
            lambda: MemoryAdapter("discord", scope_id="guild"),
        )
        bot, chat = bots[0]
        organiser = chat.user("organiser", moderator=True)
        await chat.say(organiser, "!meetup channel here")
        review = (await chat.say(organiser, f"!meetup create Big circle, tomorrow 7pm, capacity {capacity}"))[
            -1
        ]
        await chat.press(organiser, chat.find_choice(review, "Save and announce"))
        post = [s for s in chat.sent if s.private_to is None and s.content.title == "Big circle"][-1]
        people = [chat.user(f"member{i}") for i in range(members)]
        for person in people:
            await bot.consent.record(person, "meetups", "bench")
        going = chat.find_choice(post, "Going")
        began = time.perf_counter()
        await asyncio.wait_for(
            asyncio.gather(
                *(
                    bots[n % replicas][1].press(person, going, place=post.place)
                    for n, person in enumerate(people)
                )
            ),
            900,
        )
        wall = time.perf_counter() - began
        rows = await bot.db.fetchall("SELECT member_id, answer FROM meetup_rsvps ORDER BY position")
        answers = [row["answer"] for row in rows]
    return {
        "rsvps": members,
        "wall_s": round(wall, 2),
        "per_s": round(members / wall),
        "recorded_once_12_seated_in_order": len({row["member_id"] for row in rows}) == members
        and answers == ["going"] * capacity + ["waitlist"] * (members - capacity),
    }


async def run_all(large: bool) -> dict:
    results: dict = {}
    workdir = Path(tempfile.mkdtemp(prefix="kindred-bench-pg-"))
    server = PostgresServer(workdir).start()  # (its own directory: as root, handed to the postgres user)
    try:
        for engine in ("sqlite", "postgresql"):
            testing.use_database(server.database_for if engine == "postgresql" else None)
            for replicas in (1, 2) if engine == "postgresql" else (1,):
                label = f"{engine}, {replicas} replica{'s' if replicas > 1 else ''}"
                row = results[label] = {}
                sizes = (10_000, 100_000) if large else (10_000,)
                for size in sizes:
                    with tempfile.TemporaryDirectory() as tmp:
                        row[f"day_{size // 1000}k"] = await checkin_day(
                            Path(tmp), size, replicas, answers=10_000
                        )
                    print(label, size, row[f"day_{size // 1000}k"], file=sys.stderr, flush=True)
                with tempfile.TemporaryDirectory() as tmp:
                    row["rsvps_1000"] = await rsvps(Path(tmp), replicas)
                print(label, row["rsvps_1000"], file=sys.stderr, flush=True)
    finally:
        testing.use_database(None)
        server.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    return results


def main() -> int:
    large = os.environ.get("KINDRED_BENCH_LARGE", "1") != "0"
    results = asyncio.run(run_all(large))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
