"""Read a one-line meetup description an organiser types, e.g.

    Alumni coffee, every Thursday 6pm, capacity 10, 90 min, at Cafe Rosa, rsvp closes 2h before

Parts are separated by commas and recognised by their shape, in any order; the first part that is not
a time or a setting is the title. `description: ...` takes the rest of the line (commas included).
Nothing here decides what the time means: that is timeparse's job, once the community zone is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta

from bot.text import neutralize_mentions

DEFAULT_CAPACITY = 12
DEFAULT_DURATION = timedelta(minutes=60)
MAX_CAPACITY = 500
SPEC_EXAMPLE = "`Alumni coffee, every Thursday 6pm, capacity 10, 90 min, at Cafe Rosa`"

_TIME_HINT = re.compile(
    r"\b(?:\d{1,2}(?::\d{2})?\s*[ap]\.?m|\d{1,2}:\d{2}|noon|midnight|today|tomorrow|tonight|every|each"
    r"|weekly|monthly|fortnightly|biweekly|next|mon(?:day)?s?|tue(?:s|sday)?s?|wed(?:nesday)?s?"
    r"|thu(?:rs|rsday)?s?|fri(?:day)?s?|sat(?:urday)?s?|sun(?:day)?s?|\d{4}-\d{2}-\d{2}"
    r"|in\s+(?:\d+|an?|one|half\s+an)\s*(?:hours?|hrs?|h|mins?|minutes?|m|days?|weeks?)(?:\s*(?:and\s+)?\d+\s*(?:mins?|minutes?|m))?)\b",
    re.I,
)
_WHEN_CONTINUATION = re.compile(
    r"^(?:until|till|through|ending|starting|beginning|from\s+\d|for\s+\d+\s+(?:weeks?|months?|times|meetings)"
    r"|\d+\s+(?:times|meetings|sessions))\b",
    re.I,
)
_CAPACITY = re.compile(
    r"^(?:(?:capacity|cap|max|limit|seats|spaces|places)\s*:?\s*(?P<a>\d+)(?:\s+(?:people|seats))?"
    r"|(?P<b>\d+)\s+(?:seats|people|places|spots|spaces|max))$",
    re.I,
)
_DURATION = re.compile(
    r"^(?:(?:duration|length|lasts?|for)\s*:?\s*)?(?:(?P<h>\d+(?:\.\d+)?)\s*(?:h|hrs?|hours?)\s*(?:(?P<hm>\d+)\s*(?:m|mins?|minutes?)?)?"
    r"|(?P<m>\d+)\s*(?:m|mins?|minutes?))(?:\s+long)?$",
    re.I,
)
_CUTOFF = re.compile(
    r"^(?:rsvps?|cut-?off|sign-?ups?)\s*(?:by|closes?|close|ends?)?\s*:?\s*(?P<n>\d+)\s*"
    r"(?P<unit>m|mins?|minutes?|h|hrs?|hours?|d|days?)(?:\s+before(?:\s+start)?)?$",
    re.I,
)
_BARE_HOUR = re.compile(r"^(?:at\s+)?\d{1,2}$", re.I)
_PLACE = re.compile(r"^(?:place|where|location|link|venue|at|in)\s*:?\s+(?P<place>.+)$", re.I)
_TITLE = re.compile(r"^(?:title|name|rename(?:\s+to)?)\s*:?\s+(?P<title>.+)$", re.I)
_URL = re.compile(r"https?://\S+", re.I)
_DESCRIPTION = re.compile(r"(?:^|,\s*)(?:description|desc|about|details)\s*:\s*(?P<text>.*)$", re.I | re.S)


class SpecError(ValueError):
    """A short explanation of what could not be read, with an example of what works."""


@dataclass
class MeetupSpec:
    """What the organiser typed, split into fields (each None when not given)."""

    title: str | None = None
    when_text: str | None = None
    description: str | None = None
    place: str | None = None
    capacity: int | None = None
    duration: timedelta | None = None
    cutoff: timedelta | None = None


def looks_like_time(text: str) -> bool:
    return bool(_TIME_HINT.search(text))


def _unit_delta(number: float, unit: str) -> timedelta:
    unit = unit.lower()
    if unit.startswith("d"):
        return timedelta(days=number)
    if unit.startswith("h"):
        return timedelta(hours=number)
    return timedelta(minutes=number)


def parse_spec(text: str, *, require_title: bool = True) -> MeetupSpec:
    """Split the organiser's line into fields; raises SpecError for a part it cannot place.

    When creating (`require_title`), the first plain part is the name and the next one the place.
    When editing, a plain part is the place; a new name is given as `title: ...`.
    """
    spec = MeetupSpec()
    text = (text or "").strip()
    described = _DESCRIPTION.search(text)
    if described:
        spec.description = described["text"].strip() or None
        text = text[: described.start()]
    parts = [part.strip() for part in re.split(r"\s*[,;\n]\s*", text) if part.strip()]
    for part in parts:
        try:
            _place_part(spec, part, bare_is_title=require_title)
        except SpecError:
            raise
        except (OverflowError, ValueError):  # "rsvp closes 99999999999999d before", "capacity ²"
            raise SpecError(f"`{part[:40]}` has a number far too big; try e.g. {SPEC_EXAMPLE}.") from None
    # Organisers' words are shown to everyone: make room-wide mentions (@everyone, @room) harmless.
    for name in ("title", "description", "place"):
        if getattr(spec, name):
            setattr(spec, name, neutralize_mentions(getattr(spec, name)))
    if require_title and not spec.title:
        raise SpecError(f"Give the meetup a name first, e.g. {SPEC_EXAMPLE}.")
    if spec.title and len(spec.title) > 100:
        raise SpecError(
            "That name is long; keep it under 100 characters and put the rest in "
            "`description: ...` at the end."
        )
    return spec


def _place_part(spec: MeetupSpec, part: str, bare_is_title: bool) -> None:
    if match := _TITLE.match(part):
        spec.title = match["title"].strip()
    elif match := _CAPACITY.match(part):
        capacity = int(match["a"] or match["b"])
        if not 1 <= capacity <= MAX_CAPACITY:
            raise SpecError(f"Capacity must be between 1 and {MAX_CAPACITY}, e.g. `capacity 12`.")
        spec.capacity = capacity
    elif match := _CUTOFF.match(part):
        spec.cutoff = _unit_delta(int(match["n"]), match["unit"])
        if spec.cutoff > timedelta(days=14):
            raise SpecError("RSVPs can close at most 14 days before; try `rsvp closes 2h before`.")
    elif match := _DURATION.match(part):
        if match["m"]:
            duration = timedelta(minutes=int(match["m"]))
        else:
            duration = timedelta(hours=float(match["h"]), minutes=int(match["hm"] or 0))
        if not timedelta(minutes=5) <= duration <= timedelta(hours=12):
            raise SpecError("A meetup lasts between 5 minutes and 12 hours, e.g. `90 min` or `2h`.")
        spec.duration = duration
    elif spec.when_text and (_WHEN_CONTINUATION.match(part) or _BARE_HOUR.match(part)):
        spec.when_text += " " + part
    elif _BARE_HOUR.match(part) and spec.when_text is None:
        spec.when_text = part  # "at 7": a time, whose morning-or-evening question timeparse asks
    elif _URL.search(part) or part.lower() in ("online", "zoom", "video call"):
        spec.place = _PLACE.sub(r"\g<place>", part) if _PLACE.match(part) else part
    elif (match := _PLACE.match(part)) and not looks_like_time(match["place"]) and not looks_like_time(part):
        spec.place = match["place"].strip()
    elif looks_like_time(part) and spec.when_text is None:
        spec.when_text = part
    elif looks_like_time(part) and spec.title is None and bare_is_title:
        # "Weekly check-in, every monday 7pm": the first time-like part was the name after all.
        spec.title, spec.when_text = spec.when_text, part
    elif spec.title is None and bare_is_title:
        spec.title = part
    elif spec.place is None:
        spec.place = part
    else:
        raise SpecError(
            f"I didn't understand `{part}`. Parts are separated by commas, e.g. {SPEC_EXAMPLE}; "
            "put a longer text last as `description: ...`."
        )


def describe_duration(duration: timedelta) -> str:
    minutes = int(duration.total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours and minutes:
        return f"{hours} h {minutes} min"
    return f"{hours} h" if hours else f"{minutes} min"
