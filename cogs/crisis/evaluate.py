"""`kindred crisis eval FILE.jsonl [FILE.jsonl ...]`: measure the detector on labelled messages.

Each line: {"text": ..., "label": "crisis" | "none", "category": ...} (other keys are ignored). A
message counts as flagged when the detector says CONCERN or IMMINENT (the levels that reply and
alert). Prints one table, a row per file: n, precision, recall, false-alarm rate, the share that got
only a gentle check-in, the share read as a peer answering someone, and the median and 99th-percentile
scan time. Then recall per crisis category and false alarms per kind of ordinary message, and last
one JSON line for scripts and CI. Message text is never printed.
"""

from __future__ import annotations

import json
import sys
import time
from collections import defaultdict
from pathlib import Path

from .detector import Level, assess


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(sorted_values: list[float], share: float) -> float:
    if not sorted_values:
        return 0.0
    return sorted_values[min(int(len(sorted_values) * share), len(sorted_values) - 1)]


def evaluate_rows(rows: list[dict]) -> dict:
    tp = fp = fn = tn = check_ins = answering = 0
    per_category: dict[str, list[int]] = defaultdict(lambda: [0, 0])  # [flagged, total]
    category_right = 0
    times_ms: list[float] = []
    for row in rows:
        started = time.perf_counter_ns()
        result = assess(row["text"])
        times_ms.append((time.perf_counter_ns() - started) / 1e6)
        flagged = result.is_crisis
        check_ins += result.level is Level.CHECK_IN
        answering += result.answering
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
    times_ms.sort()
    return {
        "n": len(rows),
        "precision": _ratio(tp, tp + fp),
        "recall": _ratio(tp, tp + fn),
        "false_alarm_rate": _ratio(fp, fp + tn),
        "category_accuracy": _ratio(category_right, tp),
        "check_in_rate": _ratio(check_ins, len(rows)),
        "answering_rate": _ratio(answering, len(rows)),
        "median_ms": round(_percentile(times_ms, 0.5), 3),
        "p99_ms": round(_percentile(times_ms, 0.99), 3),
        "tp": tp,
        "fp": fp,
        "fn": fn,
        "tn": tn,
        "per_category": {key: {"flagged": v[0], "n": v[1]} for key, v in sorted(per_category.items())},
    }


def load(path: Path) -> list[dict]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "text" not in row or row.get("label") not in ("crisis", "none"):
            raise ValueError(f'line {number}: needs "text" and "label": "crisis" or "none"')
        rows.append(row)
    return rows


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def print_table(reports: dict[str, dict]) -> None:
    width = max(len(name) for name in reports)
    print(
        f"{'file':{width}s}  {'n':>5s}  {'precision':>9s}  {'recall':>6s}  {'false alarms':>12s}  "
        f"{'check-in':>8s}  {'answering':>9s}  {'median ms':>9s}  {'p99 ms':>7s}"
    )
    for name, report in reports.items():
        print(
            f"{name:{width}s}  {report['n']:5d}  {_cell(report['precision']):>9s}  {_cell(report['recall']):>6s}  "
            f"{_cell(report['false_alarm_rate']):>12s}  {_cell(report['check_in_rate']):>8s}  "
            f"{_cell(report['answering_rate']):>9s}  {report['median_ms']:9.3f}  {report['p99_ms']:7.3f}"
        )
    for name, report in reports.items():
        print(f"{name}:")
        for key, value in report["per_category"].items():
            label, _, _ = key.partition("/")
            what = "recall" if label == "crisis" else "false alarms"
            print(
                f"  {key:34s} {what:12s} {value['flagged'] / value['n']:.3f}  ({value['flagged']}/{value['n']})"
            )


CURVE_BINS = (0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 0.95, 1.0001)


def calibration_curve(rows: list[dict]) -> list[dict]:
    """The model's probability for each message's most worrying sentence against how often it was a crisis."""
    from .model import get_model
    from .train import message_logit

    model = get_model()
    assert model is not None, "the crisis model ships with the package (cogs/crisis/data)"
    bins = [[0, 0.0, 0] for _ in CURVE_BINS[:-1]]  # n, sum of p, crises
    for row in rows:
        p = model.calibrated(message_logit(model, row["text"]))
        index = next(i for i in range(len(bins)) if p < CURVE_BINS[i + 1])
        bins[index][0] += 1
        bins[index][1] += p
        bins[index][2] += row["label"] == "crisis"
    return [
        {
            "from": CURVE_BINS[i],
            "to": min(CURVE_BINS[i + 1], 1.0),
            "n": n,
            "mean_p": round(total / n, 3) if n else None,
            "crisis_share": round(crises / n, 3) if n else None,
        }
        for i, (n, total, crises) in enumerate(bins)
    ]


def print_curve(name: str, curve: list[dict]) -> None:
    print(f"{name}: model probability vs share that were crises")
    for row in curve:
        if row["n"]:
            print(
                f"  {row['from']:.2f}-{row['to']:.2f}  n={row['n']:5d}  mean p {row['mean_p']:.3f}  "
                f"crises {row['crisis_share']:.3f}"
            )


def main(argv: list[str]) -> int:
    """Print the table; exit 2 on a missing or malformed file (after naming it)."""
    curve = "--curve" in argv
    argv = [arg for arg in argv if arg != "--curve"]
    if not argv:
        print("usage: kindred crisis eval [--curve] FILE.jsonl [FILE.jsonl ...]", file=sys.stderr)
        return 2
    reports: dict[str, dict] = {}
    for name in argv:
        path = Path(name)
        try:
            rows = load(path)
        except (OSError, ValueError) as error:
            print(f"cannot read {path}: {error}", file=sys.stderr)
            return 2
        reports[name] = evaluate_rows(rows)
    print_table(reports)
    curves = {}
    if curve:
        for name in argv:
            curves[name] = calibration_curve(load(Path(name)))
            print_curve(name, curves[name])
    keys = (
        "n",
        "precision",
        "recall",
        "false_alarm_rate",
        "category_accuracy",
        "check_in_rate",
        "answering_rate",
        "median_ms",
        "p99_ms",
        "per_category",
    )
    summary: dict = {"files": {name: {k: report[k] for k in keys} for name, report in reports.items()}}
    if curves:
        summary["curves"] = curves
    print(json.dumps(summary, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
