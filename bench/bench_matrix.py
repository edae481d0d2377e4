"""Matrix round trip: a member sends `!help`, how long until the answer arrives?

Kindred (the real bot, Matrix adapter, default cogs) and a bare matrix-nio echo bot run side by side in
the same process, on the same local Synapse, answering the same member; rounds alternate between them
so that machine noise falls on both alike. Plain and end-to-end encrypted rooms are measured.

    python bench/bench_matrix.py [--rounds 60]      (also part of `make bench`)

Kindred's per-member command rate limit is lifted here: it is a safety feature, not part of the
round trip being measured.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.matrix_echo_bot import EchoBot  # noqa: E402
from bot.adapters.matrix import MatrixAdapter  # noqa: E402
from bot.config import MatrixSettings  # noqa: E402
from bot.core import Kindred  # noqa: E402
from bot.testing import settings_for_tests  # noqa: E402
from tests.matrix.member import Member  # noqa: E402
from tests.matrix.synapse import SynapseServer  # noqa: E402

WARM_UP = 5
ANSWER_SECONDS = 20.0
TARGET_RATIO = 1.15


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


async def round_trip(member: Member, room_id: str, bot_user: str, text: str) -> float:
    mark = member.mark()
    began = time.perf_counter()
    await member.send_text(room_id, text)
    await member.wait_for_reply(room_id, bot_user, after=mark, seconds=ANSWER_SECONDS)
    return time.perf_counter() - began


async def measure(rounds: int, workdir: Path) -> dict:
    server = SynapseServer(workdir / "synapse")
    server.start()
    kindred = echo = member = None
    try:
        kindred_account, echo_account = server.register("kindredbench"), server.register("echobench")
        settings = settings_for_tests(
            workdir / "kindred",
            matrix=MatrixSettings(
                homeserver=server.url, user_id=kindred_account.user_id, password=kindred_account.password
            ),
        )
        kindred = Kindred(settings)
        kindred.add_adapter(MatrixAdapter(settings))
        await kindred.start()
        kindred.rate_limiter.limit = 1_000_000
        echo = EchoBot(
            server.url,
            echo_account.user_id,
            echo_account.access_token,
            echo_account.device_id,
            workdir / "echo",
        )
        await echo.start()
        member = Member(server.url, server.register("benchmember"), workdir / "member")
        await member.start()

        results = {}
        for encrypted in (False, True):
            rooms = {}
            for name, account in (("kindred", kindred_account), ("echo", echo_account)):
                rooms[name] = await member.create_room(
                    [account.user_id], encrypted=encrypted, name=f"bench {name}"
                )
                await member.wait_for_join(rooms[name], account.user_id)
            samples: dict[str, list[float]] = {"kindred": [], "echo": []}
            for index in range(WARM_UP + rounds):
                for name, account in (("kindred", kindred_account), ("echo", echo_account)):
                    elapsed = await round_trip(member, rooms[name], account.user_id, "!help")
                    if index >= WARM_UP:
                        samples[name].append(elapsed)
            label = "encrypted" if encrypted else "plain"
            results[label] = {
                name: {
                    "median_ms": round(statistics.median(values) * 1000, 1),
                    "p95_ms": round(percentile(values, 0.95) * 1000, 1),
                    "rounds": len(values),
                }
                for name, values in samples.items()
            }
            results[label]["median_ratio"] = round(
                results[label]["kindred"]["median_ms"] / results[label]["echo"]["median_ms"], 2
            )
        return results
    finally:
        for closing in (member and member.close(), echo and echo.stop(), kindred and kindred.close()):
            if closing is not None:
                await closing
        server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=60, help="measured round trips per bot and room kind")
    args = parser.parse_args([] if argv is None else argv)  # `make bench` calls main() with no arguments
    with tempfile.TemporaryDirectory(prefix="kindred-bench-matrix-") as scratch:
        results = asyncio.run(measure(args.rounds, Path(scratch)))
    print("Matrix round trip, member sends !help -> answer received (same Synapse, same run)")
    print(f"{'room':<10} {'bot':<8} {'median ms':>10} {'p95 ms':>8}")
    for label, by_bot in results.items():
        for name in ("kindred", "echo"):
            print(f"{label:<10} {name:<8} {by_bot[name]['median_ms']:>10} {by_bot[name]['p95_ms']:>8}")
        verdict = "ok" if by_bot["median_ratio"] <= TARGET_RATIO else f"over the {TARGET_RATIO}x target"
        print(f"{label:<10} kindred/echo median ratio {by_bot['median_ratio']} ({verdict})")
    print(json.dumps({"bench": "matrix", **results}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
