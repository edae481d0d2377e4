"""Typed command parameters: how each kind of argument is read from text and checked.

The same converters serve `!name args` (console, Matrix) and Discord's slash-command options, so a
value is validated the same way whichever platform it came from.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, available_timezones

from bot.days import DaysError, day_number, parse_weekdays
from bot.guards import Guard
from bot.model import UserRef


class ArgumentError(ValueError):
    """A bad argument. The message is shown to the member, so it says what to type instead.

    `near_miss`: the value was plainly meant as this kind of thing ("25:00" as a time, "EST" or
    "Europe/Londn" as a zone) but is wrong; when an optional parameter is skipped, this is the error
    worth showing rather than the next parameter's puzzlement at the same word."""

    def __init__(self, message: str, near_miss: bool = False):
        super().__init__(message)
        self.near_miss = near_miss


class ParamType(StrEnum):
    TEXT = "text"
    WORD = "word"
    INTEGER = "integer"
    CHOICE = "choice"
    TIME = "time"
    DATE = "date"
    DATETIME = "datetime"
    TIMEZONE = "timezone"
    USER = "user"
    COUNTRY = "country"
    DAYS = "days"  # days of the week (bot.days): a frozenset of weekday numbers, Monday 0


@dataclass(frozen=True)
class Param:
    name: str
    type: ParamType = ParamType.TEXT
    help: str = ""
    required: bool = True
    choices: tuple[str, ...] = ()
    min: int | None = None
    max: int | None = None
    max_length: int = 1000
    # Name of a cog method `async (ctx, partial) -> list[str]` offering values (Discord autocomplete).
    autocomplete: str | None = None
    # The value names one object (a meetup): the router loads it and checks who may act on it before
    # the handler runs, which gets it as the argument `guard.into` (bot/guards.py).
    guard: Guard[Any] | None = None

    @property
    def placeholder(self) -> str:
        shown = self.name.upper() if not self.choices else "|".join(self.choices)
        return shown if self.required else f"[{shown}]"


TIME_PATTERN = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm|a\.m\.|p\.m\.)?$", re.IGNORECASE)
# Something typed as a time of day, even a wrong one ("25:00", "7:75pm", "19h").
TIME_LIKE = re.compile(r"^\d{1,2}(?:[:.h]\d*)?\s*(?:[ap]\.?m\.?)?$", re.IGNORECASE)
# Abbreviations people type for a zone. Each names different offsets in different seasons (and some,
# like IST or CST, different places), so they are explained, with the zone to use instead.
ZONE_ABBREVIATIONS = {
    "est": "America/New_York", "edt": "America/New_York", "cst": "America/Chicago", "cdt": "America/Chicago",
    "mst": "America/Denver", "mdt": "America/Denver", "pst": "America/Los_Angeles", "pdt": "America/Los_Angeles",
    "akst": "America/Anchorage", "hst": "Pacific/Honolulu", "gmt": "Europe/London", "bst": "Europe/London",
    "wet": "Europe/Lisbon", "west": "Europe/Lisbon", "cet": "Europe/Paris", "cest": "Europe/Paris",
    "eet": "Europe/Athens", "eest": "Europe/Athens", "msk": "Europe/Moscow", "ist": "Asia/Kolkata",
    "jst": "Asia/Tokyo", "aest": "Australia/Sydney", "aedt": "Australia/Sydney", "acst": "Australia/Adelaide",
    "awst": "Australia/Perth", "nzst": "Pacific/Auckland", "nzdt": "Pacific/Auckland",
}  # fmt: skip
COUNTRY_PATTERN = re.compile(r"^[A-Za-z]{2}$")


@lru_cache(maxsize=1)
def all_timezones() -> tuple[str, ...]:
    return tuple(sorted(name for name in available_timezones() if "/" in name or name == "UTC"))


@lru_cache(maxsize=1)
def timezones_by_lower_name() -> dict[str, str]:
    return {name.lower(): name for name in all_timezones()}


def suggest_timezones(partial: str, limit: int = 25) -> list[str]:
    """Timezones containing what was typed (spaces read as underscores), for autocomplete and hints."""
    needle = partial.strip().lower().replace(" ", "_")
    if not needle:
        return ["UTC", "America/New_York", "America/Chicago", "America/Los_Angeles", "Europe/London"][:limit]
    hits = [name for name in all_timezones() if needle in name.lower()]
    return hits[:limit]


