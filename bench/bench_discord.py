"""Discord round trip: from a slash command interaction to its answer, Kindred vs a bare discord.py bot.

Beside `/help` (answered from what the commands declare, no database), Kindred is also timed on two
presses that write the database: a check-in tap (a mood button on the member's check-in: the answer
stored, the reply built) and an RSVP (Going / Can't go on a meetup, alternately: the answer stored,
the seats counted). The bare bot has no database, so these have no bare twin; its /help is their floor.

Both bots run as their own processes (Kindred exactly as `kindred run --config` starts it), each
against its own local Discord double in this process. The double times each interaction from the
moment it sends INTERACTION_CREATE to the moment the bot's answer reaches its callback route. The
two bots are measured alternately, one interaction each in turn, so machine noise hits both alike.

    .venv/bin/python bench/bench_discord.py [--rounds 1000] [--profile DIR]

With --profile, both bots run under cProfile and write DIR/kindred.prof and DIR/bare.prof when they
stop (startup included: run enough rounds that the interactions dominate); the timings are then
inflated by the profiler and only the profiles are worth reading.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "discord"))

from discord_double import DiscordDouble  # noqa: E402

from bot.core import RateLimiter  # noqa: E402

TARGET_RATIO = 1.15
# Kindred allows RateLimiter().limit commands per member per 30 s, and a quiet run sends over 100 a
# second: each member asks fewer times than that in the whole run, so no answer is a rate-limit refusal.
MIN_MEMBERS = 60
WARMUP = 20
START_DEADLINE = 90.0


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU a process has used (Linux /proc), to compare work per interaction under load."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextlib.asynccontextmanager
async def process(*args: str, cwd: Path, env: dict | None = None):
    child = await asyncio.create_subprocess_exec(
        *args,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        yield child
    finally:
        if child.returncode is None:
            child.terminate()
            try:
                await asyncio.wait_for(child.wait(), 10)
            except TimeoutError:
                child.kill()
                await child.wait()


async def ready(double: DiscordDouble, child, name: str) -> None:
    """Wait until the bot identified and its slash commands are synced, or say why it did not."""

    async def up() -> None:
        while not (double.identify_payloads and double.global_commands):
            if child.returncode is not None:
                raise RuntimeError(f"{name} exited early:\n{(await child.stderr.read()).decode()[-3000:]}")
            await asyncio.sleep(0.05)

    await asyncio.wait_for(up(), START_DEADLINE)


def members_needed(interactions: int) -> int:
    return max(MIN_MEMBERS, -(-interactions // (RateLimiter().limit - 1)))


async def one_round_trip(double: DiscordDouble, member, parts: int, within: float = 10.0) -> float:
    """Time to the first answer; returns once all `parts` messages of the answer have arrived, so a bot's
    followups never land on the shared event loop while the other bot is being timed."""
    record = await double.slash(member, double.general_id, "help")
    await double.wait_answered(record, within=within)
    await double.wait_until(
        lambda: sum(m.interaction_id == record.id for m in double.sent) >= parts or None,
        f"all {parts} parts of the answer",
        within,
    )
    # Only a real answer counts: a "thinking..." acknowledgement (a refusal answered silently, a slow
    # handler) would time something else.
    if record.callbacks[0]["type"] != 4 or not (record.callbacks[0].get("data") or {}).get("embeds"):
        raise RuntimeError(f"/help was not answered with the help embed: {record.callbacks[0]}")
    return (record.answered_at - record.dispatched_at) * 1000


def profiled(profile_dir: Path | None, name: str) -> list[str]:
    """The interpreter arguments that run a bot under cProfile, writing DIR/<name>.prof at exit."""
    if profile_dir is None:
        return []
    profile_dir.mkdir(parents=True, exist_ok=True)
    return ["-m", "cProfile", "-o", str(profile_dir / f"{name}.prof")]


# Every interaction counts toward Kindred's per-member limit (12 a 30 s), the set-up ones too.
TAP_SETUP, RSVP_SETUP = 3, 2  # /checkin start, agree, check in now; Going (asks consent), agree


def pool_needed(interactions: int, setup: int) -> int:
    return max(1, -(-interactions // (RateLimiter().limit - 1 - setup)))


async def press_round_trip(
    double: DiscordDouble, member, message_id: int, custom_id: str, within: float = 10.0
) -> float:
    """A button press answered by its interaction's callback; the time to that answer."""
    record = await double.press(member, message_id, custom_id)
    await double.wait_answered(record, within=within)
    answer = json.dumps(record.callbacks[0])
    if "a little fast" in answer or "Before we start" in answer:
        raise RuntimeError(f"{custom_id} was not answered as a recorded tap: {answer[:300]}")
    return (record.answered_at - record.dispatched_at) * 1000


