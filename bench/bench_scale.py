"""A year of check-ins for 10,000 members: how big the database gets, and whether daily work stays flat.

    make bench   (or: python -m bench bench_scale; KINDRED_BENCH_MEMBERS=2000 for a quick look)

Builds the year through the bot's own code: every member (opted in through `bot.consent.record`) is
due at 20:00 UTC, so each day is one check-in sweep (`cog.sweep()`, the real claim and sends through
an in-memory adapter), then the answers (the check-in store's own statements: 70% of members answer
mood, craving and on track; of those, 30% add an intention and 20% a note, sealed as the cog seals
them; the rest skip), then the day's retention of notes (`cog.enforce_retention`, kept 90 days). Each
day's answers are committed together to keep the build to a few minutes: the statements, and so the
rows and pages they leave, are the bot's; only the commit count differs.

Then, on that year-old database, each figure of issue 19:
- database bytes per member per year (the file after a checkpoint, and by table);
- the daily retention sweep's write-lock time (all of `bot.enforce_retention`, every cog and the core);
- `!checkin stats 90` for a moderator; a streak read; a committed answer, on day one and after a year.
Targets: <= 50 KB per member per year, retention <= 50 ms of write lock, stats <= 30 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.bench_checkins import BenchAdapter
from bot.model import UserRef
from bot.testing import FrozenClock, make_test_bot
from cogs.checkins.store import unix

MEMBERS = 10_000
DAYS = 365
START = datetime(2026, 1, 1, 20, 0, tzinfo=UTC)  # day one's check-ins go out at 20:00 UTC
TARGETS = {"kb_per_member_year": 50, "retention_lock_ms": 50, "stats_90_days_ms": 30}
ANSWERING, INTENTION, NOTE = 0.7, 0.3, 0.2
WORDS = (
    "walk",
    "call",
    "sponsor",
    "meeting",
    "rest",
    "water",
    "breathe",
    "journal",
    "tired",
    "grateful",
    "family",
    "work",
    "cravings",
    "evening",
    "slept",
    "okay",
    "better",
    "hard",
    "steady",
    "today",
)


class TimedLock(asyncio.Lock):
    """The database's write lock, adding up how long it is held (a bench-only stand-in)."""

    def __init__(self) -> None:
        super().__init__()
        self.holds: list[float] = []
        self._since = 0.0

    async def acquire(self) -> bool:
        await super().acquire()
        self._since = time.perf_counter()
        return True

    def release(self) -> None:
        self.holds.append(time.perf_counter() - self._since)
        super().release()


def words(rng: random.Random, low: int, high: int) -> str:
    text = ""
    while len(text) < rng.randint(low, high):
        text += rng.choice(WORDS) + " "
    return text.strip()


async def populate(bot, count: int) -> list[UserRef]:
    cog = bot.get_cog("checkins")
    users = [UserRef("memory", f"m{n}", f"m{n}") for n in range(count)]
    for user in users:
        await bot.consent.record(user, "checkins", cog.consent_statement)
    rows = [(await bot.members.lookup(user), START.isoformat()) for user in users]
    await bot.db.executemany(
        f"""INSERT INTO checkin_members (member_id, community_id, local_time, timezone, days, next_due, next_day,
            joined_at) VALUES (?, 1, '20:00', 'UTC', 'mon,tue,wed,thu,fri,sat,sun', {unix(START)},
            '{START.date()}', ?)""",
        rows,
    )
    return users


