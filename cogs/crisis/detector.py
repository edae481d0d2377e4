"""assess(text) -> Assessment: how worried should a careful peer be about this one message?

A message is read the way a person reads it: sentence by sentence, each with the sentences around it.
Three layers, cheapest first:
1. normalise (slang, shorthand, misspellings, emoji) -- see normalize.py -- and cut into sentences
   (full stops, question marks, line breaks);
2. the curated lexicon (lexicon.py) finds phrases and their category, and the context rules
   (context.py) drop hits that are negated, past, educational, figurative, already coped with, or
   said to someone else ("please don't kill yourself" is a peer helping, not a peer in danger);
3. a small logistic-regression model (model.py) scores each sentence on its own (long run-on
   sentences in windows of a few dozen words), which catches indirect wording the lexicon never
   listed. The message takes its most worrying sentence, never a sum, so a long ordinary post is as
   quiet as its sentences and length alone never raises a score.

The model alone may ask gently (CHECK_IN) but pages moderators only above a calibrated bar that
ordinary community text almost never reaches (docs/crisis.md, "How much the model may do alone").

Levels: NONE (nothing to do), CHECK_IN (worth a gentle word, no alert), CONCERN (private reply and
a moderator alert), IMMINENT (the same, emergency number first: it may be happening now).
`answering` is separate from the level: the writer is answering someone else who may be in crisis.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum

from . import context
from .lexicon import Category, find_phrases
from .model import get_model, model_tokens
from .normalize import normalize

__all__ = ["Assessment", "Category", "Level", "assess"]


class Level(IntEnum):
    NONE = 0
    CHECK_IN = 1
    CONCERN = 2
    IMMINENT = 3


@dataclass(frozen=True)
class Assessment:
    level: Level
    category: Category | None
    score: float  # 0..1, combined evidence for the most worrying passage
    reasons: tuple[str, ...]  # rule and filter names, never message text
    # The writer is answering someone else who may be in crisis ("please don't, call 988"): they are
    # not asked if they are safe, but the conversation may need a moderator.
    answering: bool = False

    @property
    def is_crisis(self) -> bool:
        return self.level >= Level.CONCERN


CONCERN_AT = 0.5
CHECK_IN_AT = 0.3
# With no live lexicon phrase, the model alone pages moderators only about a message of at most
# MODEL_ONLY_SENTENCES sentences, and only at this calibrated probability for one of them. Chosen on half
# of each shared real file and checked on the other half (docs/crisis.md): at 0.6 the model alone alerted
# on a fifth of ordinary real paragraphs, at 0.85 still on 8.7% of teenagers' paragraphs.
MODEL_ONLY_CONCERN_AT = 0.9
MODEL_ONLY_CHECK_IN_AT = 0.7
MODEL_ONLY_SENTENCES = 3
# Questions that are about the writer even when put to someone else.
ASKED_FOR_ONESELF = frozenset({"painless_way"})
# Phrases that on their own are worth a gentle word at most: ordinary withdrawal is miserable, not an emergency.
GENTLE_ONLY = frozenset({"withdrawal"})
# Longest stretch of words the model reads at once: it was trained on chat-length messages.
MODEL_WINDOW = 24
MODEL_STRIDE = 12

_IMMINENT = re.compile(
    r"\b(?:tonight|tonights|right now|now|in front of me|in my hand|next to me|goodbye|last message|this is it|about to|"
    r"already took|just took|on the (?:bridge|roof|edge|ledge)|lined up|ready|wont (?:wake|be here)|before morning|"
    r"in a few hours|not breathing|turning blue|unresponsive|hurry|ambulance|911|999|112|000)\b"
)
_RELAPSE_DANGER = re.compile(
    r"\b(?:(?:dont|do not) care (?:if|whether) i (?:die|wake up|overdose|make it)|until i (?:die|dont wake up|pass out)|"
    r"tolerance|using alone|use alone|by myself tonight|fentanyl|mixing|mix)\b"
)
_ANSWERED_NO = re.compile(r"\s*\?\s*(?:no|nah|nope|not really|never|not at all)\b")
_CLAUSE_BOUNDARY = re.compile(r"[.!?;,]|\b(?:but|though|although|however|yet)\b")
_SENTENCE = re.compile(r"[^.!?;]+")


@dataclass
class _Hit:
    name: str
    category: Category
    weight: float
    imminent: bool
    vetoed_by: str | None
    sentence: int


class _Text:
    """The normalised message cut into sentences, with the window of neighbours each is read in."""

    def __init__(self, normalized: str):
        self.normalized = normalized
        spans = []
        for match in _SENTENCE.finditer(normalized):
            start, end = match.span()
            while start < end and normalized[start] == " ":
                start += 1
            while end > start and normalized[end - 1] == " ":
                end -= 1
            if start < end:
                spans.append((start, end))
        self.spans = spans or [(0, len(normalized))]
        self.starts = [start for start, _ in self.spans]
        self.words = [model_tokens(normalized[start:end]) for start, end in self.spans]

    def sentence_of(self, position: int) -> int:
        return max(bisect_right(self.starts, position) - 1, 0)

    def window(self, index: int) -> tuple[int, int]:
        """The sentence with one neighbour either side, as a (start, end) span of the message."""
        first = self.spans[max(index - 1, 0)]
        last = self.spans[min(index + 1, len(self.spans) - 1)]
        # Run to the end of the last sentence's punctuation, so "suicidal? nah" stays in view.
        end = last[1]
        while end < len(self.normalized) and self.normalized[end] in " .!?;":
            end += 1
        return first[0], end


def split_sentences(normalized: str) -> list[list[str]]:
    """The words of each sentence as the model reads them (used to calibrate the model on whole messages)."""
    return _Text(normalized).words


def _clause_bounds(normalized: str, start: int, end: int, low: int, high: int) -> tuple[int, int]:
    left = low
    for match in _CLAUSE_BOUNDARY.finditer(normalized, low, start):
        left = match.end()
    right_match = _CLAUSE_BOUNDARY.search(normalized, end, high)
    right = right_match.start() if right_match else high
    return left, right


def _judge_hits(text: _Text) -> tuple[list[_Hit], bool]:
    """Every lexicon hit with the filter that explains it away, if any; and whether any was said to someone else."""
    normalized = text.normalized
    hits = []
    answering = False
    windows: dict[int, tuple[str, int]] = {}
    sentences = [
        (start, end, frozenset(words)) for (start, end), words in zip(text.spans, text.words, strict=True)
    ]
    for phrase, start, end in find_phrases(normalized, frozenset(normalized.split()), sentences):
        index = text.sentence_of(start)
        if index not in windows:
            low, high = text.window(index)
            windows[index] = (normalized[low:high], low)
        window, offset = windows[index]
        sentence_start, sentence_end = text.spans[index]
        left, right = _clause_bounds(normalized, start, end, sentence_start, max(sentence_end, end))
        clause = normalized[left:right]
        veto = None
        other = None
        if phrase.category in (Category.SUICIDE, Category.SELF_HARM):
            other = context.someone_else(clause, start - left, end - left, phrase.name)
        # "Would this be a painless way to die?" asked of others is asked for oneself.
        for_self = phrase.name in ASKED_FOR_ONESELF or context.ASKING_FOR_SELF.search(window)
        if context.addressed(clause, start - left, end - left) and not for_self:
            veto = "to_someone_else"
            answering = answering or phrase.category in context.ANSWERABLE
        elif other:
            veto = other
            answering = answering or other == "third_person"
        elif context.negated(clause, start - left) or _ANSWERED_NO.match(normalized, end):
            veto = "negated"
        elif context.in_the_past(clause, window):
            veto = "past"
        elif context.educational(clause, window):
            veto = "education"
        elif context.figurative(window, (start - offset, end - offset), phrase.category):
            veto = "figurative"
        elif normalized.startswith(("last", "my last"), start) and context.points_back(
            window, start - offset
        ):
            veto = "points_back"
        elif not phrase.imminent and context.says_safe(window):
            veto = "says_safe"
        elif phrase.category is Category.RELAPSE and context.coping(window):
            veto = "coping"
        elif not for_self and context.recovery_talk(clause, window, phrase.category):
            veto = "recovery_talk"
        hits.append(_Hit(phrase.name, phrase.category, phrase.weight, phrase.imminent, veto, index))
    return hits, answering


def assess(text: str) -> Assessment:
    """Assess one message. Pure, fast (well under a millisecond for a chat message) and never stores or logs the text."""
    normalized = normalize(text.replace("\n", " . ") if "\n" in text else text)
    if not normalized:
        return Assessment(Level.NONE, None, 0.0, ())
    parsed = _Text(normalized)
    hits, answering = _judge_hits(parsed)
    answering = answering or context.supporting(normalized)
    live = [hit for hit in hits if hit.vetoed_by is None]

    model = get_model()
    sentence_p: dict[int, float] = {}
    best_unit: list[str] = []
    if model:
        # A chat-length message is read whole; in a longer post the model may not act alone (see
        # MODEL_ONLY_SENTENCES), so it reads only the sentences around a phrase, where it can agree or not.
        if len(parsed.spans) <= MODEL_ONLY_SENTENCES:
            wanted: Iterable[int] = range(len(parsed.spans))
        else:
            wanted = sorted(
                {
                    index
                    for hit in hits
                    for index in (hit.sentence - 1, hit.sentence, hit.sentence + 1)
                    if 0 <= index < len(parsed.spans)
                }
            )
        for index in wanted:
            if words := parsed.words[index]:
                sentence_p[index] = model.sentence_probability(words, MODEL_WINDOW, MODEL_STRIDE)
        if sentence_p:
            best_unit = parsed.words[max(sentence_p, key=sentence_p.__getitem__)]
    probability = max(sentence_p.values(), default=0.0)

    notes: list[str] = []
    if live:
        score, strongest = _rule_score(live, sentence_p)
    else:
        strongest = None
        best_index = max(sentence_p, key=sentence_p.__getitem__) if sentence_p else 0
        if hits:
            # Every phrase was explained away (negated, past, ...): the model may not undo that.
            score = min(probability, CHECK_IN_AT)
        elif answering or len(parsed.spans) > MODEL_ONLY_SENTENCES or probability < MODEL_ONLY_CONCERN_AT:
            # A gentle word at most, and only when the model is fairly sure: on real community text it
            # over-scores ordinary sentences (docs/crisis.md has the curve).
            ceiling = CONCERN_AT if probability >= MODEL_ONLY_CHECK_IN_AT else CHECK_IN_AT
            score = min(probability, ceiling - 0.01)
        else:
            low, high = parsed.window(best_index)
            calm = context.reassuring(normalized[low:high])
            score = min(probability, CONCERN_AT - 0.01) if calm else probability
            if calm:
                notes.append(f"model:{calm}")
    score = min(score, 1.0)

    reasons = (
        [hit.name for hit in live] + [f"{hit.name}:{hit.vetoed_by}" for hit in hits if hit.vetoed_by] + notes
    )
    if model and probability >= CHECK_IN_AT:
        reasons.append(f"model:{probability:.2f}")
    if answering:
        reasons.append("answering")

    if score < CHECK_IN_AT:
        return Assessment(Level.NONE, None, round(score, 3), tuple(reasons), answering)
    category = _category(live, hits, model, best_unit)
    if score < CONCERN_AT:
        return Assessment(Level.CHECK_IN, category, round(score, 3), tuple(reasons), answering)
    level = Level.IMMINENT if _imminent(live, strongest, category, parsed, score) else Level.CONCERN
    return Assessment(level, category, round(score, 3), tuple(reasons), answering)


def _rule_score(live: list[_Hit], sentence_p: dict[int, float]) -> tuple[float, _Hit]:
    """The most worrying passage: phrases in one sentence and its neighbours add up (weakly), the model agrees or not.

    Two weak signs together ("found the spot", "tonight's the night") are worth more than either; signs
    far apart in a long post are not added, so length never builds a score.
    """
    best_score, best_hit = 0.0, live[0]
    for hit in live:
        near = [other for other in live if abs(other.sentence - hit.sentence) <= 1]
        unlikely = 1.0
        for other in near:
            unlikely *= 1.0 - other.weight
        rule = 1.0 - unlikely
        p = max(sentence_p.get(index, 0.0) for index in (hit.sentence - 1, hit.sentence, hit.sentence + 1))
        score = max(rule, (rule + p) / 2 + 0.2 * (p > 0.5)) if rule < CONCERN_AT else max(rule, p)
        if GENTLE_ONLY.issuperset(other.name for other in near):
            score = min(score, CONCERN_AT - 0.01)
        if score > best_score or (score == best_score and hit.weight > best_hit.weight):
            best_score, best_hit = score, hit
    return best_score, best_hit


def _category(live: list[_Hit], hits: list[_Hit], model, best_unit: list[str]) -> Category | None:
    chosen = live or hits
    if chosen:
        best = max(chosen, key=lambda hit: hit.weight)
        return best.category
    if model is None or not best_unit:
        return None
    name, _ = model.best_category(best_unit)
    return Category(name)


def _imminent(
    live: list[_Hit], strongest: _Hit | None, category: Category | None, parsed: _Text, score: float
) -> bool:
    if not live or strongest is None:
        return False
    near = [hit for hit in live if abs(hit.sentence - strongest.sentence) <= 1]
    if any(hit.imminent for hit in near):
        return True
    if category in (Category.OVERDOSE, Category.MEDICAL) and any(hit.category is category for hit in near):
        return True
    low, high = parsed.window(strongest.sentence)
    passage = parsed.normalized[low:high]
    if category is Category.RELAPSE:
        # Planning to use is serious but not an emergency by itself; these make an overdose likely.
        return bool(_RELAPSE_DANGER.search(passage))
    # A strong phrase, or weaker signs that together are as strong ("found the spot" + "tonight's the night").
    return bool(_IMMINENT.search(passage)) and score >= 0.75