async def checkin_tap_setup(double: DiscordDouble, member) -> tuple[int, list[str]]:
    """Join check-ins and open today's: (the check-in's message, its mood buttons)."""
    asked = await double.wait_reply(await double.slash(member, double.general_id, "checkin start"), within=10)
    agree = next(i for i in asked.custom_ids if ":consent:agree:" in i)
    joined = await double.wait_reply(await double.press(member, asked.id, agree), within=10)
    now = next(i for i in joined.custom_ids if ":checkin.now:" in i)
    check_in = await double.wait_reply(await double.press(member, joined.id, now), within=10)
    moods = [i for i in check_in.custom_ids if ":checkin.mood:" in i]
    if not moods:
        raise RuntimeError(f"no mood buttons on the check-in: {check_in.custom_ids} {check_in.text()[:200]}")
    return check_in.id, moods


async def rsvp_setup(double: DiscordDouble, member, meetup: str) -> tuple[int, list[str]]:
    """Open the meetup, answer Going once (agreeing to what meetups keep): (its message, Going and Can't go)."""
    shown = await double.wait_reply(
        await double.slash(member, double.general_id, "meetup show", {"name": meetup}), within=10
    )
    buttons = [
        next(i for i in shown.custom_ids if i.endswith(":going")),
        next(i for i in shown.custom_ids if i.endswith(":cant")),
    ]
    asked = await double.wait_reply(await double.press(member, shown.id, buttons[0]), within=10)
    agree = next((i for i in asked.custom_ids if ":consent:agree:" in i), None)
    if agree:
        await double.wait_reply(await double.press(member, asked.id, agree), within=10)
    return shown.id, buttons


async def create_meetup(double: DiscordDouble) -> str:
    name = "Alumni coffee"
    review = await double.wait_reply(
        await double.slash(
            double.owner,
            double.general_id,
            "meetup create",
            {"details": f"{name}, next tuesday 7pm, capacity 500, at Cafe Rosa"},
        ),
        within=10,
    )
    save = next((i for i in review.custom_ids if i.endswith(":save") or i.endswith(":series")), None)
    if save is None:
        raise RuntimeError(
            f"the meetup was not offered for saving: {review.text()[:300]} {review.custom_ids}"
        )
    await double.wait_reply(await double.press(double.owner, review.id, save), within=10)
    return name


