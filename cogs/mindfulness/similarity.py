"""Near-duplicate detection for suggested and imported prompts.

Two measures on normalised words (lowercase, punctuation dropped, common filler words removed):
the Jaccard overlap of the word sets, which catches reordered sentences, and difflib's ratio on the
word sequences, which catches small edits. A pair is a near-duplicate when either is high. Texts are
compared with each prompt's text and with its follow-up question, because members often suggest a
question like the follow-ups.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass

THRESHOLD = 0.75

# Small words that make unrelated prompts look alike; dropping them sharpens both measures.
_FILLER = frozenset(
    """a an and are as at be but by can do for from had has have how i if in is it its me my of on or
    our so that the their them then there this to up was we were what when where which who will with
    you your yourself today one""".split()
)
_WORD = re.compile(r"[a-z0-9']+")
_NUMBERS = dict(
    zip(
        "0 1 2 3 4 5 6 7 8 9 10".split(),
        "zero one two three four five six seven eight nine ten".split(),
        strict=True,
    )
)
# A short text whose words mostly appear in a longer prompt is a near-duplicate of it ("box breathing
# in one line"), but only when it says enough for that to mean something.
CONTAINMENT_MIN_WORDS = 6
CONTAINMENT_WEIGHT = 0.9


@dataclass(frozen=True)
class Match:
    prompt_id: str
    score: float  # 0..1


def _stem(word: str) -> str:
    """A very light stemmer: numbers as words, plural and possessive endings dropped."""
    word = _NUMBERS.get(word, word.strip("'"))
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def words(text: str) -> list[str]:
    stems = (_stem(word) for word in _WORD.findall(text.lower()))
    return [stem for stem in stems if stem and stem not in _FILLER]


def similarity(first: str, second: str) -> float:
    """How alike two texts are, 0..1."""
    return _similarity(words(first), words(second))


def _similarity(first: list[str], second: list[str]) -> float:
    if not first or not second:
        return 0.0
    first_set, second_set = set(first), set(second)
    shared = len(first_set & second_set)
    jaccard = shared / len(first_set | second_set)
    shorter = min(len(first_set), len(second_set))
    containment = CONTAINMENT_WEIGHT * shared / shorter if shorter >= CONTAINMENT_MIN_WORDS else 0.0
    if jaccard < 0.2:  # cheap early exit: difflib cannot reach the threshold from here
        return max(jaccard, containment)
    sequence = difflib.SequenceMatcher(None, first, second, autojunk=False).ratio()
    return max(jaccard, sequence, containment)


def near_duplicates(
    text: str, candidates: Iterable[tuple[str, str, str | None]], threshold: float = THRESHOLD, limit: int = 3
) -> list[Match]:
    """Prompts alike to `text`, best first. `candidates` yields (prompt id, text, follow-up or None)."""
    target = words(text)
    matches = []
    for prompt_id, candidate_text, follow_up in candidates:
        score = _similarity(target, words(candidate_text))
        if follow_up:
            score = max(score, _similarity(target, words(follow_up)))
        if score >= threshold:
            matches.append(Match(prompt_id, round(score, 2)))
    matches.sort(key=lambda match: match.score, reverse=True)
    return matches[:limit]
