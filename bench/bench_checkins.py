"""Check-ins at scale: one day's dispatch for 10,000 participants over 24 timezones, and 10,000 answers.

    make bench   (or: python -m bench bench_checkins)

Targets (issue 7): dispatch under 1 s of bot time for the whole day, answers under 2 s with every
answer durable in SQLite. "Bot time" is the time spent inside the sweeps (one a minute for 24 hours,
1,440 of them, most finding nothing) through the in-memory adapter; setting up the 10,000 members is
not timed. Wall-clock and process CPU time are both reported: on a shared machine the wall clock
includes waiting for a core. Durable means: after the run, a separate sqlite3 connection to the file finds every answer.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from datetime import time as Time
from pathlib import Path

from bot.model import ChoiceEvent, TextAnswer
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot
from cogs.checkins import dispatch
from cogs.checkins.dispatch import REMINDER_DELAY
from cogs.checkins.store import unix
from cogs.checkins.timing import CheckinSchedule, next_due

MEMBERS = 10_000
ZONES = [
    "Pacific/Midway",
    "Pacific/Honolulu",
    "America/Anchorage",
    "America/Los_Angeles",
    "America/Denver",
    "America/Chicago",
    "America/New_York",
    "America/Halifax",
    "America/Sao_Paulo",
    "Atlantic/South_Georgia",
    "Atlantic/Azores",
    "Europe/London",
    "Europe/Berlin",
    "Europe/Athens",
    "Europe/Moscow",
    "Asia/Dubai",
    "Asia/Karachi",
    "Asia/Dhaka",
    "Asia/Bangkok",
    "Asia/Shanghai",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Noumea",
    "Pacific/Auckland",
]
START = datetime(2026, 11, 27, 0, 0, tzinfo=UTC)


class BenchAdapter(MemoryAdapter):
    """The test kit's adapter, minus its look-back through every earlier message on each DM send
    (quadratic over 20,000 messages): that is the test kit's cost, not the bot's."""

    async def send(self, place, content, token=None):
        return self._record(place, content, None, token)


async def populate(bot, count: int) -> None:
    """Members who opted in, written straight to the tables (the opt-in flow has its own tests)."""
    rng = random.Random(7)
    now = START.isoformat()
    members, identities, consents, rows = [], [], [], []
    statement = bot.get_cog("checkins").consent_statement
    digest = hashlib.sha256(statement.encode()).hexdigest()
    for member_id in range(1, count + 1):
        zone = ZONES[member_id % len(ZONES)]
        local = Time(rng.randrange(6, 23), rng.choice((0, 15, 30, 45)))
        due = next_due(CheckinSchedule(local, zone), START)
        members.append((member_id, now))
        identities.append(("memory", f"m{member_id}", member_id, now))
        consents.append((member_id, "checkins", digest, now))
        rows.append(
            (
                member_id,
                1,
                local.strftime("%H:%M"),
                zone,
                "mon,tue,wed,thu,fri,sat,sun",
                unix(due.at),
                due.day.isoformat(),
                now,
            )
        )
    async with bot.db.transaction() as db:
        await db.executemany("INSERT INTO members (id, created_at) VALUES (?,?)", members)
        await db.executemany(
            "INSERT INTO identities (platform, user_id, member_id, added_at) VALUES (?,?,?,?)", identities
        )
        await db.execute(
            "INSERT INTO consent_statements (sha256, text, first_agreed_at) VALUES (?,?,?)",
            (digest, statement, now),
        )
        await db.executemany(
            "INSERT INTO consents (member_id, feature, statement_sha256, agreed_at) VALUES (?,?,?,?)",
            consents,
        )
        await db.executemany(
            """INSERT INTO checkin_members (member_id, community_id, local_time, timezone, days, next_due, next_day,
               joined_at) VALUES (?,?,?,?,?,?,?,?)""",
            rows,
        )


async def run(count: int = MEMBERS, reminders: bool = True) -> dict:
    """One day for `count` members who all stay silent (so, with reminders on, each also gets the
    day's one reminder: the worst case), then everyone answers a check-in."""
    dispatch.REMINDER_DELAY = REMINDER_DELAY if reminders else timedelta(days=2)  # 2 days: never sent
    clock = FrozenClock(START)
    with tempfile.TemporaryDirectory() as tmp:
        adapter = BenchAdapter()
        async with make_test_bot(
            Path(tmp), cogs=["cogs.privacy", "cogs.checkins"], adapters=[adapter], clock=clock
        ) as (bot, chat):
            bot.rate_limiter.limit = 10**9
            cog = bot.get_cog("checkins")
            await populate(bot, count)

            # One day: a sweep every minute, as the running bot does.
            sweep_seconds, sweep_cpu, sent = 0.0, 0.0, 0
            for minute in range(24 * 60 + 1):
                clock.set(START + timedelta(minutes=minute))
                began, began_cpu = time.perf_counter(), time.process_time()
                result = await cog.sweep()
                sweep_seconds += time.perf_counter() - began
                sweep_cpu += time.process_time() - began_cpu
                sent += result.checkins
            assert sent == count, f"sent {sent} of {count}"
            reminded = len([s for s in adapter.sent if s.content.title is None])

            # Everyone answers their first question (mood) with a tap.
            prompts = [s for s in adapter.sent if s.content.title == "Your daily check-in"]
            presses = [
                ChoiceEvent(p.content.choices[3].id, p.private_to, adapter.dm_place(p.private_to))
                for p in prompts
            ]
            began, began_cpu = time.perf_counter(), time.process_time()
            for press in presses:
                await bot.handle_choice(press)
            answer_seconds = time.perf_counter() - began
            answer_cpu = time.process_time() - began_cpu
            db_path = bot.settings.storage.path
        # After the bot closed: a fresh connection must find every answer.
        with sqlite3.connect(db_path) as check:
            durable = check.execute("SELECT COUNT(*) FROM checkin_entries WHERE mood = 4").fetchone()[0]
    return {
        "participants": count,
        "timezones": len(ZONES),
        "dispatch_sweeps": 24 * 60 + 1,
        "dispatch_seconds": round(sweep_seconds, 3),
        "dispatch_cpu_seconds": round(sweep_cpu, 3),
        "checkins_sent": sent,
        "reminders_sent": reminded,
        "answers": len(presses),
        "answer_seconds": round(answer_seconds, 3),
        "answer_cpu_seconds": round(answer_cpu, 3),
        "answers_per_second": round(len(presses) / answer_seconds),
        "answers_durable": durable,
        "targets": {"dispatch_seconds": 1.0, "answer_seconds": 2.0},
    }


# The note's answer ends the check-in, so its time includes the thanks (the streak read and the next time).
STEPS = ("mood", "craving", "on_track", "intention", "note_and_thanks", "whole_check_in")
YEAR_MEMBERS = 1_000


async def every_question(members: int = YEAR_MEMBERS, days: int = 365) -> dict:
    """A whole check-in (mood, craving and on track tapped, an intention and a note typed, then the
    thanks with the streak), through the router as a member's presses arrive, on day one and after
    `days` days of history (written as bench_scale writes it: the sweep, then the day's answers)."""
    from bench.bench_scale import START as YEAR_START  # (bench_scale uses this module's adapter)
    from bench.bench_scale import one_day
    from bench.bench_scale import populate as join_everyone

    timings: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        adapter = BenchAdapter()
        async with make_test_bot(
            Path(tmp),
            cogs=["cogs.privacy", "cogs.checkins"],
            adapters=[adapter],
            clock=FrozenClock(YEAR_START - timedelta(hours=1)),
        ) as (bot, chat):
            bot.rate_limiter.limit = 10**9
            users = await join_everyone(bot, members)
            rng = random.Random(3)
            for label, day_number in (("day_one", 0), ("after_a_year", days)):
                if label == "after_a_year":
                    for history in range(1, days):
                        await one_day(bot, users, history, rng)
                before = len(adapter.sent)
                await one_day_sent_only(bot, day_number)
                prompts = {
                    s.private_to: s for s in adapter.sent[before:] if s.content.title == "Your daily check-in"
                }
                timings[label] = {step: [] for step in STEPS}
                for user, prompt in prompts.items():
                    await answer_every_question(bot, adapter, user, prompt, timings[label])
    return {
        label: {
            step: {
                "median_ms": round(statistics.median(values) * 1000, 3),
                "p95_ms": round(sorted(values)[int(len(values) * 0.95)] * 1000, 3),
            }
            for step, values in steps.items()
        }
        for label, steps in timings.items()
    }


async def one_day_sent_only(bot, day_number: int) -> None:
    from bench.bench_scale import START as YEAR_START

    bot.clock.set(YEAR_START + timedelta(days=day_number))
    await bot.get_cog("checkins").sweep()
    bot.clock.set(YEAR_START + timedelta(days=day_number, minutes=5))


async def answer_every_question(bot, adapter, user, prompt, timings: dict[str, list[float]]) -> None:
    place = adapter.dm_place(user)
    day = prompt.content.choices[0].id.split(":")[1]
    whole = 0.0
    for step, event in (
        ("mood", ChoiceEvent(f"checkin.mood:{day}:4", user, place)),
        ("craving", ChoiceEvent(f"checkin.craving:{day}:2", user, place)),
        ("on_track", ChoiceEvent(f"checkin.ontrack:{day}:yes", user, place)),
        ("intention", TextAnswer(f"checkin.intention:{day}", "a walk at lunch", user, place)),
        ("note_and_thanks", TextAnswer(f"checkin.note:{day}", "slept better, called my sister", user, place)),
    ):
        before = len(adapter.sent)
        began = time.perf_counter()
        if isinstance(event, ChoiceEvent):
            await bot.handle_choice(event)
        else:
            await bot.handle_text_answer(event)
        spent = time.perf_counter() - began
        assert len(adapter.sent) > before, f"no reply to {step}"
        timings[step].append(spent)
        whole += spent
    timings["whole_check_in"].append(whole)
    assert "Thank you for checking in" in adapter.sent[-1].content.text, adapter.sent[-1].content.text


def main() -> int:
    # KINDRED_BENCH_MEMBERS=2000 for a quick look; the targets apply to the default 10,000.
    count = int(os.environ.get("KINDRED_BENCH_MEMBERS", MEMBERS))
    checkins_only = asyncio.run(run(count, reminders=False))
    result = asyncio.run(run(count))
    result["dispatch_without_reminders_seconds"] = checkins_only["dispatch_seconds"]
    result["dispatch_without_reminders_cpu_seconds"] = checkins_only["dispatch_cpu_seconds"]
    result["every_question_1000_members"] = asyncio.run(every_question(YEAR_MEMBERS))
    print(json.dumps(result, indent=2))
    ok = (
        result["dispatch_without_reminders_seconds"] < 1.0
        and result["answer_seconds"] < 2.0
        and result["answers_durable"] == count
    )
    return 0 if ok or count != MEMBERS else 1


if __name__ == "__main__":
    sys.exit(main())