async def run(rounds: int, profile_dir: Path | None = None) -> dict:
    kindred_double, bare_double = await DiscordDouble().start(), await DiscordDouble().start()
    members = members_needed(1 + WARMUP + rounds)
    tappers = [
        kindred_double.add_member(f"tapper{i}") for i in range(pool_needed(WARMUP + rounds, TAP_SETUP))
    ]
    rsvpers = [
        kindred_double.add_member(f"rsvper{i}") for i in range(pool_needed(WARMUP + rounds, RSVP_SETUP))
    ]
    kindred_members = [kindred_double.add_member(f"member{i}") for i in range(members)]
    bare_members = [bare_double.add_member(f"member{i}") for i in range(members)]
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as scratch:
        config = Path(scratch) / "kindred.toml"
        config.write_text(
            f'[storage]\npath = "{scratch}/kindred.db"\n\n[discord]\ntoken = "{kindred_double.token}"\n'
            f'api_base = "{kindred_double.api_base}"\ngateway_url = "{kindred_double.gateway_url}"\n'
            f'\n[community]\ndiscord_guilds = ["{kindred_double.guild_id}"]\n'
            '\n[logging]\nlevel = "WARNING"\n'
        )
        async with process(
            sys.executable,
            *profiled(profile_dir, "kindred"),
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            cwd=ROOT,
        ) as kindred:
            await ready(kindred_double, kindred, "Kindred")
            # The members who tap and answer: in check-ins with today's open, and going to a meetup.
            meetup = await create_meetup(kindred_double)
            taps = [await checkin_tap_setup(kindred_double, member) for member in tappers]
            rsvps = [await rsvp_setup(kindred_double, member, meetup) for member in rsvpers]
            # The bare bot answers with exactly what Kindred answers, so only the machinery differs.
            probe = await kindred_double.slash(kindred_members[0], kindred_double.general_id, "help")
            answer = await kindred_double.wait_reply(probe, within=10)
            await asyncio.sleep(1.0)  # a long help continues in followups: let them all arrive
            followups = [m for m in kindred_double.sent if m.interaction_id == probe.id and m is not answer]
            parts = 1 + len(followups)
            answer_file = Path(scratch) / "answer.json"
            answer_file.write_text(
                json.dumps(
                    {
                        "content": answer.content,
                        "embeds": answer.embeds,
                        "ephemeral": answer.ephemeral,
                        "followups": [{"content": m.content, "embeds": m.embeds} for m in followups],
                    }
                )
            )
            async with process(
                sys.executable,
                *profiled(profile_dir, "bare"),
                str(ROOT / "bench" / "discord_bare_bot.py"),
                "--token",
                bare_double.token,
                "--api-base",
                bare_double.api_base,
                "--gateway-url",
                bare_double.gateway_url,
                "--answer-file",
                str(answer_file),
                cwd=ROOT,
            ) as bare:
                await ready(bare_double, bare, "the bare bot")
                timings: dict[str, list[float]] = {"kindred": [], "bare": [], "checkin_tap": [], "rsvp": []}
                cpu_before: dict[str, float | None] = {}
                for index in range(WARMUP + rounds):
                    if index == WARMUP:
                        cpu_before = {"kindred": cpu_seconds(kindred.pid), "bare": cpu_seconds(bare.pid)}
                    kindred_ms = await one_round_trip(
                        kindred_double, kindred_members[(index + 1) % members], parts
                    )
                    bare_ms = await one_round_trip(bare_double, bare_members[index % members], parts)
                    message_id, moods = taps[index % len(taps)]
                    tap_ms = await press_round_trip(
                        kindred_double,
                        tappers[index % len(taps)],
                        message_id,
                        moods[(index // len(taps)) % len(moods)],
                    )
                    message_id, answers = rsvps[index % len(rsvps)]
                    rsvp_ms = await press_round_trip(
                        kindred_double,
                        rsvpers[index % len(rsvps)],
                        message_id,
                        answers[1 - (index // len(rsvps)) % 2],
                    )
                    if index >= WARMUP:
                        timings["kindred"].append(kindred_ms)
                        timings["bare"].append(bare_ms)
                        timings["checkin_tap"].append(tap_ms)
                        timings["rsvp"].append(rsvp_ms)
                cpu_after = {"kindred": cpu_seconds(kindred.pid), "bare": cpu_seconds(bare.pid)}
    await kindred_double.stop()
    await bare_double.stop()
    summary = {
        name: {"median_ms": round(statistics.median(values), 2), "p95_ms": round(percentile(values, 0.95), 2)}
        for name, values in timings.items()
    }
    for name in ("kindred", "bare"):  # Kindred's round is /help, a tap and an RSVP; the bare bot's, /help
        if cpu_before.get(name) is not None and cpu_after.get(name) is not None:
            summary[name]["cpu_ms_per_round"] = round((cpu_after[name] - cpu_before[name]) * 1000 / rounds, 3)
    summary["ratio_median"] = round(summary["kindred"]["median_ms"] / summary["bare"]["median_ms"], 3)
    summary["ratio_p95"] = round(summary["kindred"]["p95_ms"] / summary["bare"]["p95_ms"], 3)
    summary["rounds"] = rounds
    summary["messages_per_answer"] = parts
    summary["target_ratio"] = TARGET_RATIO
    summary["load_average"] = [round(x, 2) for x in os.getloadavg()]
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Discord slash-command round trip, Kindred vs bare discord.py"
    )
    parser.add_argument("--rounds", type=int, default=1000)
    parser.add_argument("--profile", type=Path, metavar="DIR", help="run both bots under cProfile into DIR")
    args = parser.parse_args(argv or [])  # `make bench` calls main() with no arguments
    started = time.perf_counter()
    summary = asyncio.run(run(args.rounds, args.profile))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "discord.json").write_text(json.dumps(summary, indent=2))
    print(
        f"Discord round trips over the local double, {args.rounds} rounds each, interleaved "
        f"({time.perf_counter() - started:.0f} s, load {summary['load_average'][0]}):"
    )
    for name, what in (
        ("kindred", "Kindred /help"),
        ("bare", "bare /help"),
        ("checkin_tap", "Kindred check-in tap"),
        ("rsvp", "Kindred RSVP"),
    ):
        cpu = summary[name].get("cpu_ms_per_round")
        cpu_text = f"   CPU {cpu:.3f} ms a round" if cpu is not None else ""
        print(
            f"  {what:21} median {summary[name]['median_ms']:6.2f} ms   p95 {summary[name]['p95_ms']:6.2f} ms{cpu_text}"
        )
    verdict = "within" if summary["ratio_median"] <= TARGET_RATIO else "OVER"
    print(
        f"  Kindred/bare median {summary['ratio_median']:.3f}x ({verdict} the {TARGET_RATIO}x target), "
        f"p95 {summary['ratio_p95']:.3f}x"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
