"""Two replicas on one PostgreSQL database: each occurrence is claimed by exactly one of them.

In one process, two bots share a database the way two replicas do (each with its own memory, its own
alarm, its own adapter): scheduled occurrences and check-in sweeps run side by side on both, and every
one runs once. Then two real `kindred run` processes share a database; one is killed (SIGKILL) while the
other goes on, and every member due gets one check-in, none two.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from contextlib import AsyncExitStack
from datetime import timedelta

import pytest

from bot.schedule_specs import At, Cron
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot, settings_for_tests

COGS = ["cogs.privacy", "cogs.checkins"]


@pytest.fixture
async def two_replicas(tmp_path, postgres_server):
    """Two started bots on one PostgreSQL database (one data key), each on its own frozen clock."""
    url = postgres_server.create_database("replicas")
    async with AsyncExitStack() as stack:
        replicas = []
        for name in ("a", "b"):
            settings = settings_for_tests(tmp_path / name)
            settings.storage.url, settings.storage.key_file = url, str(tmp_path / "kindred.key")
            (tmp_path / name).mkdir()
            bot, chat = await stack.enter_async_context(
                make_test_bot(
                    tmp_path / name,
                    cogs=COGS,
                    adapters=[MemoryAdapter()],
                    settings=settings,
                    clock=FrozenClock(),
                )
            )
            bot.rate_limiter.limit = 10_000
            replicas.append((bot, chat))
        yield replicas


async def test_each_scheduled_occurrence_runs_on_exactly_one_replica(two_replicas):
    (a, _), (b, _) = two_replicas
    ran: list[tuple[str, str]] = []
    for bot, name in ((a, "a"), (b, "b")):

        async def handler(occurrence, name=name):
            await asyncio.sleep(0.01)  # a send takes a moment: the other replica is settling meanwhile
            ran.append((name, occurrence.scheduled_for.isoformat()))

        bot.scheduler.register_handler("test.ping", handler)

    start = a.clock.now()
    daily = await a.scheduler.add("test", "daily", Cron(8, 30, "UTC"), "test.ping", grace=timedelta(hours=1))
    once = await a.scheduler.add(
        "test", "once", At(start + timedelta(hours=2)), "test.ping", grace=timedelta(days=2)
    )
    assert await b.scheduler.resync() >= 2, "b watches what a added"
    for day in range(1, 4):
        for bot in (a, b):
            bot.clock.set(start.replace(hour=8, minute=30) + timedelta(days=day))
        await asyncio.wait_for(asyncio.gather(a.scheduler.run_due(), b.scheduler.run_due()), timeout=30)
    moments = [moment for _, moment in ran]
    assert len(moments) == 4 and len(set(moments)) == 4, ran  # three mornings and the one-shot, once each
    await a.scheduler.remove("test", "daily")
    # b learns that "daily" is gone, and the one-shot too if a ran it (the replica that runs a one-shot
    # deletes it once its run is recorded; the one that lost the claim leaves it alone meanwhile).
    assert await b.scheduler.resync() >= 1 and not b.scheduler.alarm.watched_ids() & {daily, once}


async def test_two_replicas_sweeping_at_once_send_each_check_in_once(two_replicas):
    (a, chat_a), (b, chat_b) = two_replicas
    members = [chat_a.user(f"m{i}") for i in range(40)]
    for member in members:
        await chat_a.say(member, "!checkin start 20:00 UTC")
        await chat_a.press(member, "consent:agree:checkins")
    evening = a.clock.now().replace(hour=20, minute=0)
    for bot in (a, b):
        bot.clock.set(evening)
    before = len(chat_a.sent)
    results = await asyncio.wait_for(
        asyncio.gather(a.get_cog("checkins").sweep(), b.get_cog("checkins").sweep()), timeout=60
    )
    asked = [sent.private_to.user_id for sent in chat_a.sent[before:] + chat_b.sent if sent.private_to]
    assert sorted(asked) == sorted(member.user_id for member in members), "each member asked exactly once"
    assert sum(result.checkins for result in results) == len(members)


# --- two real processes ----------------------------------------------------------------------------

DEADLINE = 90.0
MEMBERS = 60


async def _seed_members_due_now(bot, chat, count: int, prefix: str) -> list[str]:
    """Members on the console platform with a daily check-in (not yet due); returns their user ids."""
    members = [chat.user(f"{prefix}{i}") for i in range(count)]
    for member in members:
        await chat.say(member, "!checkin start 20:00 UTC")
        await chat.press(member, "consent:agree:checkins")
    return [member.user_id for member in members]  # what the console names them by (no display name stored)


async def _make_due_now(db, names: list[str]) -> None:
    # The processes run on the machine's clock; the test never reads it: the server's now() does.
    marks = ",".join("?" * len(names))
    await db.execute(
        "UPDATE checkin_members SET next_due = CAST(EXTRACT(EPOCH FROM now()) AS INTEGER) - 5,"
        " next_day = to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
        f" WHERE member_id IN (SELECT member_id FROM identities WHERE user_id IN ({marks}))",
        names,
    )


def _asked(log_text: str, names: list[str]) -> list[str]:
    """The members a replica's console printed a check-in for (`[private to NAME] ...check-in time...`)."""
    asked = []
    for message in log_text.split("[private to ")[1:]:
        name, _, text = message.partition("] ")
        if name in names and "it's check-in time" in text:
            asked.append(name)
    return asked


