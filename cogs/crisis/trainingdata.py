"""Expand cogs/crisis/data/templates.txt into training messages (cogs/crisis/data/training.jsonl).

    python -m cogs.crisis.trainingdata        # rewrite training.jsonl (deterministic, seeded)

Members write in many ways, so every template is filled several times and each copy gets chat-style
noise (no apostrophes, shorthand, typos, stretched letters, emoji). The noise is the same for crisis
and ordinary messages so that the model cannot learn "typos mean danger".
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

DATA = Path(__file__).parent / "data"
TEMPLATES = DATA / "templates.txt"
TRAINING = DATA / "training.jsonl"
COPIES_PER_TEMPLATE = 9
COMPOSED_ORDINARY = 900
COMPOSED_CRISIS = 500

_SLANG: list[tuple[str, list[str]]] = [
    ("want to", ["wanna", "want to", "wana"]),
    ("going to", ["gonna", "going to", "finna", "gna"]),
    ("you", ["u", "you", "ya"]),
    ("right now", ["rn", "right now", "atm"]),
    ("i'm", ["im", "i am", "i'm", "Im"]),
    ("don't", ["dont", "do not", "dnt", "don't"]),
    ("can't", ["cant", "cannot", "can't", "cnt"]),
    ("tonight", ["tn", "tonite", "tonight", "2nite"]),
    ("because", ["cuz", "bc", "because", "coz"]),
    ("about", ["abt", "about", "bout"]),
    ("really", ["rly", "really", "realy"]),
    ("people", ["ppl", "people"]),
    ("kill myself", ["kms", "unalive myself", "kill myself", "end myself", "kil myself"]),
    ("suicide", ["sewerslide", "suicide", "sucide", "s**cide"]),
    ("suicidal", ["suicidal", "sucidal", "suicidle"]),
    ("overdose", ["od", "overdose", "overdoes"]),
    ("everyone", ["everyone", "every1", "evryone"]),
    ("anymore", ["anymore", "any more", "nemore", "anymoe"]),
    ("myself", ["myself", "myslef", "my self"]),
    ("with", ["with", "w", "wit"]),
    ("nothing", ["nothing", "nothin"]),
]
_PREFIXES = [
    "",
    "",
    "",
    "",
    "honestly ",
    "idk ",
    "ugh ",
    "tbh ",
    "ngl ",
    "hey ",
    "so ",
    "okay so ",
    "man ",
    "guys ",
]
_SUFFIXES = [
    "",
    "",
    "",
    "",
    ".",
    "...",
    "!",
    " :(",
    " 😞",
    " lol",
    " idk",
    " tbh",
    " fr",
    " 😭",
    " 🙏",
    " ugh",
    "?",
]
_NEUTRAL_OPENERS = [
    "long day.",
    "just got home.",
    "work was whatever.",
    "kids are asleep.",
    "ate dinner finally.",
    "can't sleep.",
    "been a weird week.",
    "hi all.",
    "it's raining again.",
    "so yeah.",
]


def parse_templates(text: str) -> tuple[dict[str, list[str]], list[tuple[str, str, str]]]:
    """Return the slots and (label, category, template) triples."""
    slots: dict[str, list[str]] = {}
    templates: list[tuple[str, str, str]] = []
    label = category = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not line or (line.startswith("#") and not line.startswith("##")):
            continue
        if line.startswith("@"):
            name, _, values = line[1:].partition("=")
            slots[name.strip()] = [v.strip() for v in values.split("|")]
        elif line.startswith("##"):
            label, category = line[2:].split()
        elif label:
            templates.append((label, category, line))
    return slots, templates


def _fill(template: str, slots: dict[str, list[str]], rng: random.Random) -> str:
    text = re.sub(r"\{(\w+)\}", lambda m: rng.choice(slots[m.group(1)]), template)
    return re.sub(r"\s+", " ", text).strip()


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.randrange(4)
    if kind == 0:
        return word[:i] + word[i + 1 :]
    if kind == 1:
        return word[: i - 1] + word[i] + word[i - 1] + word[i + 1 :]
    if kind == 2:
        return word[:i] + word[i] * 2 + word[i:]
    return word + word[-1] * rng.randrange(1, 4)


def add_noise(text: str, rng: random.Random) -> str:
    """One plausible way a person might type this on a phone."""
    if rng.random() < 0.5:
        for plain, variants in _SLANG:
            if plain in text and rng.random() < 0.5:
                text = text.replace(plain, rng.choice(variants))
    if rng.random() < 0.6:
        text = text.replace("'", "")
    if rng.random() < 0.3:
        words = text.split()
        for _ in range(rng.randrange(1, 3)):
            j = rng.randrange(len(words))
            words[j] = _typo(words[j], rng)
        text = " ".join(words)
    if rng.random() < 0.25:
        text = text.replace(".", "").replace(",", "")
    text = rng.choice(_PREFIXES) + text + rng.choice(_SUFFIXES)
    roll = rng.random()
    if roll < 0.15:
        text = text[:1].upper() + text[1:]
    elif roll < 0.18:
        text = text.upper()
    return text.strip()


def generate(seed: int = 20261127) -> list[dict[str, str]]:
    rng = random.Random(seed)
    slots, templates = parse_templates(TEMPLATES.read_text(encoding="utf-8"))
    seen: set[str] = set()
    rows = []
    for label, category, template in templates:
        has_slots = "{" in template
        copies = COPIES_PER_TEMPLATE if has_slots else COPIES_PER_TEMPLATE - 3
        for _ in range(copies):
            text = add_noise(_fill(template, slots, rng), rng)
            if rng.random() < 0.1:
                text = f"{rng.choice(_NEUTRAL_OPENERS)} {text}"
            if text.lower() in seen:
                continue
            seen.add(text.lower())
            rows.append({"text": text, "label": label, "category": category})
    rows.extend(_compositions(rows, rng, seen))
    rng.shuffle(rows)
    return rows


def _compositions(rows: list[dict[str, str]], rng: random.Random, seen: set[str]) -> list[dict[str, str]]:
    """Longer posts: two ordinary messages stay ordinary; one crisis sentence in ordinary talk is crisis."""
    ordinary = [row for row in rows if row["label"] == "none" and row["category"] != "negated"]
    crisis = [row for row in rows if row["label"] == "crisis"]
    made = []
    for _ in range(COMPOSED_ORDINARY):
        a, b = rng.sample(ordinary, 2)
        text = f"{a['text'].rstrip('.')}. {b['text']}"
        if text.lower() not in seen:
            seen.add(text.lower())
            made.append({"text": text, "label": "none", "category": a["category"]})
    for _ in range(COMPOSED_CRISIS):
        a, b = rng.choice(ordinary), rng.choice(crisis)
        first, second = (a, b) if rng.random() < 0.5 else (b, a)
        text = f"{first['text'].rstrip('.')}. {second['text']}"
        if text.lower() not in seen:
            seen.add(text.lower())
            made.append({"text": text, "label": "crisis", "category": b["category"]})
    return made


def main(argv: list[str] | None = None) -> int:
    rows = generate()
    with TRAINING.open("w", encoding="utf-8") as handle:
        for row in rows:
            handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    crisis = sum(row["label"] == "crisis" for row in rows)
    print(f"wrote {len(rows)} messages ({crisis} crisis, {len(rows) - crisis} none) to {TRAINING}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
