"""Understand when a meetup starts: "next tuesday 7pm", "2026-12-03 19:00", "every Thursday 6pm".

Times are read in the community's zone unless the text names an IANA zone ("... Europe/Paris").
The structure (recurrence, weekday, time of day, zone) is read here with small patterns so that each
ambiguity can be refused with a clear example; the calendar date itself ("dec 3", "tomorrow",
"2026-12-03") is left to dateparser. Anything ambiguous, past or nonexistent is refused, never guessed.
"""

from __future__ import annotations

import calendar
import functools
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import dateparser
from dateutil.relativedelta import relativedelta

from bot.days import DAY_PATTERN, parse_weekdays
from bot.params import ZONE_ABBREVIATIONS, timezones_by_lower_name, zone_problem

from .recurrence import Recurrence, localize

EXAMPLES = "`next tuesday 7pm`, `2026-12-03 19:00` or `every Thursday 6pm`"

WEEKDAYS = {
    "mon": 0, "monday": 0, "tue": 1, "tues": 1, "tuesday": 1, "wed": 2, "weds": 2, "wednesday": 2,
    "thu": 3, "thur": 3, "thurs": 3, "thursday": 3, "fri": 4, "friday": 4, "sat": 5, "saturday": 5,
    "sun": 6, "sunday": 6,
}  # fmt: skip
WEEKDAY_RE = (
    r"(?P<day>mon(?:day)?|tue(?:sday|s)?|wed(?:nesday|s)?|thu(?:rsday|rs|r)?|fri(?:day)?"
    r"|sat(?:urday)?|sun(?:day)?)s?"
)
ORDINALS = {
    "first": 1, "1st": 1, "second": 2, "2nd": 2, "third": 3, "3rd": 3, "fourth": 4, "4th": 4,
    "fifth": 5, "5th": 5, "last": -1,
}  # fmt: skip
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "other": 2}


class TimeParseError(ValueError):
    """A kind, short explanation of why a time was refused, with an example of what works."""


TOO_BIG = "That has a number far too big for a date or a time"


def _numbers_within_reason(parse):
    """A number too big for a date ("for 99999999 months"), or digits int() cannot read ("²"), is a
    kind TimeParseError like any other refusal, never an OverflowError."""

    @functools.wraps(parse)
    def guarded(*args, **kwargs):
        try:
            return parse(*args, **kwargs)
        except TimeParseError:
            raise
        except (OverflowError, ValueError):
            raise TimeParseError(f"{TOO_BIG}. Try {EXAMPLES}.") from None

    return guarded


@dataclass(frozen=True)
class When:
    """What a start phrase meant: the first meeting (aware, in `zone`) and an optional rule."""

    start: datetime
    zone: ZoneInfo
    recurrence: Recurrence | None = None

    def describe(self) -> str:
        """Show back what was understood, naming the zone (never relies on the viewer's zone)."""
        text = f"{self.start:%A %-d %B %Y at %H:%M} ({self.zone.key})"
        if self.recurrence is not None:
            text += f", then {self.recurrence.describe()}"
        return text


def find_zone(text: str) -> tuple[ZoneInfo | None, str]:
    """Take a named zone out of the text; returns (zone or None, text without it)."""
    zones = timezones_by_lower_name()
    for token in re.findall(r"[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+)+|\b(?:utc|gmt)\b", text, re.I):
        name = zones.get(token.lower())
        if name is None:
            if "/" in token:
                raise TimeParseError(f"{zone_problem(token)}, or leave the zone out to use the community's.")
            continue
        return ZoneInfo(name), re.sub(re.escape(token), " ", text, count=1, flags=re.I)
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in ZONE_ABBREVIATIONS and word != "gmt":
            raise TimeParseError(
                f"{zone_problem(word.upper())}, or leave the zone out to use the community's."
            )
    return None, text


def _cut(text: str, match: re.Match) -> str:
    return (text[: match.start()] + " " + text[match.end() :]).strip()


