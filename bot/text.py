"""Markdown helpers shared by cogs and adapters.

Cogs write Markdown. Times are written in Discord's timestamp syntax (`<t:UNIX:STYLE>`), the neutral
form here: Discord shows it in each viewer's own time, other adapters render it with the zone named.
"""

from __future__ import annotations

import difflib
import re
from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

TIMESTAMP = re.compile(r"<t:(-?\d+)(?::([tTdDfFR]))?>")
# Words that notify a whole room on some platform; rendered harmless wherever members' text is shown.
MASS_MENTIONS = re.compile(r"@(everyone|here|room|channel)\b", re.IGNORECASE)
ZERO_WIDTH_SPACE = "\u200b"


def timestamp(moment: datetime, style: str = "F") -> str:
    """A moment every viewer sees in their own time where the platform can (style F, R, t, d...)."""
    return f"<t:{int(moment.timestamp())}:{style}>"


def render_timestamps(text: str, timezone: str, now: datetime) -> str:
    """Replace `<t:...>` with a readable local time naming the zone, for platforms without them."""
    zone = ZoneInfo(timezone)

    def render(match: re.Match) -> str:
        moment = datetime.fromtimestamp(int(match[1]), zone)
        style = match[2] or "f"
        if style == "R":
            return _relative(moment, now.astimezone(zone))
        if style in "tT":
            return moment.strftime("%H:%M %Z")
        if style in "dD":
            return moment.strftime("%a %d %b %Y")
        return moment.strftime("%a %d %b %Y, %H:%M %Z")

    return TIMESTAMP.sub(render, text)


def _relative(moment: datetime, now: datetime) -> str:
    seconds = int((moment - now).total_seconds())
    future = seconds >= 0
    seconds = abs(seconds)
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = seconds // size
            phrase = plural(count, unit)
            return f"in {phrase}" if future else f"{phrase} ago"
    return "now"


def neutralize_mentions(text: str) -> str:
    """Keep `@everyone`, `@here` and `@room` readable but unable to notify anyone."""
    return MASS_MENTIONS.sub(lambda m: f"@{ZERO_WIDTH_SPACE}{m[1]}", text)


def retarget_commands(text: str, names: set[str] | frozenset[str], prefix: str) -> str:
    """`!checkin start` written as members type commands on a platform (`/checkin start` on Discord).

    Only names of real commands change, so "!!!" and "wow!" stay as they were."""
    if prefix == "!" or not names or "!" not in text:
        return text
    return _hint_pattern(frozenset(names)).sub(prefix.replace("\\", "\\\\"), text)


@lru_cache(maxsize=8)
def _hint_pattern(names: frozenset[str]) -> re.Pattern[str]:
    # "!name" as a hint: not inside a word, a URL or "!!!", and not followed by more of a name. One
    # pattern naming the real commands: a Python call per hint took a third of a millisecond on the
    # 8-9k character help, on every /help.
    alternatives = "|".join(sorted(map(re.escape, names), key=len, reverse=True))
    # The "!" comes first so the engine can skip to each "!"; the look-behind then checks the character
    # before it. Only the "!" is matched (the name is looked ahead at), so the replacement is the plain
    # prefix: a replacement naming a group (`/\1`) is expanded by Python code per hint on 3.11, which
    # took three quarters of the time on the help text.
    return re.compile(rf"!(?<![\w!/]!)(?=(?:{alternatives})(?![\w-]))")


# Characters that are markup in Markdown on some platform (links, emphasis, code, quotes, headings).
MARKDOWN_SPECIAL = re.compile(r"([\\`*_~|>#\[\]()<])")
# What makes a name a link in some client: a scheme, or a dot between a name and a domain ending.
LINK_SCHEME = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*):(?=//)")
DOMAIN_DOT = re.compile(r"(?<=[\w-])\.(?=[a-z]{2,}\b)", re.IGNORECASE)
ONE_DOT_LEADER = "\u2024"  # looks like "." but no client reads "evil\u2024com" as an address


# Markup only at the start of a line: lists ("- ", "1. "), setext headings ("===", "---"), indented code.
LINE_MARKUP = re.compile(r"(?m)^[ \t]*([-+=]|\d+(?=[.)]))")


def escape_markdown(text: str) -> str:
    """Member text shown literally on every platform: `[x](https://...)` is never a link, `**` never bold."""
    # Markdown ends a line at \r as at \n; the line rules below see only \n ("0\r=" is a heading).
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = MARKDOWN_SPECIAL.sub(r"\\\1", text)
    return LINE_MARKUP.sub(lambda m: "\\" + m[1] if not m[1].isdigit() else m[1] + "\\", text)


def unescape_markdown(text: str) -> str:
    """For plain-text surfaces (the console), where an escape would only show as a backslash."""
    return re.sub(r"\\([\\`*_~|>#\[\]()<+=.-])", r"\1", text)


def quote_member_text(text: str, limit: int = 500, markdown: bool = False) -> str:
    """Text a member or moderator wrote, safe to show: no mass mentions, bounded, and (unless `markdown`,
    for the prompt library's own formatting) its markup escaped, so it cannot fake links or headings."""
    text = neutralize_mentions(text.strip())
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text if markdown else escape_markdown(text)


def quote_member_name(name: str | None, limit: int = 80) -> str:
    """A member's display name, shown to others: quoted as member text, and never a live link
    ("Kindred safety team: verify https://evil.example" loses its scheme and its dots)."""
    name = LINK_SCHEME.sub(lambda m: m[1] + "\uff1a", name or "")  # "https：//": a fullwidth colon
    return quote_member_text(DOMAIN_DOT.sub(ONE_DOT_LEADER, name), limit)


# The one way counts are written ("1 seat", "2 seats", "0 people"). Kindred's own words are a short,
# fixed list, so a table of the irregular ones serves; inflect (which knows every English noun) was
# tried and set aside: importing it took 2.8 s on these machines and each call 30 µs (typeguard checks).
IRREGULAR_PLURALS = {"person": "people", "this": "these", "is": "are", "was": "were", "has": "have"}


def plural_of(count: int, word: str, plural_word: str | None = None) -> str:
    """The word alone, in the form a count of `count` needs: seat / seats, person / people."""
    if count == 1:
        return word
    return plural_word or IRREGULAR_PLURALS.get(word) or word + "s"


def plural(count: int, word: str, plural_word: str | None = None) -> str:
    """A count and its word: "1 seat", "0 seats", "2 people"."""
    return f"{count} {plural_of(count, word, plural_word)}"


def nearest(typed: str, candidates: list[str] | set[str]) -> str | None:
    """The candidate `typed` most likely misspells ("strat" -> "start", not "stats"), or None.

    Typos are mostly one swapped, missing, extra or wrong letter, so the measure is the edit distance
    with swaps counted once (optimal string alignment); difflib's ratio breaks ties."""
    typed = typed.lower()
    allowed = max(1, len(typed) // 3)
    scored = [
        (_edits(typed, c.lower()), -difflib.SequenceMatcher(None, typed, c.lower()).ratio(), c)
        for c in candidates
    ]
    best = min(scored, default=None)
    return best[2] if best is not None and best[0] <= allowed else None


def _edits(a: str, b: str) -> int:
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[len(b)]
