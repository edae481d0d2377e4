""".ics calendars for meetups: one meetup, a whole series, or a member's "what I'm going to" file.

Built with the icalendar library. Times carry a TZID with a generated VTIMEZONE, so a calendar app
keeps "every Thursday 18:00 Europe/London" at 18:00 across DST; a series is one VEVENT with an RRULE,
cancelled meetings are EXDATEs and moved/edited meetings are overrides with a RECURRENCE-ID.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from .recurrence import UTC, Recurrence

PRODID = "-//Kindred//Meetups//EN"


@dataclass
class IcsEvent:
    """One VEVENT. `start` is aware (ZoneInfo); set `recurrence` for a series."""

    uid: str
    title: str
    start: datetime
    duration: timedelta
    description: str = ""
    location: str = ""
    url: str | None = None
    recurrence: Recurrence | None = None
    exdates: list[datetime] = field(default_factory=list)
    recurrence_id: datetime | None = None
    cancelled: bool = False
    sequence: int = 0


def _vevent(item: IcsEvent, stamp: datetime) -> Event:
    event = Event()
    event.add("uid", item.uid)
    event.add("dtstamp", stamp)
    event.add("summary", item.title)
    event.add("dtstart", item.start)
    event.add("duration", item.duration)
    event.add("sequence", item.sequence)
    if item.description:
        event.add("description", item.description)
    if item.location:
        event.add("location", item.location)
    if item.url:
        event.add("url", item.url)
    if item.recurrence is not None:
        rule = item.recurrence.to_rrule(
            cast(ZoneInfo, item.start.tzinfo), item.start.timetz().replace(tzinfo=None)
        )
        event.add("rrule", _rrule_dict(rule))
    for excluded in item.exdates:
        event.add("exdate", excluded)
    if item.recurrence_id is not None:
        event.add("recurrence-id", item.recurrence_id)
    event.add("status", "CANCELLED" if item.cancelled else "CONFIRMED")
    return event


def _rrule_dict(rule: str) -> dict:
    parts = dict(part.split("=", 1) for part in rule.split(";"))
    result: dict = {}
    for key, value in parts.items():
        if key == "UNTIL":
            result["until"] = datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
        elif key in ("INTERVAL", "COUNT"):
            result[key.lower()] = int(value)
        else:
            result[key.lower()] = value
    return result


def build_calendar(events: list[IcsEvent], *, name: str, stamp: datetime) -> bytes:
    """A complete VCALENDAR (bytes, CRLF lines) with a VTIMEZONE for every zone used."""
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", name)
    for item in events:
        calendar.add_component(_vevent(item, stamp))
    if events:
        first = min(item.start for item in events)
        calendar.add_missing_timezones(
            first_date=(first - timedelta(days=366)).date(),
            last_date=(first + timedelta(days=10 * 366)).date(),
        )
    return calendar.to_ical()


def ics_filename(title: str) -> str:
    """A safe file name for a calendar about `title`."""
    slug = "".join(ch.lower() if ch.isalnum() else "-" for ch in title).strip("-")
    while "--" in slug:
        slug = slug.replace("--", "-")
    return f"{slug[:40] or 'meetup'}.ics"
