"""`kindred crisis eval FILE.jsonl`: measure the detector on labelled messages.

Each line: {"text": ..., "label": "crisis" | "none", "category": ...}. A message counts as flagged
when the detector says CONCERN or IMMINENT (the levels that reply and alert). Prints precision,
recall and false-alarm rate overall, recall per crisis category and false alarms per kind of
ordinary message; the last line is one JSON object for scripts and CI.
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

from .detector import assess


def evaluate_rows(rows: list[dict]) -> dict:
    tp = fp = fn = tn = 0
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [flagged, total]
    category_right = 0
    for row in rows:
        result = assess(row["text"])
        flagged = result.is_crisis
        actual = row["label"] == "crisis"
        bucket = per_category[f"{row['label']}/{row.get('category') or '-'}"]
        bucket[0] += flagged
        bucket[1] += 1
        if actual and flagged:
            tp += 1
            category_right += result.category is not None and result.category.value == row.get("category")
        elif actual:
            fn += 1
        elif flagged:
            fp += 1
        else:
            tn += 1
    return {
        "n": len(rows),
        "precision": round(tp / (tp + fp), 4) if tp + fp else 0.0,
        "recall": round(tp / (tp + fn), 4) if tp + fn else 0.0,
        "false_alarm_rate": round(fp / (fp + tn), 4) if fp + tn else 0.0,
        "category_accuracy": round(category_right / tp, 4) if tp else 0.0,
        "tp": tp, "fp": fp, "fn": fn, "tn": tn,
        "per_category": {key: {"flagged": v[0], "n": v[1]} for key, v in sorted(per_category.items())},
    }


def load(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "text" not in row or row.get("label") not in ("crisis", "none"):
            raise ValueError(f"line {number}: needs \"text\" and \"label\": \"crisis\" or \"none\"")
        rows.append(row)
    return rows


def main(argv: list[str]) -> int:
    """Print the report; exit 2 on a missing or malformed file."""
    if len(argv) != 1:
        print("usage: kindred crisis eval FILE.jsonl", file=sys.stderr)
        return 2
    path = Path(argv[0])
    try:
        rows = load(path)
    except (OSError, ValueError) as error:
        print(f"cannot read {path}: {error}", file=sys.stderr)
        return 2
    report = evaluate_rows(rows)
    print(f"{path}: {report['n']} messages")
    print(f"precision {report['precision']:.3f}  recall {report['recall']:.3f}  "
          f"false-alarm rate {report['false_alarm_rate']:.3f}  category right {report['category_accuracy']:.3f}")
    for key, value in report["per_category"].items():
        label, _, category = key.partition("/")
        share = value["flagged"] / value["n"]
        what = "recall" if label == "crisis" else "false alarms"
        print(f"  {key:34s} {what:12s} {share:.3f}  ({value['flagged']}/{value['n']})")
    summary = {k: report[k] for k in ("precision", "recall", "false_alarm_rate", "n", "category_accuracy")}
    summary["per_category"] = report["per_category"]
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