async def one_day(
    bot, users: list[UserRef], day_number: int, rng: random.Random, timed: int = 0, retention: bool = True
) -> dict:
    """Send the day's check-ins, take its answers, forget expired notes (unless `retention` is off).
    The first `timed` answering members' taps are each committed and timed, as in the running bot."""
    cog, store = bot.get_cog("checkins"), bot.get_cog("checkins").store
    moment = START + timedelta(days=day_number)
    day = moment.date()
    bot.clock.set(moment)
    began = time.perf_counter()
    sent = (await cog.sweep()).checkins
    sweep_s = time.perf_counter() - began
    assert sent == len(users), f"day {day}: sent {sent} of {len(users)}"
    bot.clock.set(moment + timedelta(minutes=5))
    now = bot.clock.now()
    answering = [user for user in users if rng.random() < ANSWERING]
    answer_times = []
    for user in answering[:timed]:
        began = time.perf_counter()
        await store.answer(user.platform, user.user_id, day, "mood", rng.randint(1, 5), now)
        answer_times.append(time.perf_counter() - began)
    async with bot.db.transaction():
        for index, user in enumerate(answering):
            if index >= timed:
                await store.answer(user.platform, user.user_id, day, "mood", rng.randint(1, 5), now)
            await store.answer(user.platform, user.user_id, day, "craving", rng.randint(0, 10), now)
            await store.answer(
                user.platform, user.user_id, day, "on_track", rng.choice(("yes", "yes", "struggling")), now
            )
            if rng.random() < INTENTION:
                await store.answer(
                    user.platform,
                    user.user_id,
                    day,
                    "intention",
                    cog.seal("intention", words(rng, 10, 80)),
                    now,
                )
            if rng.random() < NOTE:
                await store.answer(
                    user.platform, user.user_id, day, "note", cog.seal("note", words(rng, 20, 300)), now
                )
    # Those who skipped what was left are done too (the skip button's statement, for the day at once).
    await bot.db.run(
        lambda conn: conn.execute(
            "UPDATE checkin_entries SET step = 'done', completed_at = COALESCE(completed_at, answered_at) "
            "WHERE day = ? AND answered_at IS NOT NULL AND step <> 'done'",
            (day.isoformat(),),
        )
    )
    bot.clock.set(moment + timedelta(hours=7, minutes=17))  # 03:17 UTC the next day, the retention job's time
    began = time.perf_counter()
    if retention:
        await cog.enforce_retention(bot.clock.now())
    retention_s = time.perf_counter() - began
    return {"sweep_s": sweep_s, "retention_s": retention_s, "answer_s": answer_times}


def median_ms(values: list[float]) -> float:
    return round(statistics.median(values) * 1000, 3)


def spread_ms(values: list[float]) -> list[float]:
    ordered = sorted(values)
    return [round(ordered[0] * 1000, 3), round(ordered[-1] * 1000, 3)]


async def figures_after_the_year(bot, chat, users: list[UserRef], days: int) -> dict:
    cog = bot.get_cog("checkins")
    result: dict = {}
    # Size: everything in the file, after folding the WAL back in.
    await bot.db.checkpoint()
    page_size = await bot.db.fetchval("PRAGMA page_size")
    pages = await bot.db.fetchval("PRAGMA page_count")
    free = await bot.db.fetchval("PRAGMA freelist_count")
    scale = 365 / days
    result["db_bytes"] = pages * page_size
    result["db_free_bytes"] = free * page_size
    result["kb_per_member_year"] = round(pages * page_size * scale / len(users) / 1024, 2)
    by_table = await bot.db.fetchall(
        "SELECT name, SUM(pgsize) AS bytes FROM dbstat GROUP BY name ORDER BY 2 DESC"
    )
    result["bytes_per_member_year_by_table"] = {
        row["name"]: round(row["bytes"] * scale / len(users)) for row in by_table[:8]
    }

    # The daily retention sweep, all of it (every cog, the core's questions and ledger, the checkpoint),
    # at the next 03:17 UTC: how long it holds the write lock, five days running.
    lock = TimedLock()
    bot.db._lock = lock
    locked, total, checkpoints = [], [], []
    last = START + timedelta(days=days - 1)
    for extra in range(5):
        # (another day of check-ins first, so each sweep finds a day's notes to expire)
        await one_day(bot, users, days + extra, random.Random(extra), retention=False)
        bot.clock.set(last + timedelta(days=extra + 1, hours=7, minutes=17))
        lock.holds = []
        began = time.perf_counter()
        await bot.enforce_retention()
        total.append(time.perf_counter() - began)
        locked.append(sum(lock.holds))
        checkpoints.append(lock.holds[-1])  # the sweep ends by folding the WAL back into the file
    result["retention_lock_ms"] = {"median": median_ms(locked), "min_max": spread_ms(locked)}
    result["retention_checkpoint_ms"] = {"median": median_ms(checkpoints), "min_max": spread_ms(checkpoints)}
    result["retention_wall_ms"] = {"median": median_ms(total), "min_max": spread_ms(total)}

    # A moderator's 90-day totals, through the command.
    mod = chat.user("mod", moderator=True)
    timings = []
    for _ in range(21):
        began = time.perf_counter()
        reply = await chat.say(mod, "!checkin stats 90")
        timings.append(time.perf_counter() - began)
    assert "checked in" in reply[-1].text, reply[-1].text
    result["stats_90_days_ms"] = {"median": median_ms(timings), "min_max": spread_ms(timings)}

    # A streak read (what the thanks after each completed check-in and the history show).
    today = bot.clock.now().date()
    member_ids = [await bot.members.lookup(user) for user in users[:500]]
    for member_id in member_ids[:20]:
        await cog.streak(
            member_id, today
        )  # (one first read each, after a history written before streaks were kept)
    timings = []
    for member_id in member_ids[20:]:
        began = time.perf_counter()
        await cog.streak(member_id, today)
        timings.append(time.perf_counter() - began)
    result["streak_read_ms"] = {"median": median_ms(timings), "min_max": spread_ms(timings)}
    return result


