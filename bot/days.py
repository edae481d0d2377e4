"""Days of the week as members type them, read the same way by every cog.

"daily", "every day", "weekdays", "weekends", "mon-fri", "fri to mon", "mon,wed,fri", "mon and wed",
"sat/sun", "Tuesday Thursday", "tuesdays", "every Tuesday and Thursday" -> weekday numbers, Monday 0
(as `date.weekday()` and APScheduler count them).
"""

from __future__ import annotations

import re

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
FULL_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))
WEEKENDS = frozenset({5, 6})
_GROUPS = {
    "daily": EVERY_DAY,
    "everyday": EVERY_DAY,
    "all": EVERY_DAY,
    "weekdays": WEEKDAYS,
    "weekday": WEEKDAYS,
    "weekends": WEEKENDS,
    "weekend": WEEKENDS,
}
_SPELLINGS = {"tues": 1, "weds": 2, "thur": 3, "thurs": 3}
_FILLER = {"and", "&", "on", "every", "each", "day", "days", "+", "or"}
# One day, in any of the spellings people use ("Tue", "tues", "Tuesdays"), for patterns in other parsers.
DAY_PATTERN = (
    r"(?:mon(?:day)?|tue(?:sday|s)?|wed(?:nesday|s)?|thu(?:rsday|rs|r)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)s?"
)
HINT = "Type days like mon-fri, mon,wed,fri, tue and thu, weekdays, weekends or daily"


class DaysError(ValueError):
    """Unreadable days; the message names the word and says what to type instead."""


def day_number(word: str) -> int | None:
    """0-6 for one day's name in any usual spelling ("thurs", "Saturdays"), else None."""
    word = word.strip().lower().rstrip(".")
    if word in _SPELLINGS:
        return _SPELLINGS[word]
    for number, full in enumerate(FULL_NAMES):
        full = full.lower()
        if word in (full, full + "s", DAY_NAMES[number], DAY_NAMES[number] + "s"):
            return number
    return None


def parse_weekdays(text: str) -> frozenset[int]:
    """The weekdays named in `text`; raises DaysError naming the word it could not read."""
    cleaned = re.sub(r"\s*(?:–|—|\bto\b|\bthrough\b|\bthru\b|\buntil\b)\s*", "-", text.strip().lower())
    if re.fullmatch(r"(?:every|each)\s+days?|every\s*day", cleaned):
        return EVERY_DAY
    chosen: set[int] = set()
    for word in re.split(r"[,\s/;]+", cleaned):
        if not word or word in _FILLER:
            continue
        if word in _GROUPS:
            chosen |= _GROUPS[word]
            continue
        first, dash, last = word.partition("-")
        start = day_number(first)
        end = day_number(last) if dash else start
        if start is None or end is None:
            raise DaysError(f"'{word}' is not a day. {HINT}")
        chosen |= {(start + step) % 7 for step in range((end - start) % 7 + 1)}  # ranges may wrap: fri-mon
    if not chosen:
        raise DaysError(f"Say which days. {HINT}")
    return frozenset(chosen)


def describe_weekdays(days: frozenset[int] | set[int]) -> str:
    """Plain words: "every day", "Monday to Friday", "Tuesday and Thursday", "Mon, Wed, Fri"."""
    days = frozenset(days)
    if days == EVERY_DAY:
        return "every day"
    if days == WEEKDAYS:
        return "Monday to Friday"
    ordered = sorted(days)
    if len(ordered) <= 2:
        return " and ".join(FULL_NAMES[d] for d in ordered)
    return ", ".join(DAY_NAMES[d].capitalize() for d in ordered)


def weekdays_to_text(days: frozenset[int] | set[int]) -> str:
    """Storage form: "mon,wed,fri"."""
    return ",".join(DAY_NAMES[d] for d in sorted(days))


def weekdays_from_text(text: str) -> frozenset[int]:
    return frozenset(DAY_NAMES.index(d) for d in text.split(",") if d)