def find_time_of_day(text: str) -> tuple[time | None, str]:
    """Take the time of day out of the text; refuses a bare hour such as "at 7" (morning or evening?)."""
    patterns = [
        r"(?:\bat\s+)?\b(?P<h>\d{1,2})(?:[:.](?P<m>\d{2}))?\s*(?P<ampm>[ap])\.?m\.?(?![a-z])",
        r"(?:\bat\s+)?\b(?P<word>noon|midday|midnight)\b",
        r"(?:\bat\s+|t)?(?<![\d/.-])(?P<h>\d{1,2})[:h](?P<m>\d{2})(?::\d{2})?(?![\d/])",
    ]
    for index, pattern in enumerate(patterns):
        match = re.search(pattern, text)
        if not match:
            continue
        rest = _cut(text, match)
        if index == 1:
            return (time(0, 0) if match["word"] == "midnight" else time(12, 0)), rest
        hour, minute = int(match["h"]), int(match["m"] or 0)
        if minute > 59:
            raise TimeParseError(f"`{match.group(0).strip()}` is not a time. Try e.g. {EXAMPLES}.")
        if index == 0:
            if not 1 <= hour <= 12:
                raise TimeParseError(
                    f"`{match.group(0).strip()}` mixes 24-hour and am/pm. Write `7pm` or `19:00`."
                )
            hour = hour % 12 + (12 if match["ampm"] == "p" else 0)
        elif hour > 23:
            raise TimeParseError(f"`{match.group(0).strip()}` is not a time. Try `19:00` or `7pm`.")
        return time(hour, minute), rest
    part_of_day = re.search(r"\b(?:in\s+the\s+)?(?P<part>morning|afternoon|evening|tonight|night)\b", text)
    bare = re.search(
        r"(?:\bat\s+|(?<=morning\s)|(?<=evening\s)|(?<=tonight\s)|(?<=afternoon\s))"
        r"(?P<h>\d{1,2})\b(?!\s*(?:st|nd|rd|th)\b)",
        text,
    )
    if bare:
        hour = int(bare["h"])
        if 13 <= hour <= 23 or hour == 0:
            return time(hour, 0), _cut(text, bare)
        if part_of_day and 1 <= hour <= 12:
            # "tonight at 8", "tomorrow evening 7", "saturday morning at 10": the words settle it.
            evening = part_of_day["part"] != "morning"
            rest = (
                _cut(_cut(text, bare), part_of_day) if part_of_day["part"] != "tonight" else _cut(text, bare)
            )
            return time(hour % 12 + (12 if evening else 0), 0), rest
        raise TimeParseError(
            f"Is `at {hour}` in the morning or the evening? Write `{hour}am`, `{hour}pm` or "
            f"`{hour + 12 if hour < 12 else hour}:00`."
        )
    return None, text


