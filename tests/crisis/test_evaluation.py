"""Regression floors: the detector must keep what it measured, on our own sets, the dev set and real community text."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from cogs.crisis import evaluate
from cogs.crisis.model import MODEL_PATH, CrisisModel
from cogs.crisis.trainingdata import TRAINING

REPO = Path(__file__).resolve().parents[2]
OWN_TESTSET = Path(__file__).parent / "data" / "testset.jsonl"
HOLDOUT = Path(__file__).parent / "data" / "holdout.jsonl"
UNSEEN = Path(__file__).parent / "data" / "unseen.jsonl"
DEV_SET = REPO.parent / "shared" / "crisis" / "dev.jsonl"
REAL = REPO.parent / "shared" / "crisis" / "real"


def _summaries(paths: list[Path], capsys) -> dict[str, dict]:
    assert evaluate.main([str(path) for path in paths]) == 0
    last_line = capsys.readouterr().out.strip().splitlines()[-1]
    return json.loads(last_line)["files"]


def _summary(path: Path, capsys) -> dict:
    return _summaries([path], capsys)[str(path)]


def test_own_testset_floor(capsys):
    """Written by hand, apart from the training templates. Measured: recall 0.985, FAR 0.008 (n=254)."""
    summary = _summary(OWN_TESTSET, capsys)
    assert summary["n"] >= 250
    assert summary["recall"] >= 0.95
    assert summary["false_alarm_rate"] <= 0.05


def test_independent_holdout_floor(capsys):
    """Written by someone who saw neither the training templates nor the other sets (docs/crisis.md).

    First reading, before anything was tuned on it: recall 0.878, FAR 0.121. It has since been used to
    find weak rule families, so this floor guards against regressions; it is no longer a fair estimate.
    Issue 14 traded recall here for quiet on real community text (the model alone no longer alerts on
    long posts, and on short ones only at 0.9): 0.972 -> 0.895 recall, FAR 0.008 (docs/crisis.md).
    """
    summary = _summary(HOLDOUT, capsys)
    assert summary["n"] == 421
    assert summary["recall"] >= 0.87
    assert summary["false_alarm_rate"] <= 0.05


def test_unseen_set_floor(capsys):
    """A second independent set (322, many voices and slangs) that no rule or template was ever tuned on.

    Its one reading, taken once the detector was finished: recall 0.946, FAR 0.073 (the issue's target
    for unseen wording is recall >= 0.90, FAR <= 0.10). Keep it unseen: measure on it, never tune on it.
    Issue 14 (quiet on real community text) cost recall here: 0.792 recall, FAR 0.042. The model that
    carried half of these catches also alerted on a fifth of ordinary real paragraphs; see docs/crisis.md,
    "Where it is still weak". This floor holds today's reading, not the target.
    """
    summary = _summary(UNSEEN, capsys)
    assert summary["n"] == 322
    assert summary["recall"] >= 0.76
    assert summary["false_alarm_rate"] <= 0.073


@pytest.mark.skipif(not DEV_SET.exists(), reason=f"dev set not present at {DEV_SET} (it is in CI)")
def test_dev_set_floor(capsys):
    """The issue's dev targets: recall >= 0.95 with FAR <= 0.05 (measured: see docs/crisis.md)."""
    summary = _summary(DEV_SET, capsys)
    assert summary["n"] == 240
    assert summary["recall"] >= 0.95
    assert summary["false_alarm_rate"] <= 0.05


# Real public text (../shared/crisis/real/README.md), read at run time and never copied into the project.
# (file, recall floor or None, false-alarm ceiling or None); measured on the shared half, see docs/crisis.md.
REAL_FLOORS = [
    ("opiatesrecovery_posts.jsonl", None, 0.08),
    ("opiatesrecovery_posts_paragraphs.jsonl", None, 0.08),
    ("reddit_suicidewatch_teenagers_paragraphs.jsonl", None, 0.08),
    ("cssrs_supportive_posts.jsonl", None, 0.08),
    ("reddit_suicidewatch_teenagers.jsonl", 0.75, 0.08),
    ("cssrs_users.jsonl", 0.55, None),
]


@pytest.mark.skipif(not REAL.exists(), reason=f"real sets not present at {REAL} (they are in CI)")
def test_real_community_text_floors(capsys):
    """Ordinary posts stay quiet and real crises are found: the issue-14 targets on human-written text
    (measured on the shared half; the half kept apart will read lower, docs/crisis.md says how much)."""
    summaries = _summaries([REAL / name for name, _, _ in REAL_FLOORS], capsys)
    for name, recall, false_alarms in REAL_FLOORS:
        summary = summaries[str(REAL / name)]
        if recall is not None:
            assert summary["recall"] >= recall, (name, summary["recall"])
        if false_alarms is not None:
            assert summary["false_alarm_rate"] <= false_alarms, (name, summary["false_alarm_rate"])


