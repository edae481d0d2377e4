"""The small statistical model: logistic regression over words, word pairs and character 4-grams.

It catches what the lexicon cannot list: indirect wording ("they'd all be fine without me around"),
unseen misspellings (character 4-grams still overlap) and the many harmless messages that share
words with crisis language. Weights are trained by `python -m cogs.crisis.train` from
cogs/crisis/data/training.jsonl (messages the project wrote itself) and stored as gzipped JSON:
small, readable, loaded in well under a second, and no network or model download ever.
"""

from __future__ import annotations

import gzip
import json
import math
from dataclasses import dataclass, field
from pathlib import Path

MODEL_PATH = Path(__file__).parent / "data" / "model.json.gz"


# Words grouped into meanings, so that a pair never seen in training ("end" + "for me") still shares
# a feature ("END SELF") with pairs that were. Numbers become NUM so "40 days" is like "30 days".
_CONCEPT_WORDS = {
    "DEATH": "die died dies dying dead death suicide suicidal kill killing killed unalive grave funeral coffin overdose",
    "END": "end ending over done finish finished gone goodbye bye farewell last final forever permanently disappear "
    "vanish exit checkout quit",
    "EXIST": "alive exist existing live living life here around wake breathing",
    "SELF": "i im me my myself ive id ill mine",
    "OTHERS": "everyone everybody family kids mom dad wife husband partner friends people parents children",
    "NEG": "not no never dont cant wont didnt isnt nothing nobody none without",
    "NOW": "tonight now today soon tomorrow currently morning anymore",
    "PAST": "ago used was were back remember once year years then last",
    "SUBST": "drink drinking drunk use using high pills xanax heroin dope fentanyl booze vodka beer wine liquor meth coke "
    "crack bottle bag dealer plug relapse relapsed relapsing wasted loaded benzos oxy percocet opioids",
    "HARM": "cut cutting cuts burn burning hurt hurting harm blade blades razor bleed bleeding blood wound wounds scars",
    "BODY": "seizure seizures breathe breathing chest heart shaking hallucinating vomiting blue unresponsive passed fit "
    "withdrawal detox sweating tremors",
    "VIOLENCE": "hit hits beat beats choke choked punched slapped threatened threatens abuse abused rape raped knife gun "
    "scared afraid terrified safe stab",
    "LAUGH": "lol",
    "WANT": "want wish hope going ready plan planning need rather",
    "GOOD": "grateful proud happy glad clean sober better thankful celebrating excited love blessed amazing great",
    "MUNDANE": "work boss exam homework traffic meeting class game movie coffee pizza vacation lake gym weekend job "
    "school phone laptop show song team party dinner lunch beach trip store",
    "PERIOD": "days months weeks day month week",
}
CONCEPTS = {word: concept for concept, words in _CONCEPT_WORDS.items() for word in words.split()}


_PUNCTUATION = frozenset('.!?;,:"')


def model_tokens(normalized: str) -> list[str]:
    """The words the model reads: punctuation carries no meaning on its own and only made long text score higher."""
    return [token for token in normalized.split() if token not in _PUNCTUATION]


def concept_features(tokens: list[str]) -> list[str]:
    """Concept unigrams and the pairs around them ("WANT DEATH", "NEG WANT", "SUBST NOW")."""
    abstract = [CONCEPTS.get(t) or ("NUM" if t.isdigit() else t) for t in tokens]
    feats = [a for a in abstract if a.isupper()]
    feats += [f"{a} {b}" for a, b in zip(abstract, abstract[1:], strict=False) if a.isupper() or b.isupper()]
    return feats