_RECUR_MONTHLY = re.compile(
    r"\b(?:(?:every|each)\s+(?:(?P<n>\d+|two|three|six|other)\s+)?months?\s+(?:on\s+)?|monthly\s+(?:on\s+)?"
    r"|(?:every|each)\s+)?(?:on\s+)?(?:the\s+)?(?P<ord>first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\s+"
    + WEEKDAY_RE
    + r"(?:\s+(?:of|in)\s+(?:the|every|each)\s+month)?(?:\s+(?:monthly|every\s+month))?"
)
# One day or a list of them ("Tuesday and Thursday", "mon, wed & fri"), read by the shared bot.days.
DAYS_RE = rf"(?P<days>{DAY_PATTERN}(?:\s*(?:,|\band\b|&|/|\+)\s*{DAY_PATTERN})*)\b"
_RECUR_WEEKLY = re.compile(
    r"\b(?:(?:every|each)\s+(?:(?P<n>\d+|two|three|four|other)\s+)?(?:(?:weeks?)\s+(?:on\s+)?)?"
    r"|(?P<fortnight>fortnightly|biweekly|bi-weekly)\s+(?:on\s+)?|weekly\s+(?:on\s+)?)"
    + DAYS_RE
    + r"(?:\s+(?P<weekly_after>weekly|every\s+week))?"
)
_WEEKLY_AFTER = re.compile(r"(?:\bon\s+|^)" + DAYS_RE + r"\s+(?:weekly|every\s+week)\b")
# "mondays 7pm", "on tuesdays and thursdays at 6": plural days mean every week.
_PLURAL_WEEKDAY = re.compile(
    r"(?:\bon\s+)?\b(?P<days>(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays)"
    r"(?:\s*(?:,|\band\b|&|/)\s*(?:mondays|tuesdays|wednesdays|thursdays|fridays|saturdays|sundays))*)\b"
)
_END_CLAUSES = re.compile(
    r"\b(?:(?P<until_kw>until|till|through|ending)\s+(?P<until>.+?)"
    r"|for\s+(?P<for_n>\d+)\s+(?P<for_unit>weeks?|months?|times|meetings|sessions)"
    r"|(?P<times>\d+)\s+(?:times|meetings|sessions))\s*(?=$|,|\bstarting\b|\bfrom\b|\bbeginning\b)"
)
_START_CLAUSE = re.compile(
    r"\b(?:starting|beginning|from)\s+(?P<date>.+?)\s*(?=$|\buntil\b|\bfor\s+\d|\d+\s+times)"
)


def _number(word: str | None) -> int:
    if word is None:
        return 1
    return int(word) if word.isdecimal() else NUMBER_WORDS[word]


@_numbers_within_reason
def parse_date(text: str, today: date, label: str) -> date:
    """A calendar date from free text ("tomorrow", "dec 3", "2026-12-03", "next tuesday")."""
    text = re.sub(r"^(?:on|the)\s+", "", text.strip(" ,")).strip()
    text = re.sub(
        r"\s+", " ", re.sub(r"\b(?:in\s+the\s+)?(?:morning|afternoon|evening|night)\b", " ", text)
    ).strip()
    if text in ("tonight", "today", ""):
        return today
    weekday = re.fullmatch(r"(?:(?P<which>next|this|coming)\s+)?" + WEEKDAY_RE, text)
    if weekday:
        target = WEEKDAYS[weekday["day"]]
        ahead = (target - today.weekday()) % 7
        if weekday["which"] == "next" and ahead == 0:
            ahead = 7
        return today + timedelta(days=ahead)
    slash = re.search(r"\b(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?\b", text)
    order = "YMD"
    if slash:
        first, second = int(slash[1]), int(slash[2])
        if first <= 12 and second <= 12 and first != second:
            raise TimeParseError(
                f"`{slash.group(0)}` could be day/month or month/day. Write the date as "
                f"`2026-12-03` or `3 Dec`."
            )
        order = "DMY" if first > 12 else "MDY"
    settings = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": datetime.combine(today, time(12, 0)),
        "DATE_ORDER": order,
        "RETURN_AS_TIMEZONE_AWARE": False,
    }
    parsed = dateparser.parse(text, languages=["en"], settings=settings)
    if parsed is None:
        raise TimeParseError(f"I couldn't read `{' '.join(text.split())}` as {label}. Try e.g. {EXAMPLES}.")
    return parsed.date()


def _check_wall_time(naive: datetime, zone: ZoneInfo) -> datetime:
    aware = localize(naive, zone)
    if aware.replace(tzinfo=None) != naive:
        raise TimeParseError(
            f"{naive:%H:%M} does not exist on {naive:%a %-d %b %Y} in {zone.key}: the clocks go "
            f"forward that night. Pick another time, e.g. `{naive:%Y-%m-%d} {aware:%H:%M}`."
        )
    if naive.replace(tzinfo=zone, fold=0).utcoffset() != naive.replace(tzinfo=zone, fold=1).utcoffset():
        raise TimeParseError(
            f"{naive:%H:%M} happens twice on {naive:%a %-d %b %Y} in {zone.key}: the clocks go back "
            f"that night. Pick a time outside that hour, e.g. `{naive:%Y-%m-%d} 19:00`."
        )
    return aware


