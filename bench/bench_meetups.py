"""Meetups under load, through the real bot (SQLite file, scheduler, router, in-memory adapter).

1. 1,000 members press Going on one meetup with capacity 12 at the same moment: every answer must be
   recorded exactly once, 12 seats filled, 988 waitlisted in arrival order; then the 12 seated drop
   out at once and exactly the first 12 waiting must be promoted.
2. Listing 10,000 upcoming meetings (100 weekly series x 100 meetings each), and `!meetups` over them.

Run: `.venv/bin/python -m bench.bench_meetups` (or via `make bench`). Prints one JSON object.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.config import CommunitySettings
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot, settings_for_tests
from cogs.meetups.recurrence import Recurrence

START = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
LONDON = ZoneInfo("Europe/London")


def _settings(tmp: Path):
    return settings_for_tests(
        tmp, community=CommunitySettings(name="Bench", timezone="Europe/London", country="GB")
    )


async def _timed(coro) -> float:
    began = time.perf_counter()
    await coro
    return time.perf_counter() - began


async def bench_rsvps(tmp: Path, members: int = 1000, capacity: int = 12) -> dict:
    chat = MemoryAdapter("discord", scope_id="guild")
    async with make_test_bot(
        tmp,
        cogs=["cogs.privacy", "cogs.meetups"],
        adapters=[chat],
        settings=_settings(tmp),
        clock=FrozenClock(START),
    ) as (bot, _):
        bot.rate_limiter.limit = 10**6
        organiser = chat.user("organiser", moderator=True)
        await chat.say(organiser, "!meetup channel here")
        review = (await chat.say(organiser, f"!meetup create Big circle, tomorrow 7pm, capacity {capacity}"))[
            -1
        ]
        await chat.press(organiser, chat.find_choice(review, "Save and announce"))
        post = [s for s in chat.sent if s.private_to is None and s.content.title == "Big circle"][-1]
        people = [chat.user(f"member{i}") for i in range(members)]
        for person in people:  # consent is not what is measured here
            await bot.consent.record(person, "meetups", "bench")
        going = chat.find_choice(post, "Going")
        cant = chat.find_choice(post, "Can't go")

        began = time.perf_counter()
        latencies = await asyncio.wait_for(
            asyncio.gather(*(_timed(chat.press(p, going, place=post.place)) for p in people)), 600
        )
        wall = time.perf_counter() - began
        edits_during_burst = len(post.edits)
        rows = await bot.db.fetchall("SELECT member_id, answer, position FROM meetup_rsvps ORDER BY position")
        answers = [r["answer"] for r in rows]
        recorded_once = len(rows) == members and len({r["member_id"] for r in rows}) == members
        order_ok = answers == ["going"] * capacity + ["waitlist"] * (members - capacity)
        waiting = [r["member_id"] for r in rows if r["answer"] == "waitlist"]
        seated = {r["member_id"] for r in rows if r["answer"] == "going"}
        replies = sum(1 for p in people for s in chat.to(p) if "going to" in s.text or "waitlist" in s.text)

        leavers = [p for p in people if await bot.members.lookup(p) in seated]
        began = time.perf_counter()
        await asyncio.wait_for(asyncio.gather(*(chat.press(p, cant, place=post.place) for p in leavers)), 600)
        drop_wall = time.perf_counter() - began
        # One at a time, with nobody else answering: what a single member waits for.
        latecomers = [chat.user(f"late{i}") for i in range(50)]
        for person in latecomers:
            await bot.consent.record(person, "meetups", "bench")
        single = [await _timed(chat.press(p, going, place=post.place)) for p in latecomers]
        await asyncio.sleep(bot.get_cog("meetups").service.refresh_interval + 0.5)  # the trailing edit
        now_going = {
            r["member_id"]
            for r in await bot.db.fetchall("SELECT member_id FROM meetup_rsvps WHERE answer = 'going'")
        }
        promotion_ok = now_going == set(waiting[:capacity])
        return {
            "members": members,
            "capacity": capacity,
            "all_answers_wall_s": round(wall, 3),
            "answers_per_s": round(members / wall, 1),
            "answer_latency_median_ms": round(statistics.median(latencies) * 1000, 2),
            "answer_latency_p95_ms": round(sorted(latencies)[int(len(latencies) * 0.95)] * 1000, 2),
            "every_answer_recorded_once": recorded_once,
            "seats_then_waitlist_in_order": order_ok,
            "members_told": replies,
            "single_answer_median_ms": round(statistics.median(single) * 1000, 2),
            "drop_out_of_12_wall_s": round(drop_wall, 3),
            "first_waiting_promoted_in_order": promotion_ok,
            "post_edits_during_1000_answers": edits_during_burst,
            "post_edits_in_all": len(post.edits),
            "post_final_text_correct": f"Full ({capacity} going), {members - 2 * capacity + 50} on the waitlist"
            in post.text,
        }


async def bench_listing(tmp: Path, series: int = 100, per_series: int = 100) -> dict:
    chat = MemoryAdapter("discord", scope_id="guild")
    async with make_test_bot(
        tmp,
        cogs=["cogs.privacy", "cogs.meetups"],
        adapters=[chat],
        settings=_settings(tmp),
        clock=FrozenClock(START),
    ) as (bot, _):
        cog = bot.get_cog("meetups")
        for index in range(series):
            first = datetime(2026, 12, 1 + index % 7, 9 + index % 10, 0, tzinfo=LONDON)
            await cog.store.create(
                community_id=1,
                title=f"Group {index}",
                description="",
                place="",
                start=first,
                duration=timedelta(hours=1),
                capacity=12,
                recurrence=Recurrence("weekly", first.weekday()),
                cutoff=timedelta(0),
                organiser="discord:organiser-id",
                origin=None,
                now=START,
            )
        began = time.perf_counter()
        meetups = await cog.store.active(1)
        listed = []
        for meetup in meetups:
            listed += await cog.store.upcoming(meetup, START, per_series)
        listed.sort(key=lambda occ: occ.start)
        list_s = time.perf_counter() - began
        member = chat.user("reader")
        began = time.perf_counter()
        await chat.say(member, "!meetups")
        command_s = time.perf_counter() - began
        return {
            "occurrences_listed": len(listed),
            "list_10000_s": round(list_s, 3),
            "meetups_command_over_100_series_ms": round(command_s * 1000, 1),
            "chronological": all(a.start <= b.start for a, b in zip(listed, listed[1:], strict=False)),
        }


async def run() -> dict:
    with tempfile.TemporaryDirectory() as first, tempfile.TemporaryDirectory() as second:
        return {"rsvps": await bench_rsvps(Path(first)), "listing": await bench_listing(Path(second))}


def main() -> int:
    results = run_sync()
    print(json.dumps(results, indent=2))
    ok = (
        results["rsvps"]["every_answer_recorded_once"]
        and results["rsvps"]["seats_then_waitlist_in_order"]
        and results["rsvps"]["first_waiting_promoted_in_order"]
        and results["rsvps"]["post_final_text_correct"]
        and results["listing"]["chronological"]
    )
    return 0 if ok else 1


def run_sync() -> dict:
    return asyncio.run(run())


if __name__ == "__main__":
    sys.exit(main())