async def test_two_kindred_run_processes_one_killed_every_member_asked_once(tmp_path, postgres_server):
    url = postgres_server.create_database("two_processes")
    key_file = tmp_path / "kindred.key"
    settings = settings_for_tests(tmp_path / "seed")
    settings.storage.url, settings.storage.key_file = url, str(key_file)
    (tmp_path / "seed").mkdir()
    async with make_test_bot(
        tmp_path / "seed",
        cogs=COGS,
        adapters=[MemoryAdapter(platform="console")],
        settings=settings,
        clock=FrozenClock(),
    ) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        first = await _seed_members_due_now(bot, chat, MEMBERS, "early")
        second = await _seed_members_due_now(bot, chat, MEMBERS, "late")
        await bot.db.execute("UPDATE checkin_members SET next_due = NULL")  # nobody due until the test says
        await _make_due_now(bot.db, first)

    processes, outputs = [], []
    for name in ("one", "two"):
        workdir = tmp_path / name
        workdir.mkdir()
        config = workdir / "kindred.toml"
        config.write_text(f'[storage]\npath = "{workdir / "unused.db"}"\nkey_file = "{key_file}"\n')
        output = workdir / "console.log"
        with output.open("wb") as out:  # a file, not a pipe: a full pipe would stall the replica
            processes.append(
                await asyncio.create_subprocess_exec(
                    sys.executable,
                    "-m",
                    "bot",
                    "run",
                    "--config",
                    str(config),
                    env={**os.environ, "KINDRED_DATABASE_URL": url},
                    cwd=workdir,
                    stdin=subprocess.PIPE,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            )
        outputs.append(output)
    try:

        async def everyone_asked(names: list[str]) -> None:
            while sorted(sum((_asked(o.read_text(errors="replace"), names) for o in outputs), [])) != sorted(
                names
            ):
                for process in processes:
                    if process.returncode is not None and process is not processes[0]:
                        raise AssertionError(outputs[1].read_text(errors="replace")[-3000:])
                await asyncio.sleep(0.2)

        # Both start at once with the first wave due: whichever claims the sweep's minute asks them.
        await asyncio.wait_for(everyone_asked(first), DEADLINE)

        processes[0].send_signal(signal.SIGKILL)  # one replica dies, with no goodbye
        await asyncio.wait_for(processes[0].wait(), 10)
        async with make_test_bot(
            tmp_path / "seed",
            cogs=COGS,
            adapters=[MemoryAdapter(platform="console")],
            settings=settings,
            clock=FrozenClock(),
        ) as (bot, _):
            await _make_due_now(bot.db, second)
        # The survivor's sweep (every minute, by the machine's clock) takes the second wave alone.
        await asyncio.wait_for(everyone_asked(second), DEADLINE)
    finally:
        for process in processes:
            if process.returncode is None:
                process.stdin.close()  # the console replica ends at the end of its input, as a terminal's would
                try:
                    await asyncio.wait_for(process.wait(), 30)
                except TimeoutError:
                    process.kill()
                    await process.wait()
    texts = [output.read_text(errors="replace") for output in outputs]
    asked = sum((_asked(text, first + second) for text in texts), [])
    assert sorted(asked) == sorted(first + second), "every member asked, none twice"
    assert processes[1].returncode == 0, texts[1][-2000:]
