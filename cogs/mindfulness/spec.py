"""Reading a schedule from one line, the way a moderator says it.

    every day at 08:30 America/Chicago
    weekdays 7pm Europe/London gratitude, breathing grace 3h
    mon,wed,fri 20:00 sleep

Time is required; days default to every day, the timezone to the community's, the categories to all,
the grace window (how late a missed post may still go out after a restart) to two hours.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import time

from bot.params import ZONE_ABBREVIATIONS, ArgumentError, parse_time, parse_timezone
from cogs.mindfulness.days import DAY_NAMES, DaysError, describe_days, parse_days
from cogs.mindfulness.library import category_help, category_label, normalise_category

DEFAULT_GRACE_MINUTES = 120
MAX_GRACE_MINUTES = 24 * 60
_FILLER = {"at", "on", "in", "and", "from", "for", "categories", "category", "time", "zone", "timezone", "of"}
_GRACE = re.compile(r"^(\d{1,4})\s*(m|min|mins|minutes?|h|hr|hrs|hours?)?$")
_MERIDIEM = {"am", "pm", "a.m.", "p.m."}
EXAMPLE = "every day at 08:30 America/Chicago"


@dataclass(frozen=True)
class ScheduleSpec:
    at: time
    timezone: str
    days: tuple[str, ...]
    categories: tuple[str, ...]
    grace_minutes: int

    def describe(self) -> str:
        return describe_schedule(self.days, self.at.hour, self.at.minute, self.timezone, self.categories)


def describe_schedule(days, hour: int, minute: int, timezone: str, categories) -> str:
    """ "weekdays at 08:30 America/Chicago (breathing)": a spec being added or a stored schedule."""
    where = ", ".join(category_label(c) for c in categories) if categories else "all categories"
    return f"{describe_days(days)} at {hour:02d}:{minute:02d} {timezone} ({where})"


def _is_days(word: str) -> bool:
    """ "sat/sun" is days, "Europe/Paris" a zone."""
    try:
        parse_days(word)
    except DaysError:
        return False
    return True


def parse_grace(text: str) -> int:
    match = _GRACE.match(text.strip().lower())
    if not match:
        raise ArgumentError(
            f"'{text}' is not a grace window. Write minutes or hours, like grace 90m or grace 3h"
        )
    minutes = int(match[1]) * (60 if (match[2] or "m").startswith("h") else 1)
    if not 0 <= minutes <= MAX_GRACE_MINUTES:
        raise ArgumentError("The grace window can be from 0 minutes to 24 hours, like grace 2h")
    return minutes


def parse_schedule_spec(text: str, default_timezone: str) -> ScheduleSpec:
    """Raise ArgumentError with what to type instead when something cannot be read."""
    tokens = [token for token in re.split(r"[\s,]+", text.strip()) if token]
    at: time | None = None
    timezone: str | None = None
    days: set[str] = set()
    categories: list[str] = []
    grace = DEFAULT_GRACE_MINUTES
    index = 0
    while index < len(tokens):
        token = tokens[index]
        word = token.lower().rstrip(".;")
        following = tokens[index + 1].lower() if index + 1 < len(tokens) else ""
        index += 1
        if word in _FILLER:
            continue
        if word == "every":
            if following in ("day", "days"):
                days.update(DAY_NAMES)
                index += 1
            continue
        if word.startswith("grace"):
            value = word.partition("=")[2] or word.removeprefix("grace")
            if not value:
                if not following:
                    raise ArgumentError("Say how long the grace window is, like grace 2h")
                value, index = following, index + 1
            grace = parse_grace(value)
            continue
        if following in _MERIDIEM and re.fullmatch(r"\d{1,2}(:\d{2})?", word):
            at, index = parse_time(word + following), index + 1
            continue
        if re.fullmatch(r"\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.)?", word):
            at = parse_time(word)
            continue
        if ("/" in token and not _is_days(word)) or word == "utc" or word in ZONE_ABBREVIATIONS:
            timezone = parse_timezone(token)  # an abbreviation (EST) is explained with the zone to use
            continue
        category = normalise_category(word)
        if category is not None:
            if category not in categories:
                categories.append(category)
            continue
        try:
            days.update(parse_days(word))
            continue
        except DaysError:
            pass
        raise ArgumentError(
            f"I could not read '{token}'. Write a time, days, a timezone and categories, like `{EXAMPLE}` "
            f"(categories: {category_help()})"
        )
    if at is None:
        raise ArgumentError(f"Say what time to post, like `{EXAMPLE}`")
    ordered_days = tuple(day for day in DAY_NAMES if day in days) or DAY_NAMES
    return ScheduleSpec(at, timezone or default_timezone, ordered_days, tuple(categories), grace)
