"""Discord round trip: from a slash command interaction to its answer, Kindred vs a bare discord.py bot.

Both bots run as their own processes (Kindred exactly as `kindred run --config` starts it), each
against its own local Discord double in this process. The double times each interaction from the
moment it sends INTERACTION_CREATE to the moment the bot's answer reaches its callback route. The
two bots are measured alternately, one interaction each in turn, so machine noise hits both alike.

    .venv/bin/python bench/bench_discord.py [--rounds 1000]
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

TARGET_RATIO = 1.15
MEMBERS = 60  # Kindred allows 12 commands per member per 30 s: spread the load like a real server
WARMUP = 20
START_DEADLINE = 90.0


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


@contextlib.asynccontextmanager
async def process(*args: str, cwd: Path, env: dict | None = None):
    child = await asyncio.create_subprocess_exec(*args, cwd=cwd, env={**os.environ, **(env or {})},
                                                 stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
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


async def one_round_trip(double: DiscordDouble, member, within: float = 10.0) -> float:
    record = await double.slash(member, double.general_id, "help")
    await double.wait_answered(record, within=within)
    return (record.answered_at - record.dispatched_at) * 1000


async def run(rounds: int) -> dict:
    kindred_double, bare_double = await DiscordDouble().start(), await DiscordDouble().start()
    kindred_members = [kindred_double.add_member(f"member{i}") for i in range(MEMBERS)]
    bare_members = [bare_double.add_member(f"member{i}") for i in range(MEMBERS)]
    with tempfile.TemporaryDirectory(prefix="kindred-bench-") as scratch:
        config = Path(scratch) / "kindred.toml"
        config.write_text(
            f'[storage]\npath = "{scratch}/kindred.db"\n\n[discord]\ntoken = "{kindred_double.token}"\n'
            f'api_base = "{kindred_double.api_base}"\ngateway_url = "{kindred_double.gateway_url}"\n'
            '\n[logging]\nlevel = "WARNING"\n'
        )
        async with process(sys.executable, "-m", "bot", "run", "--config", str(config), cwd=ROOT) as kindred:
            await ready(kindred_double, kindred, "Kindred")
            # The bare bot answers with exactly what Kindred answers, so only the machinery differs.
            probe = await kindred_double.slash(kindred_members[0], kindred_double.general_id, "help")
            answer = await kindred_double.wait_reply(probe, within=10)
            answer_file = Path(scratch) / "answer.json"
            answer_file.write_text(json.dumps({"content": answer.content, "embeds": answer.embeds,
                                               "ephemeral": answer.ephemeral}))
            async with process(sys.executable, str(ROOT / "bench" / "discord_bare_bot.py"),
                               "--token", bare_double.token, "--api-base", bare_double.api_base,
                               "--gateway-url", bare_double.gateway_url, "--answer-file", str(answer_file),
                               cwd=ROOT) as bare:
                await ready(bare_double, bare, "the bare bot")
                timings: dict[str, list[float]] = {"kindred": [], "bare": []}
                for index in range(WARMUP + rounds):
                    kindred_ms = await one_round_trip(kindred_double, kindred_members[(index + 1) % MEMBERS])
                    bare_ms = await one_round_trip(bare_double, bare_members[index % MEMBERS])
                    if index >= WARMUP:
                        timings["kindred"].append(kindred_ms)
                        timings["bare"].append(bare_ms)
    await kindred_double.stop()
    await bare_double.stop()
    summary = {name: {"median_ms": round(statistics.median(values), 2), "p95_ms": round(percentile(values, 0.95), 2)}
               for name, values in timings.items()}
    summary["ratio_median"] = round(summary["kindred"]["median_ms"] / summary["bare"]["median_ms"], 3)
    summary["ratio_p95"] = round(summary["kindred"]["p95_ms"] / summary["bare"]["p95_ms"], 3)
    summary["rounds"] = rounds
    summary["target_ratio"] = TARGET_RATIO
    return summary


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Discord slash-command round trip, Kindred vs bare discord.py")
    parser.add_argument("--rounds", type=int, default=1000)
    args = parser.parse_args(argv or [])  # `make bench` calls main() with no arguments
    started = time.perf_counter()
    summary = asyncio.run(run(args.rounds))
    results = ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    (results / "discord.json").write_text(json.dumps(summary, indent=2))
    print(f"Discord /help round trip over the local double, {args.rounds} rounds each, interleaved "
          f"({time.perf_counter() - started:.0f} s):")
    for name in ("kindred", "bare"):
        print(f"  {name:8} median {summary[name]['median_ms']:6.2f} ms   p95 {summary[name]['p95_ms']:6.2f} ms")
    verdict = "within" if summary["ratio_median"] <= TARGET_RATIO else "OVER"
    print(f"  Kindred/bare median {summary['ratio_median']:.3f}x ({verdict} the {TARGET_RATIO}x target), "
          f"p95 {summary['ratio_p95']:.3f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