def word_features(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Words and adjacent word pairs (the pairs carry "not suicidal", "killing me")."""
    bigrams = [f"{a} {b}" for a, b in zip(tokens, tokens[1:], strict=False)]
    return tokens, bigrams


def char_features(tokens: list[str]) -> list[str]:
    """Character 4-grams inside longer words, so "sucidal" still shares most grams with "suicidal".

    Grams never cross words: cross-word grams memorised accidents of the training phrasing.
    """
    grams: list[str] = []
    for token in tokens:
        if len(token) >= 5:
            padded = f" {token} "
            grams.extend(padded[i : i + 4] for i in range(len(padded) - 3))
    return grams


# A sentence longer than this many words has its evidence shrunk by sqrt(SHORT / words): the weights were
# learnt on chat messages, and a long sentence would otherwise add up many small weights into alarm.
SHORT = 12


def length_scale(words: int) -> float:
    return 1.0 if words <= SHORT else math.sqrt(SHORT / words)


@dataclass
class LinearModel:
    """One logistic-regression scorer with three weight tables (kept apart so keys never collide)."""

    bias: float = 0.0
    words: dict[str, float] = field(default_factory=dict)
    bigrams: dict[str, float] = field(default_factory=dict)
    chars: dict[str, float] = field(default_factory=dict)
    concepts: dict[str, float] = field(default_factory=dict)

    def logit(self, tokens: list[str]) -> float:
        return self.bias + length_scale(len(tokens)) * self.evidence(tokens)

    def evidence(self, tokens: list[str]) -> float:
        total = 0.0
        get = self.words.get
        for token in tokens:
            total += get(token, 0.0)
        get = self.bigrams.get
        for a, b in zip(tokens, tokens[1:], strict=False):
            total += get(f"{a} {b}", 0.0)
        get = self.chars.get
        for token in tokens:
            if len(token) >= 5:
                padded = f" {token} "
                for i in range(len(padded) - 3):
                    total += get(padded[i : i + 4], 0.0)
        get = self.concepts.get
        for feat in concept_features(tokens):
            total += get(feat, 0.0)
        return total

    def probability(self, tokens: list[str]) -> float:
        return _sigmoid(self.logit(tokens))

    def window_logits(self, tokens: list[str], size: int, stride: int) -> list[float]:
        """Logits of tokens[i : i + size] for i = 0, stride, 2 * stride...: each feature is looked up once.

        Equal to `logit()` of each window (the features of a window are its words and the pairs inside it).
        """
        words, bigrams, chars, concepts = self.words.get, self.bigrams.get, self.chars.get, self.concepts.get
        abstract = [CONCEPTS.get(t) or ("NUM" if t.isdigit() else t) for t in tokens]
        single = []
        for token, meaning in zip(tokens, abstract, strict=True):
            weight = words(token, 0.0)
            if meaning.isupper():
                weight += concepts(meaning, 0.0)
            if self.chars and len(token) >= 5:
                padded = f" {token} "
                weight += sum(chars(padded[i : i + 4], 0.0) for i in range(len(padded) - 3))
            single.append(weight)
        pairs = []
        for i in range(len(tokens) - 1):
            weight = bigrams(f"{tokens[i]} {tokens[i + 1]}", 0.0)
            a, b = abstract[i], abstract[i + 1]
            if a.isupper() or b.isupper():
                weight += concepts(f"{a} {b}", 0.0)
            pairs.append(weight)
        logits = []
        n = len(tokens)
        starts = [0] if n <= size else range(0, n - stride, stride)
        for first in starts:
            last = min(first + size, n)
            evidence = sum(single[first:last]) + sum(pairs[first : last - 1])
            logits.append(self.bias + length_scale(last - first) * evidence)
        return logits

    def to_json(self) -> dict:
        return {
            "bias": self.bias,
            "words": self.words,
            "bigrams": self.bigrams,
            "chars": self.chars,
            "concepts": self.concepts,
        }

    @classmethod
    def from_json(cls, data: dict) -> LinearModel:
        return cls(data["bias"], data["words"], data["bigrams"], data["chars"], data.get("concepts", {}))


@dataclass
class CrisisModel:
    """`risk` says crisis or not; `categories` (one-vs-rest) name the kind when rules cannot."""

    risk: LinearModel
    categories: dict[str, LinearModel]
    meta: dict

    def risk_probability(self, tokens: list[str]) -> float:
        return self.calibrated(self.risk.logit(tokens))

    def calibrated(self, logit: float) -> float:
        """The probability that a message scored like this is a crisis, fitted on held messages (Platt scaling)."""
        scale, shift = self.meta.get("calibration", (1.0, 0.0))
        return _sigmoid(scale * logit + shift)

    def sentence_probability(self, tokens: list[str], size: int, stride: int) -> float:
        """The most worrying window of one sentence (the whole sentence when it is short)."""
        return self.calibrated(max(self.risk.window_logits(tokens, size, stride)))

    def best_category(self, tokens: list[str]) -> tuple[str, float]:
        scored = [(model.logit(tokens), name) for name, model in self.categories.items()]
        logit, name = max(scored)
        return name, 1.0 / (1.0 + math.exp(-max(min(logit, 30.0), -30.0)))

    def save(self, path: Path = MODEL_PATH) -> None:
        payload = {
            "meta": self.meta,
            "risk": self.risk.to_json(),
            "categories": {name: model.to_json() for name, model in self.categories.items()},
        }
        with gzip.open(path, "wt", encoding="utf-8") as handle:
            json.dump(payload, handle, separators=(",", ":"), sort_keys=True)

    @classmethod
    def load(cls, path: Path = MODEL_PATH) -> CrisisModel:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            payload = json.load(handle)
        return cls(
            LinearModel.from_json(payload["risk"]),
            {name: LinearModel.from_json(data) for name, data in payload["categories"].items()},
            payload.get("meta", {}),
        )


def _sigmoid(logit: float) -> float:
    if logit < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-logit))


_loaded: CrisisModel | None = None


def get_model() -> CrisisModel | None:
    """The trained model, loaded once; None if it was never trained (rules still work)."""
    global _loaded
    if _loaded is None and MODEL_PATH.exists():
        _loaded = CrisisModel.load()
    return _loaded
