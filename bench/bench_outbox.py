"""What sending exactly once costs: scheduled sends per second with and without the outbox, on SQLite.

The real bot on a SQLite file (WAL, synchronous=NORMAL), the real scheduler and the test kit's
adapter (which records a send in memory: what is measured is the bot's side). One-off schedules fall
due at the same moment, like a round of meetup reminders, and each sends one message through the
core's send path inside its occurrence's delivery scope:

- `dm`: a plain handler per occurrence sends a private message to a member (the outbox writes the
  row, sealed, before the send, and marks it sent after, its DM id sealed too: two short statements on
  the event loop's thread per message);
- `post`: the same with a post in a channel (the message id kept plain after);
- `post_batch`: one batch handler for all the occurrences due together (as the mindfulness cog's), which
  sends their posts through `outbox.deliver_many`, each in its occurrence's scope: one statement writes
  the rows of up to 100 posts, one marks them sent.

Each mode runs with the outbox on and off (`bot.outbox.enabled`), alternately, on fresh databases,
ROUNDS times: the figures side by side come from one run. Timed: `scheduler.run_due()` from the clock
reaching the moment to the last outcome recorded (claim, handlers, sends, record, one-shot rows
deleted). Run: `.venv/bin/python -m bench.bench_outbox` (or `make bench`).
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

from bot.model import Content, PlaceRef, UserRef
from bot.outbox import Outgoing, Target
from bot.schedule_specs import At
from bot.testing import FrozenClock, MemoryAdapter, make_test_bot

SCHEDULES = 2000
ROUNDS = 3
DUE = datetime(2026, 11, 27, 18, 0, tzinfo=UTC)
HANDLER = "bench.send"


class Recorder(MemoryAdapter):
    """The test kit's adapter without its look-back over earlier DMs (quadratic in sends): its cost, not
    the bot's."""

    async def send(self, place, content, token=None):
        return self._record(place, content, None, token)


async def one_round(folder: Path, mode: str, outbox: bool) -> dict:
    clock = FrozenClock(DUE - timedelta(hours=1))
    chat = Recorder()
    async with make_test_bot(folder, cogs=[], adapters=[chat], clock=clock) as (bot, _):
        bot.outbox.enabled = outbox

        async def send(occurrence) -> None:
            text = Content(text=f"A reminder: the alumni meetup starts at 19:00 ({occurrence.key}).")
            if mode == "dm":
                await bot.send_private(UserRef("memory", occurrence.payload["to"]), text)
            else:
                await bot.send(PlaceRef("memory", occurrence.payload["to"], scope_id="guild"), text)

        async def send_batch(occurrences) -> dict:
            results = await bot.outbox.deliver_many(
                [
                    Outgoing(
                        Target("memory", PlaceRef("memory", o.payload["to"], scope_id="guild")),
                        Content(text=f"A reminder: the alumni meetup starts at 19:00 ({o.key})."),
                        scope=o.delivery_key,
                    )
                    for o in occurrences
                ]
            )
            return {
                o.schedule_id: r
                for o, r in zip(occurrences, results, strict=True)
                if isinstance(r, Exception)
            }

        if mode == "post_batch":
            bot.scheduler.register_batch_handler(HANDLER, send_batch)
        else:
            bot.scheduler.register_handler(HANDLER, send)
        for number in range(SCHEDULES):
            await bot.scheduler.add(
                "bench", f"reminder:{number}", At(DUE), HANDLER, {"to": f"member-{number}"}
            )
        clock.set(DUE)
        began, cpu_began = time.perf_counter(), time.process_time()
        ran = await bot.scheduler.run_due()
        seconds, cpu = time.perf_counter() - began, time.process_time() - cpu_began
        rows = await bot.db.fetchval("SELECT COUNT(*) FROM outbox WHERE status = 'sent'")
    assert ran == SCHEDULES and len(chat.sent) == SCHEDULES, (ran, len(chat.sent))
    assert rows == (SCHEDULES if outbox else 0)
    return {"seconds": seconds, "cpu": cpu, "sends_per_second": SCHEDULES / seconds}


async def bench(folder: Path) -> dict:
    results: dict = {"schedules": SCHEDULES, "rounds": ROUNDS}
    for mode in ("dm", "post", "post_batch"):
        runs: dict[str, list[dict]] = {"outbox": [], "without": []}
        for number in range(ROUNDS):
            for label, outbox in (("without", False), ("outbox", True)):  # alternately
                runs[label].append(await one_round(folder / f"{mode}-{label}-{number}", mode, outbox))
        summary = {}
        for label, measured in runs.items():
            summary[label] = {
                "sends_per_second_median": round(statistics.median(r["sends_per_second"] for r in measured)),
                "sends_per_second_each": [round(r["sends_per_second"]) for r in measured],
                "ms_per_send_median": round(
                    1000 * statistics.median(r["seconds"] for r in measured) / SCHEDULES, 3
                ),
                "cpu_ms_per_send_median": round(
                    1000 * statistics.median(r["cpu"] for r in measured) / SCHEDULES, 3
                ),
            }
        summary["cost_ms_per_send"] = round(
            summary["outbox"]["ms_per_send_median"] - summary["without"]["ms_per_send_median"], 3
        )
        summary["outbox_over_without"] = round(
            summary["without"]["sends_per_second_median"] / summary["outbox"]["sends_per_second_median"], 2
        )
        results[mode] = summary
    return results


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        results = asyncio.run(asyncio.wait_for(bench(Path(tmp)), 900))
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