async def run(count: int = MEMBERS, days: int = DAYS) -> dict:
    rng = random.Random(19)
    with tempfile.TemporaryDirectory() as tmp:
        async with make_test_bot(
            Path(tmp),
            cogs=["cogs.privacy", "cogs.checkins"],
            adapters=[BenchAdapter()],
            clock=FrozenClock(START - timedelta(hours=1)),
        ) as (bot, chat):
            bot.rate_limiter.limit = 10**9
            began = time.perf_counter()
            users = await populate(bot, count)
            daily = []
            for day_number in range(days):
                daily.append(
                    await one_day(
                        bot, users, day_number, rng, timed=200 if day_number in (0, days - 1) else 0
                    )
                )
                if day_number % 30 == 29:
                    print(
                        f"  built {day_number + 1} days ({time.perf_counter() - began:.0f} s)",
                        file=sys.stderr,
                    )
            build_s = time.perf_counter() - began
            result = {"members": count, "days": days, "build_s": round(build_s, 1)}
            result.update(await figures_after_the_year(bot, chat, users, days))
            first_week, last_week = daily[:7], daily[-7:]
            result["flat"] = {
                "sweep_ms_first_week_last_week": [
                    median_ms([d["sweep_s"] for d in first_week]),
                    median_ms([d["sweep_s"] for d in last_week]),
                ],
                "notes_retention_ms_first_week_last_week": [
                    median_ms([d["retention_s"] for d in first_week]),
                    median_ms([d["retention_s"] for d in last_week]),
                ],
                "answer_ms_day_one_last_day": [
                    median_ms(daily[0]["answer_s"]),
                    median_ms(daily[-1]["answer_s"]),
                ],
            }
    result["targets"] = TARGETS
    result["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return result


def main() -> int:
    count = int(os.environ.get("KINDRED_BENCH_MEMBERS", MEMBERS))
    days = int(os.environ.get("KINDRED_BENCH_DAYS", DAYS))
    load_before = [round(x, 2) for x in os.getloadavg()]
    result = asyncio.run(run(count, days))
    result["load_average_before"] = load_before
    print(json.dumps(result, indent=2))
    met = {
        "kb_per_member_year": result["kb_per_member_year"] <= TARGETS["kb_per_member_year"],
        "retention_lock_ms": result["retention_lock_ms"]["median"] <= TARGETS["retention_lock_ms"],
        "stats_90_days_ms": result["stats_90_days_ms"]["median"] <= TARGETS["stats_90_days_ms"],
    }
    print(
        f"{count:,} members x {days} days: {result['kb_per_member_year']} KB per member per year "
        f"(target <= 50), retention {result['retention_lock_ms']['median']} ms of write lock (<= 50), "
        f"stats for 90 days {result['stats_90_days_ms']['median']} ms (<= 30), "
        f"streak read {result['streak_read_ms']['median']} ms; all met: {all(met.values())}"
    )
    return 0 if all(met.values()) or count != MEMBERS else 1


if __name__ == "__main__":
    sys.exit(main())