def parse_time(text: str) -> time:
    match = TIME_PATTERN.match(text.strip())
    if not match:
        raise ArgumentError(
            f"'{text}' is not a time of day. Try 08:30, 8:30pm or 20:00",
            near_miss=bool(TIME_LIKE.match(text.strip())),
        )
    hour, minute, meridiem = int(match[1]), int(match[2] or 0), (match[3] or "").lower().replace(".", "")
    if meridiem:
        if not 1 <= hour <= 12:
            raise ArgumentError(
                f"'{text}' is not a time of day. With am/pm the hour is 1-12, like 7:30pm", near_miss=True
            )
        hour = hour % 12 + (12 if meridiem == "pm" else 0)
    if hour > 23 or minute > 59:
        raise ArgumentError(
            f"'{text}' is not a time of day. Use hours 0-23 and minutes 0-59, like 20:00", near_miss=True
        )
    return time(hour, minute)


def zone_problem(text: str) -> str | None:
    """Why `text` is not a zone, with the zone to use, when it is plainly meant as one (an abbreviation
    such as EST, or a near miss such as Europe/Londn); None when it does not look like a zone at all."""
    typed = text.strip()
    abbreviation = ZONE_ABBREVIATIONS.get(typed.lower())
    if abbreviation:
        return (
            f"'{typed}' is a short name that means different hours in different places and seasons, so I "
            f"need the zone's full name. For {typed.upper()} that is usually `{abbreviation}`; type the "
            "one for your city"
        )
    close = difflib.get_close_matches(
        typed.lower().replace(" ", "_"), list(timezones_by_lower_name()), n=1, cutoff=0.75
    )
    if close:
        return f"'{typed}' is not a timezone I know. Did you mean `{timezones_by_lower_name()[close[0]]}`?"
    if "/" in typed:
        partial = suggest_timezones(typed.rsplit("/", 1)[-1], limit=1) or ["Europe/London"]
        return f"'{typed}' is not a timezone I know. Use a name like `{partial[0]}`"
    return None


def parse_timezone(text: str) -> str:
    name = timezones_by_lower_name().get(text.strip().lower().replace(" ", "_"))
    if name:
        return name
    problem = zone_problem(text)
    if problem:
        raise ArgumentError(problem, near_miss=True)
    partial = suggest_timezones(text, limit=1)
    raise ArgumentError(
        f"'{text}' is not a timezone I know. Use a name like `{(partial or ['Europe/London'])[0]}`"
    )


def parse_country(text: str) -> str:
    if not COUNTRY_PATTERN.match(text.strip()):
        raise ArgumentError(f"'{text}' is not a country code. Use two letters, like US, GB or DE")
    return text.strip().upper()


def parse_date(text: str, today: date) -> date:
    word = text.strip().lower()
    if word == "today":
        return today
    if word == "tomorrow":
        return today + timedelta(days=1)
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ArgumentError(
            f"'{text}' is not a date. Use YYYY-MM-DD, like {today + timedelta(days=7)}"
        ) from None


def parse_datetime(text: str, timezone: str, now: datetime) -> datetime:
    """ISO or natural language ("next tuesday 7pm") in the given zone, via dateparser."""
    import dateparser  # imported late: it takes a moment to load and most commands never need it

    zone = ZoneInfo(timezone)
    parsed = dateparser.parse(
        text,
        settings={
            "TIMEZONE": timezone,
            "RETURN_AS_TIMEZONE_AWARE": True,
            "PREFER_DATES_FROM": "future",
            "RELATIVE_BASE": now.astimezone(zone).replace(tzinfo=None),
        },
    )
    if parsed is None:
        raise ArgumentError(
            f"I could not read '{text}' as a date and time. Try 2026-12-03 19:00 or next tuesday 7pm"
        )
    return parsed.astimezone(zone)


# Longer numbers are never a count, an id or a number of days here (and SQLite stops at 19 digits).
MAX_NUMBER_DIGITS = 15


def whole_number(text: str) -> int | None:
    """The whole number `text` spells, or None. Only decimal digits count ("²" is a digit to
    `str.isdigit` but not a number to `int`), and at most MAX_NUMBER_DIGITS of them (Python refuses
    to read more than 4,300 and SQLite to store more than 19)."""
    text = text.strip()
    digits = text[1:] if text[:1] in "+-" else text
    if not digits or not digits.isdecimal() or len(digits) > MAX_NUMBER_DIGITS:
        return None
    return int(text)


