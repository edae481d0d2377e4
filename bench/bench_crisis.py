"""Detector speed: chat messages, and long posts of about 2,000 characters, median and p99.

    python bench/bench_crisis.py        (or `make bench`)

The chat mix is mostly ordinary chat (about nine in ten messages in a recovery community), the rest
crisis and near-miss messages from the project's own test set. Target: median <= 100 µs on one core.
The long posts are pasted paragraphs: built from the project's own messages (ordinary ones, with a
worrying sentence in one post in ten), and, where ../shared/crisis/real/ is present, real posts of
1,500-2,500 characters read at run time (never printed). Target: median and p99 <= 2 ms.
Then every length between: 2,000 messages of 5 to 2,000 characters (lengths spread evenly on a log scale,
cut from the chat messages and the long posts), median and p99 overall and by length.
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
REAL = ROOT.parent / "shared" / "crisis" / "real"
LONG_POST_CHARS = 2000
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
    special = [
        json.loads(line)["text"] for line in TESTSET.read_text(encoding="utf-8").splitlines() if line.strip()
    ]
    return [rng.choice(special) if rng.random() < 0.1 else rng.choice(ORDINARY) for _ in range(size)]


def build_long_posts(count: int = 300, seed: int = 9) -> list[str]:
    """Posts of about LONG_POST_CHARS characters made of the project's own messages."""
    rng = random.Random(seed)
    special = [json.loads(line) for line in TESTSET.read_text(encoding="utf-8").splitlines() if line.strip()]
    worrying = [row["text"] for row in special if row["label"] == "crisis"]
    posts = []
    for n in range(count):
        sentences = []
        while sum(len(s) + 2 for s in sentences) < LONG_POST_CHARS:
            sentences.append(rng.choice(ORDINARY))
        if n % 10 == 0:
            sentences[rng.randrange(len(sentences))] = rng.choice(worrying)
        posts.append(". ".join(sentences)[:LONG_POST_CHARS])
    return posts


def build_any_length(count: int = 2000, seed: int = 13) -> list[str]:
    """Messages of 5 to LONG_POST_CHARS characters, as many short as long on a log scale."""
    rng = random.Random(seed)
    sources = build_mix(200, seed) + build_long_posts(60, seed)
    texts = []
    for _ in range(count):
        length = round(5 * (LONG_POST_CHARS / 5) ** rng.random())
        text = rng.choice(sources)
        while len(text) < length:
            text += " " + rng.choice(sources)
        texts.append(text[:length])
    return texts


def real_long_posts() -> list[str]:
    posts = []
    for path in sorted(REAL.glob("*.jsonl")) if REAL.exists() else []:
        for line in path.read_text(encoding="utf-8").splitlines():
            text = json.loads(line)["text"] if line.strip() else ""
            if 1500 <= len(text) <= 2500:
                posts.append(text)
    return posts


def _time(texts: list[str], rounds: int = 1) -> list[float]:
    """Microseconds per assess(), each text timed `rounds` times."""
    for text in texts[:50]:  # warm caches
        assess(text)
    samples = []
    for _ in range(rounds):
        for text in texts:
            t0 = time.perf_counter_ns()
            assess(text)
            samples.append((time.perf_counter_ns() - t0) / 1000)
    samples.sort()
    return samples


def _p(samples: list[float], share: float) -> float:
    return samples[min(int(len(samples) * share), len(samples) - 1)]


def main() -> int:
    started = time.perf_counter()
    get_model()
    load_ms = (time.perf_counter() - started) * 1000
    samples = _time(build_mix())
    median = statistics.median(samples)
    p95, p99 = _p(samples, 0.95), _p(samples, 0.99)
    print(
        f"crisis detector: {len(samples)} messages, median {median:.1f} µs, p95 {p95:.1f} µs, p99 {p99:.1f} µs, "
        f"model load {load_ms:.0f} ms (target: median <= 100 µs)"
    )
    result = {
        "bench": "crisis_detector",
        "median_us": round(median, 1),
        "p95_us": round(p95, 1),
        "p99_us": round(p99, 1),
        "model_load_ms": round(load_ms),
        "n": len(samples),
    }
    long_samples = _time(build_long_posts(), rounds=3)
    result["long_post_median_ms"] = round(statistics.median(long_samples) / 1000, 3)
    result["long_post_p99_ms"] = round(_p(long_samples, 0.99) / 1000, 3)
    print(
        f"  {LONG_POST_CHARS}-character posts (ours): {len(long_samples)} scans, median "
        f"{result['long_post_median_ms']:.2f} ms, p99 {result['long_post_p99_ms']:.2f} ms (target: both <= 2 ms)"
    )
    real = real_long_posts()
    if real:
        real_samples = _time(real, rounds=3)
        result["real_post_median_ms"] = round(statistics.median(real_samples) / 1000, 3)
        result["real_post_p99_ms"] = round(_p(real_samples, 0.99) / 1000, 3)
        print(
            f"  real posts of 1,500-2,500 characters: {len(real_samples)} scans, median "
            f"{result['real_post_median_ms']:.2f} ms, p99 {result['real_post_p99_ms']:.2f} ms"
        )
    any_length = build_any_length()
    _time(any_length[:50])  # warm caches
    by_band: dict[str, list[float]] = {}
    for text in any_length:  # each timed once: the first scan of a message is the one that counts
        t0 = time.perf_counter_ns()
        assess(text)
        band = next(
            f"{low}-{high}"
            for low, high in ((5, 49), (50, 199), (200, 799), (800, LONG_POST_CHARS))
            if len(text) <= high
        )
        by_band.setdefault(band, []).append((time.perf_counter_ns() - t0) / 1000)
    every = sorted(sample for band_samples in by_band.values() for sample in band_samples)
    result["any_length_median_us"] = round(statistics.median(every), 1)
    result["any_length_p99_us"] = round(_p(every, 0.99), 1)
    result["by_length"] = {
        band: {
            "n": len(values),
            "median_us": round(statistics.median(values), 1),
            "p99_us": round(_p(sorted(values), 0.99), 1),
        }
        for band, values in by_band.items()
    }
    print(
        f"  messages of 5-{LONG_POST_CHARS} characters: {len(every)} scans, median "
        f"{result['any_length_median_us']:.0f} µs, p99 {result['any_length_p99_us']:.0f} µs; by length: "
        + ", ".join(
            f"{band}: {v['median_us']:.0f}/{v['p99_us']:.0f} µs" for band, v in result["by_length"].items()
        )
    )
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
