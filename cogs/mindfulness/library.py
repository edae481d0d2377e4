"""The prompt model, the categories, and the built-in library shipped in data/prompts.toml.

Pure code: no database, no bot. The cog stores community prompts in SQLite; this module says what a
valid prompt is and loads the built-in ones.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

DATA_FILE = Path(__file__).with_name("data") / "prompts.toml"

# Slug -> label shown to people. The order is the order of menus and lists.
CATEGORIES: dict[str, str] = {
    "breathing": "Breathing",
    "grounding": "Grounding",
    "body-scan": "Body scan",
    "urge-surfing": "Urge surfing",
    "gratitude": "Gratitude",
    "self-compassion": "Self-compassion",
    "resilience": "Resilience",
    "connection": "Connection and trust",
    "movement": "Movement and stretching",
    "sleep": "Sleep and rest",
}

# Other words people type for a category (matched after lowercasing and squeezing spaces/dashes).
_CATEGORY_ALIASES = {
    "breath": "breathing",
    "breathe": "breathing",
    "ground": "grounding",
    "54321": "grounding",
    "bodyscan": "body-scan",
    "body": "body-scan",
    "scan": "body-scan",
    "urge": "urge-surfing",
    "urges": "urge-surfing",
    "craving": "urge-surfing",
    "cravings": "urge-surfing",
    "surfing": "urge-surfing",
    "thanks": "gratitude",
    "grateful": "gratitude",
    "compassion": "self-compassion",
    "kindness": "self-compassion",
    "strength": "resilience",
    "trust": "connection",
    "connectionandtrust": "connection",
    "stretch": "movement",
    "stretching": "movement",
    "move": "movement",
    "movementandstretching": "movement",
    "rest": "sleep",
    "sleepandrest": "sleep",
}

TITLE_MAX = 80
TEXT_MIN = 10
TEXT_MAX = 1500
FOLLOW_UP_MAX = 300
DURATION_MAX = 60
ID_MAX = 60
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Prompt:
    """One prompt. `id` is a stable slug; `origin` is "builtin", "custom", "import" or "suggestion"."""

    id: str
    category: str
    title: str
    text: str
    follow_up: str | None = None
    duration: int | None = None
    retired: bool = False
    origin: str = "builtin"
    credit: str | None = None  # display name of a member whose suggestion this was (shown if enabled)

    def with_changes(self, **changes) -> Prompt:
        return replace(self, **changes)


def _squeeze(text: str) -> str:
    return re.sub(r"[\s_\-]+", "", text.strip().lower())


def normalise_category(text: str) -> str | None:
    """The category slug for what someone typed ("Body scan", "urges", "sleep-and-rest"), or None."""
    squeezed = _squeeze(text)
    if not squeezed:
        return None
    for slug, label in CATEGORIES.items():
        if squeezed in (_squeeze(slug), _squeeze(label)):
            return slug
    return _CATEGORY_ALIASES.get(squeezed)


def category_label(slug: str) -> str:
    return CATEGORIES.get(slug, slug)


def category_help() -> str:
    """The list of categories, as shown in error messages."""
    return ", ".join(CATEGORIES)


def slugify(text: str, max_length: int = ID_MAX) -> str:
    """A stable id from a title: "Box breathing!" -> "box-breathing"."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-") or "prompt"


def unique_slug(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`... whichever is not taken yet."""
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def reflow(text: str) -> str:
    """Join hard-wrapped lines into paragraphs (Discord shows every newline; the data file wraps at 100)."""
    paragraphs = re.split(r"\n\s*\n", text.strip())
    return "\n\n".join(" ".join(line.strip() for line in paragraph.splitlines()) for paragraph in paragraphs)


def load_prompts_file(path: Path) -> list[Prompt]:
    with path.open("rb") as handle:
        entries = tomllib.load(handle)["prompts"]
    return [
        Prompt(
            id=entry["id"],
            category=entry["category"],
            title=entry["title"],
            text=reflow(entry["text"]),
            follow_up=entry.get("follow_up"),
            duration=entry.get("duration"),
        )
        for entry in entries
    ]


@lru_cache(maxsize=1)
def builtin_prompts() -> tuple[Prompt, ...]:
    """The built-in library (read once per process)."""
    return tuple(load_prompts_file(DATA_FILE))