MONTHS = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
]


def _end_of_month(text: str, today: date) -> date | None:
    """ "until march" means to the end of the next March, not the 27th of it."""
    word = text.strip().lower()
    month = next((i for i, name in enumerate(MONTHS, 1) if word in (name, name[:3])), None)
    if month is None:
        return None
    year = today.year + (1 if month < today.month else 0)
    return date(year, month, calendar.monthrange(year, month)[1])


def _parse_recurrence(text: str) -> tuple[dict | None, str]:
    if re.search(r"\b(?:daily|every\s+day|each\s+day|every\s+(?:\d+\s+)?(?:days|hours?))\b", text):
        raise TimeParseError(
            "Meetups can repeat weekly, every few weeks or monthly, not daily. "
            "Try `every Thursday 6pm` or `first Monday of the month 7pm`."
        )
    match = _RECUR_MONTHLY.search(text)
    if match and (match.group(0).startswith(("every", "each", "monthly")) or "month" in match.group(0)):
        rule = {
            "freq": "monthly",
            "weekday": WEEKDAYS[match["day"]],
            "nth": ORDINALS[match["ord"]],
            "interval": _number(match["n"]),
        }
        return rule, _cut(text, match)
    match = _RECUR_WEEKLY.search(text)
    if match and (
        match.group(0).startswith(("every", "each", "weekly")) or match["fortnight"] or match["weekly_after"]
    ):
        interval = 2 if match["fortnight"] else _number(match["n"])
        return {"freq": "weekly", **_weekdays(match["days"]), "interval": interval}, _cut(text, match)
    match = _WEEKLY_AFTER.search(text) or _PLURAL_WEEKDAY.search(text)
    if match:
        return {"freq": "weekly", **_weekdays(match["days"]), "interval": 1}, _cut(text, match)
    if re.search(r"\b(?:every|each|weekly|monthly|fortnightly)\b", text):
        raise TimeParseError(
            "I couldn't tell how this repeats. Try `every Thursday 6pm`, `every 2 weeks on Tuesday "
            "19:00` or `first Monday of the month 7pm`."
        )
    return None, text


def _weekdays(days_text: str) -> dict:
    """A weekly rule's days, read by the one day-list reader every cog shares."""
    first, *also = sorted(parse_weekdays(days_text))
    return {"weekday": first, "also": tuple(also)}


def _leftover_words(text: str) -> str:
    return re.sub(r"\b(?:at|on|the|of|and|from|starting|s)\b|[,;]", " ", text).strip()


