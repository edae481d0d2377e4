"""Days of the week for schedules: what people type -> the cron day list APScheduler reads.

Day names, not numbers: APScheduler 3.x counts Monday as 0, unlike crontab, so numbers invite mistakes.
"""

from __future__ import annotations

import re

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_FULL = {
    "monday": "mon", "tuesday": "tue", "tues": "tue", "wednesday": "wed", "thursday": "thu",
    "thur": "thu", "thurs": "thu", "friday": "fri", "saturday": "sat", "sunday": "sun",
}
_GROUPS = {
    "daily": DAY_NAMES,
    "everyday": DAY_NAMES,
    "every day": DAY_NAMES,
    "all": DAY_NAMES,
    "weekdays": DAY_NAMES[:5],
    "weekday": DAY_NAMES[:5],
    "weekends": DAY_NAMES[5:],
    "weekend": DAY_NAMES[5:],
}


class DaysError(ValueError):
    """Unreadable days; the message says what to type instead."""


def _day(word: str) -> str | None:
    word = word.strip().lower().rstrip(".")
    if word.endswith("s") and word[:-1] in _FULL:  # "mondays"
        word = word[:-1]
    if word in DAY_NAMES:
        return word
    return _FULL.get(word)


def parse_days(text: str) -> tuple[str, ...]:
    """"weekdays", "mon-fri", "mon,wed,fri", "Tuesday Thursday", "every day" -> ordered day names."""
    cleaned = re.sub(r"\s+", " ", text.strip().lower())
    if cleaned.startswith("every "):
        cleaned = cleaned[len("every "):] or "day"
        if cleaned == "day":
            return DAY_NAMES
    if cleaned in _GROUPS:
        return _GROUPS[cleaned]
    chosen: set[str] = set()
    for part in re.split(r"[,\s/&]+|\band\b", cleaned):
        part = part.strip()
        if not part:
            continue
        if part in _GROUPS:
            chosen.update(_GROUPS[part])
            continue
        if "-" in part:
            first, _, last = part.partition("-")
            start, end = _day(first), _day(last)
            if start is None or end is None:
                raise DaysError(f"'{part}' is not a range of days. Try mon-fri")
            index, stop = DAY_NAMES.index(start), DAY_NAMES.index(end)
            while True:  # ranges may wrap around the week: fri-mon
                chosen.add(DAY_NAMES[index])
                if index == stop:
                    break
                index = (index + 1) % 7
            continue
        day = _day(part)
        if day is None:
            raise DaysError(f"'{part}' is not a day. Use daily, weekdays, weekends, or days like mon,wed,fri")
        chosen.add(day)
    if not chosen:
        raise DaysError("Say which days: daily, weekdays, weekends, or days like mon,wed,fri")
    return tuple(day for day in DAY_NAMES if day in chosen)


def cron_days(days: tuple[str, ...]) -> str:
    """The APScheduler day_of_week field."""
    return "mon-sun" if days == DAY_NAMES else ",".join(days)


def describe_days(days: tuple[str, ...]) -> str:
    """Plain words for people: "every day", "weekdays", "Mon, Wed, Fri"."""
    if days == DAY_NAMES:
        return "every day"
    if days == DAY_NAMES[:5]:
        return "weekdays"
    if days == DAY_NAMES[5:]:
        return "weekends"
    return ", ".join(day.capitalize() for day in days)

