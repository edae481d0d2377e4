"""Helplines per country (data/helplines.toml) and the choice of one or two for a reply.

Safe-messaging practice: a person in crisis gets one or two resources, not a directory. Which two
depends on what is happening: emergency number first when it may be happening now or the body is in
danger (overdose, medical, violence); the substance-use line when relapse is the worry; a text line
where one exists because many people cannot speak out loud at 3 a.m.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from .lexicon import Category

HELPLINES_PATH = Path(__file__).parent / "data" / "helplines.toml"

_ALIASES = {
    "UK": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "NORTHERN IRELAND": "GB",
    "BRITAIN": "GB",
    "GREAT BRITAIN": "GB",
    "UNITED KINGDOM": "GB",
    "USA": "US",
    "AMERICA": "US",
    "UNITED STATES": "US",
    "UNITED STATES OF AMERICA": "US",
    "CANADA": "CA",
    "AUSTRALIA": "AU",
    "IRELAND": "IE",
    "EIRE": "IE",
    "NEW ZEALAND": "NZ",
    "AOTEAROA": "NZ",
    "GERMANY": "DE",
    "DEUTSCHLAND": "DE",
    "FRANCE": "FR",
    "NETHERLANDS": "NL",
    "HOLLAND": "NL",
    "NEDERLAND": "NL",
    "SPAIN": "ES",
    "ESPANA": "ES",
    "ESPAÑA": "ES",
    "SWEDEN": "SE",
    "SVERIGE": "SE",
    "JAPAN": "JP",
    "INDIA": "IN",
    "SOUTH AFRICA": "ZA",
    "BRAZIL": "BR",
    "BRASIL": "BR",
    "MEXICO": "MX",
    "MÉXICO": "MX",
}


@dataclass(frozen=True)
class Line:
    kind: str  # "emergency", "crisis", "text", "substance"
    name: str
    contact: str
    hours: str = ""

    def markdown(self) -> str:
        if self.kind == "emergency":
            return f"**Emergency: {self.contact}**"
        hours = f" · {self.hours}" if self.hours else ""
        return f"**{self.name}**: {self.contact}{hours}"


@dataclass(frozen=True)
class CountryLines:
    code: str | None
    name: str
    emergency: Line
    crisis: Line | None = None
    text: Line | None = None
    substance: Line | None = None
    others: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    checked: str = ""
    left_out: tuple[str, ...] = field(default=())
    directory: Line = field(kw_only=True)  # always given: the worldwide directory

    @property
    def known(self) -> bool:
        return self.code is not None


def normalize_country(value: str | None) -> str | None:
    """ "gb", "UK", "United Kingdom" -> "GB"; unknown text -> None."""
    if not value:
        return None
    key = value.strip().upper()
    key = _ALIASES.get(key, key)
    return key if key in _table()["countries"] else None


def known_codes() -> list[str]:
    return sorted(_table()["countries"])


@lru_cache(maxsize=1)
def _table() -> dict:
    with HELPLINES_PATH.open("rb") as handle:
        return tomllib.load(handle)


def _line(kind: str, raw: dict | None) -> Line | None:
    if not raw:
        return None
    return Line(kind, raw["name"], raw["contact"], raw.get("hours", ""))


@lru_cache(maxsize=64)
def lines_for(country: str | None) -> CountryLines:
    """The resources for a country code; an unknown or missing country gets the emergency fallback."""
    table = _table()
    fallback = table["fallback"]
    directory = Line(
        "crisis", fallback["directory_name"], fallback["directory_url"], "helplines for every country"
    )
    code = normalize_country(country)
    if code is None:
        return CountryLines(
            None,
            "your country",
            Line("emergency", "Emergency", fallback["emergency_text"]),
            directory=directory,
        )
    raw = table["countries"][code]
    emergency = raw.get("emergency") or fallback["emergency_text"]
    return CountryLines(
        code,
        raw["name"],
        Line("emergency", "Emergency", emergency),
        crisis=_line("crisis", raw.get("crisis_line")),
        text=_line("text", raw.get("text_line")),
        substance=_line("substance", raw.get("substance_line")),
        others=tuple(raw.get("other", ())),
        sources=tuple(raw.get("sources", ())),
        checked=raw.get("checked", ""),
        left_out=tuple(raw.get("left_out", ())),
        directory=directory,
    )


def is_relapse(category: Category | None) -> bool:
    """Relapse, of any kind the detector names ("relapse_danger", "relapse"): the drugs-and-alcohol line."""
    return category is not None and category.value.startswith("relapse")


def pick(country: str | None, category: Category | None, imminent: bool) -> list[Line]:
    """One or two lines for a crisis reply, most urgent first."""
    lines = lines_for(country)
    first_line: Line | None
    second: Line | None
    urgent_body = category in (Category.OVERDOSE, Category.MEDICAL, Category.VIOLENCE_ABUSE)
    relapse = is_relapse(category)
    if imminent and relapse:
        first_line = lines.emergency
        second = lines.substance or lines.crisis or lines.directory
    elif imminent or urgent_body:
        first_line = lines.emergency
        second = lines.crisis or lines.text or lines.directory
    elif relapse:
        first_line = lines.substance or lines.crisis or lines.emergency
        second = lines.text or lines.crisis if first_line is not lines.crisis else lines.text
    else:
        first_line = lines.crisis or lines.emergency
        second = (
            lines.text
            if lines.text and lines.text.contact != (lines.crisis.contact if lines.crisis else "")
            else None
        )
    if not lines.known:
        first_line, second = lines.emergency, lines.directory
    if (
        second is None
        or second == first_line
        or (second.name == first_line.name and first_line.kind != "emergency")
    ):
        second = None if lines.known else lines.directory
    return [line for line in (first_line, second) if line is not None]


def full_card(country: str | None) -> str:
    """Everything known for a country, for `!helpline` (asked for, so a full list is fine)."""
    lines = lines_for(country)
    if not lines.known:
        return (
            f"I don't have checked numbers for that country yet.\n- {lines.emergency.markdown()}\n"
            f"- {lines.directory.markdown()}"
        )
    parts = [f"**Helplines for {lines.name}**", f"- {lines.emergency.markdown()}"]
    for line in (lines.crisis, lines.text, lines.substance):
        if line is not None:
            label = {"crisis": "Talk", "text": "Text", "substance": "Drugs and alcohol"}[line.kind]
            parts.append(f"- {label}: {line.markdown()}")
    parts.extend(f"- {other}" for other in lines.others)
    parts.append(f"- Other countries: {lines.directory.markdown()}")
    if lines.checked:
        parts.append(f"_Checked {lines.checked}; if a number fails, call {lines.emergency.contact}._")
    return "\n".join(parts)


def substance_use_markdown(country: str | None) -> str:
    """The substance-use line (or the crisis line where none was verified), plus the text line."""
    lines = lines_for(country)
    picked = pick(country, Category.RELAPSE, imminent=False)
    bullets = "\n".join(f"- {line.markdown()}" for line in picked)
    if lines.known and lines.substance is None:
        bullets += f"\n- No national drugs and alcohol line was verified for {lines.name}; {lines.directory.markdown()}"
    return bullets