@_numbers_within_reason
def parse_when(text: str, zone: ZoneInfo, now: datetime, default_day: date | None = None) -> When:
    """Read a start phrase in `zone` (unless it names one); `now` is aware. Raises TimeParseError.

    A bare time of day ("7pm") falls on `default_day` when given (moving one meeting), else today.
    """
    if not text or not text.strip():
        raise TimeParseError(f"Tell me when it starts, e.g. {EXAMPLES}.")
    named_zone, rest = find_zone(text)
    zone = named_zone or zone
    rest = " ".join(rest.lower().split())
    today = now.astimezone(zone).date()

    rule, rest = _parse_recurrence(rest)
    until = count = None
    start_date_text = None
    if rule is not None:
        end = _END_CLAUSES.search(rest)
        if end:
            rest = _cut(rest, end)
            if end["until"]:
                until = _end_of_month(end["until"], today) or parse_date(end["until"], today, "an end date")
            elif end["times"]:
                count = int(end["times"])
            elif end["for_unit"].startswith(("time", "meeting", "session")):
                count = int(end["for_n"])
            elif end["for_unit"].startswith("week"):  # every meeting of those weeks, on each of its days
                count = max(1, int(end["for_n"]) // rule["interval"]) * (1 + len(rule.get("also", ())))
            else:  # "for 6 months" of a monthly rule, or of a weekly rule as an end date
                months = int(end["for_n"])
                if rule["freq"] == "monthly":
                    count = max(1, months // rule["interval"])
                else:
                    until = today + timedelta(days=round(months * 30.44))
        begin = _START_CLAUSE.search(rest)
        if begin:
            start_date_text, rest = begin["date"], _cut(rest, begin)

    after = relative_delay(rest) if rule is None else None
    if after is not None:
        start = (now + after).astimezone(zone).replace(second=0, microsecond=0)
        return _checked(When(start, zone), now)
    clock, rest = find_time_of_day(rest)
    if clock is None:
        raise TimeParseError(f"Please add a time of day, e.g. {EXAMPLES}.")

    if rule is not None:
        if _leftover_words(rest):
            raise TimeParseError(f"I didn't understand `{_leftover_words(rest)}`. Try e.g. {EXAMPLES}.")
        try:
            recurrence = Recurrence(until=until, count=count, **rule)
        except ValueError as error:
            raise TimeParseError(f"That repeat rule doesn't work ({error}). Try e.g. {EXAMPLES}.") from None
        base = parse_date(start_date_text, today, "a start date") if start_date_text else today
        day = recurrence.first_on_or_after(base)
        if localize(datetime.combine(day, clock), zone) <= now:
            day = recurrence.first_on_or_after(day + timedelta(days=1))
        if until is not None and day > until:
            later = day + timedelta(days=90)
            raise TimeParseError(
                f"The series would end ({until:%d %b %Y}) before its first meeting ({day:%d %b %Y}). "
                f"Give a later end date, e.g. `until {later:%Y-%m-%d}`."
            )
        start = _check_wall_time(datetime.combine(day, clock), zone)
        return _checked(When(start, zone, recurrence), now)

    day = parse_date(rest, today, "a date") if _leftover_words(rest) else (default_day or today)
    start = _check_wall_time(datetime.combine(day, clock), zone)
    return _checked(When(start, zone), now)


_RELATIVE = re.compile(
    r"(?:starting\s+|starts\s+)?in\s+(?:(?P<half>half\s+an\s+hour)|(?P<h>\d+|an?|one)\s*(?:hours?|hrs?|h)"
    r"(?:\s*(?:and\s+)?(?P<hm>\d+)\s*(?:minutes?|mins?|m))?|(?P<m>\d+)\s*(?:minutes?|mins?|m))"
)


def relative_delay(text: str) -> timedelta | None:
    """ "in 2 hours", "in 45 minutes", "in an hour", "in 1 hour 30 minutes", "in half an hour" -> how long
    from now; None when the text is not (only) such a phrase."""
    match = _RELATIVE.fullmatch(" ".join(text.lower().split()))
    if match is None:
        return None
    if match["half"]:
        return timedelta(minutes=30)
    if match["m"]:
        return timedelta(minutes=int(match["m"]))
    hours = 1 if match["h"] in ("a", "an", "one") else int(match["h"])
    return timedelta(hours=hours, minutes=int(match["hm"] or 0))


def is_time_only(text: str) -> bool:
    """True for a bare time of day such as "7pm" or "19:30" (no day, no repeat, no zone)."""
    try:
        clock, rest = find_time_of_day(" ".join(text.lower().split()))
    except TimeParseError:
        return False
    return clock is not None and not _leftover_words(rest)


def _checked(when: When, now: datetime) -> When:
    if when.start <= now:
        raise TimeParseError(
            f"{when.start:%a %-d %b %Y %H:%M} ({when.zone.key}) has already passed. Give a time in the "
            f"future, e.g. {EXAMPLES}."
        )
    if when.start > now + relativedelta(years=1):
        raise TimeParseError(
            f"{when.start:%-d %b %Y} is more than a year away. Pick a date within the next year (up to "
            f"{now.astimezone(when.zone) + relativedelta(years=1):%-d %b %Y}), e.g. {EXAMPLES}."
        )
    return when