def convert(param: Param, raw: Any, ctx: Any) -> Any:
    """Turn one raw value (text, or a Discord option value) into the parameter's type."""
    if isinstance(raw, str):
        raw = raw.strip()
        if len(raw) > param.max_length:
            raise ArgumentError(f"{param.name} is too long: keep it under {param.max_length} characters")
    match param.type:
        case ParamType.TEXT | ParamType.WORD:
            text = str(raw)
            if not text:
                raise ArgumentError(f"{param.name} is empty")
            return text
        case ParamType.INTEGER:
            number = raw if isinstance(raw, int) and not isinstance(raw, bool) else whole_number(str(raw))
            if number is None or abs(number) >= 10**MAX_NUMBER_DIGITS:
                shown = str(raw) if len(str(raw)) <= 20 else str(raw)[:20] + "…"
                raise ArgumentError(f"{param.name} must be a whole number such as 3, not '{shown}'")
            if param.min is not None and number < param.min or param.max is not None and number > param.max:
                raise ArgumentError(f"{param.name} must be between {param.min} and {param.max}")
            return number
        case ParamType.CHOICE:
            lowered = {choice.lower(): choice for choice in param.choices}
            if str(raw).lower() in lowered:
                return lowered[str(raw).lower()]
            raise ArgumentError(f"{param.name} must be one of: {', '.join(param.choices)}")
        case ParamType.TIME:
            return parse_time(str(raw))
        case ParamType.TIMEZONE:
            return parse_timezone(str(raw))
        case ParamType.COUNTRY:
            return parse_country(str(raw))
        case ParamType.DAYS:
            try:
                return parse_weekdays(str(raw))
            except DaysError as error:
                near = any(day_number(word) is not None for word in re.split(r"[-,\s/]+", str(raw)))
                raise ArgumentError(str(error), near_miss=near) from None
        case ParamType.DATE:
            return parse_date(str(raw), ctx.local_now().date())
        case ParamType.DATETIME:
            return parse_datetime(str(raw), ctx.community.timezone, ctx.bot.clock.now())
        case ParamType.USER:
            if isinstance(raw, UserRef):
                return raw
            user = ctx.adapter.parse_user(str(raw)) if ctx.adapter is not None else None
            if user is None:
                raise ArgumentError(f"'{raw}' is not a member I can find. Mention them, like @name")
            return user
    raise ArgumentError(f"{param.name}: unsupported parameter type")  # pragma: no cover


def tokenize(text: str) -> list[str]:
    """Split on spaces, keeping "quoted phrases" together. Apostrophes are ordinary letters."""
    tokens: list[str] = []
    current: list[str] = []
    quoted = started = False
    for char in text:
        if char == '"':
            quoted, started = not quoted, True
        elif char.isspace() and not quoted:
            if started:
                tokens.append("".join(current))
            current, started = [], False
        else:
            current.append(char)
            started = True
    if quoted:  # an unclosed quote is just a character (free text often has one)
        return text.split()
    if started:
        tokens.append("".join(current))
    return tokens


REST_OF_LINE = (ParamType.TEXT, ParamType.DAYS)


def parse_arguments(params: list[Param], text: str, ctx: Any) -> dict[str, Any]:
    """Read `!name args` text into typed values.

    Parameters are filled in order; the last TEXT (or DAYS: "mon and wed") parameter takes the rest of
    the line. An optional
    parameter whose value does not fit is skipped, so `!checkin start Europe/London` still works when
    the time is left out (as discord.py's Optional converters do).
    """
    tokens = tokenize(text)
    rest_of_line = _rest_after_tokens(text)
    values: dict[str, Any] = {}
    position = 0
    # Why an optional parameter passed on a word it plainly meant ("25:00" for a time): if no later
    # parameter takes that word either, this is the error to show, not the last one's.
    skipped: dict[int, ArgumentError] = {}
    for index, param in enumerate(params):
        is_last = index == len(params) - 1
        if position >= len(tokens):
            if param.required:
                raise ArgumentError(f"{param.name} is missing")
            values[param.name] = None
            continue
        try:
            if param.type in REST_OF_LINE and is_last:
                values[param.name] = convert(param, rest_of_line(position), ctx)
                position = len(tokens)
                continue
            values[param.name] = convert(param, tokens[position], ctx)
            position += 1
        except ArgumentError as error:
            if position in skipped:
                raise skipped[position] from None
            if param.required or is_last:
                raise
            if error.near_miss:
                skipped[position] = error
            values[param.name] = None
    if position < len(tokens):
        if position in skipped:
            raise skipped[position]
        raise ArgumentError(f"I did not expect '{' '.join(tokens[position:])}' at the end")
    return values


def _rest_after_tokens(text: str):
    """A function giving the original text from the n-th token on, quotes and spacing intact."""

    def rest(n: int) -> str:
        remaining = text.strip()
        for _ in range(n):
            remaining = _drop_first_token(remaining)
        remaining = remaining.strip()
        if len(remaining) >= 2 and remaining[0] == remaining[-1] == '"' and remaining.count('"') == 2:
            remaining = remaining[1:-1]
        return remaining

    return rest


def _drop_first_token(text: str) -> str:
    text = text.lstrip()
    end = text.find('"', 1) if text.startswith('"') else -1
    if end > 0:
        return text[end + 1 :].lstrip()
    parts = text.split(None, 1)
    return parts[1] if len(parts) > 1 else ""
