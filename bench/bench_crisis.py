"""Detector throughput: median microseconds per message over a realistic mix.

    python bench/bench_crisis.py        (or `make bench`)

The mix is mostly ordinary chat (about nine in ten messages in a recovery community), the rest
crisis and near-miss messages from the project's own test set. Target: median <= 100 µs on one core.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cogs.crisis.detector import assess  # noqa: E402
from cogs.crisis.model import get_model  # noqa: E402

TESTSET = ROOT / "tests" / "crisis" / "data" / "testset.jsonl"
ORDINARY = [
    "good morning everyone, hope you all slept well",
    "does anyone know if the thursday meeting is on zoom this week?",
    "made it to 30 days today, thank you all for the support",
    "ugh traffic was awful, almost late to work again",
    "my sponsor suggested journaling before bed and it actually helps",
    "anyone want to grab coffee after the meeting saturday?",
    "had a craving at the grocery store but i called a friend and it passed",
    "i'm so tired today, the baby kept us up all night",
    "just finished step 3, feeling lighter",
    "lol that meme killed me",
    "my daughter's recital is tonight, so proud of her",
    "the new pastor at church is really kind",
    "what's everyone's favourite sober drink? i'm into ginger beer",
    "work is stressful but i'm hanging in there",
    "happy friday, stay strong everyone",
    "Thanks for the link! I'll join on Tuesday :)",
    "i keep forgetting to drink water lol",
    "90 days!!! never thought i'd get here",
    "it's raining so hard here, staying in with a book",
    "I'm grateful for this group, honestly it's been a lifeline",
]


def build_mix(size: int = 2000, seed: int = 5) -> list[str]:
    rng = random.Random(seed)
    special = [json.loads(line)["text"] for line in TESTSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [rng.choice(special) if rng.random() < 0.1 else rng.choice(ORDINARY) for _ in range(size)]


def main() -> int:
    started = time.perf_counter()
    get_model()
    load_ms = (time.perf_counter() - started) * 1000
    mix = build_mix()
    for text in mix[:200]:  # warm caches
        assess(text)
    samples = []
    for text in mix:
        t0 = time.perf_counter_ns()
        assess(text)
        samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    median = statistics.median(samples)
    p95 = samples[int(len(samples) * 0.95)]
    print(f"crisis detector: {len(samples)} messages, median {median:.1f} µs, p95 {p95:.1f} µs, "
          f"model load {load_ms:.0f} ms (target: median <= 100 µs)")
    print(json.dumps({"bench": "crisis_detector", "median_us": round(median, 1), "p95_us": round(p95, 1),
                      "model_load_ms": round(load_ms), "n": len(samples)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