def test_eval_reads_several_files_into_one_table(tmp_path, capsys):
    first, second = tmp_path / "first.jsonl", tmp_path / "second.jsonl"
    first.write_text(
        json.dumps({"text": "i want to die tonight", "label": "crisis", "category": "suicide"}) + "\n"
    )
    second.write_text(json.dumps({"text": "made pancakes", "label": "none", "category": "everyday"}) + "\n")
    assert evaluate.main([str(first), str(second)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    header = lines[0].split()
    assert header[:5] == ["file", "n", "precision", "recall", "false"] and "p99" in header
    rows = {line.split()[0]: line.split() for line in lines[1:3]}
    assert rows[str(first)][1:4] == ["1", "1.000", "1.000"]
    assert rows[str(second)][1:5] == ["1", "-", "-", "0.000"]
    summary = json.loads(lines[-1])["files"]
    assert summary[str(first)]["recall"] == 1.0 and summary[str(second)]["false_alarm_rate"] == 0.0
    assert (
        summary[str(second)]["median_ms"] >= 0
        and summary[str(second)]["p99_ms"] >= summary[str(second)]["median_ms"]
    )
    assert "made pancakes" not in "\n".join(lines), "message text is never printed"


def test_testset_kept_apart_from_training():
    from cogs.crisis.normalize import normalize

    training = [
        normalize(json.loads(line)["text"]) for line in TRAINING.read_text(encoding="utf-8").splitlines()
    ]
    own = [
        normalize(json.loads(line)["text"])
        for path in (OWN_TESTSET, HOLDOUT, UNSEEN)
        for line in path.read_text(encoding="utf-8").splitlines()
    ]
    reused = [text for text in own if len(text) > 15 and any(text in trained for trained in training)]
    assert reused == [], "no test message may appear inside a training message"


def test_eval_prints_per_category_and_a_json_last_line(tmp_path, capsys):
    sample = tmp_path / "sample.jsonl"
    rows = [
        {"text": "i want to die tonight", "label": "crisis", "category": "suicide"},
        {"text": "made pancakes", "label": "none", "category": "everyday"},
    ]
    sample.write_text("\n".join(json.dumps(row) for row in rows) + "\n")
    summary = _summary(sample, capsys)
    assert summary == summary | {"precision": 1.0, "recall": 1.0, "false_alarm_rate": 0.0, "n": 2}


def test_eval_explains_a_bad_file(tmp_path, capsys):
    broken = tmp_path / "broken.jsonl"
    broken.write_text('{"text": "hi"}\n')
    assert evaluate.main([str(broken)]) == 2
    assert "label" in capsys.readouterr().err
    assert evaluate.main([str(tmp_path / "missing.jsonl")]) == 2
    assert evaluate.main([]) == 2
    assert "usage" in capsys.readouterr().err


def test_model_is_small_and_loads_offline():
    """Under 5 MB and read from the repository (no download); its load time is measured in bench/."""
    assert MODEL_PATH.stat().st_size < 5 * 1024 * 1024
    model = CrisisModel.load()
    assert model.meta["training_messages"] > 3000


def test_sentence_windows_score_what_the_whole_window_scores():
    """The fast path (each feature looked up once per sentence) must equal scoring each window on its own."""
    from cogs.crisis.model import get_model, model_tokens
    from cogs.crisis.normalize import normalize

    risk = get_model().risk
    words = model_tokens(
        normalize(
            "i keep thinking about ending it all and nobody would even notice if i was gone "
            "because i have been a burden to my family for years now and i am so tired"
        )
    )
    assert len(words) > 24
    windows = risk.window_logits(words, 24, 12)
    assert windows == pytest.approx([risk.logit(words[i : i + 24]) for i in range(0, len(words) - 12, 12)])
    assert risk.window_logits(words[:10], 24, 12) == pytest.approx([risk.logit(words[:10])])


def test_training_file_is_reproducible_from_the_templates():
    from cogs.crisis.trainingdata import generate

    regenerated = [json.dumps(row, ensure_ascii=False) for row in generate()]
    assert regenerated == TRAINING.read_text(encoding="utf-8").splitlines()


@pytest.mark.skipif(not DEV_SET.exists(), reason=f"dev set not present at {DEV_SET} (it is in CI)")
def test_training_messages_never_contain_dev_wording():
    from cogs.crisis.normalize import normalize

    dev = {
        normalize(json.loads(line)["text"])
        for line in DEV_SET.read_text(encoding="utf-8").splitlines()
        if line
    }
    training = [
        normalize(json.loads(line)["text"]) for line in TRAINING.read_text(encoding="utf-8").splitlines()
    ]
    copied = [d for d in dev if len(d) > 15 and any(d in t for t in training)]
    assert copied == [], "training text must not reuse the dev set's wording"
