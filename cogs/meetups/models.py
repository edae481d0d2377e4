"""What a meetup and one of its meetings are, as the rest of the cog sees them (rows made whole)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from .recurrence import Recurrence, localize

ANSWERS = ("going", "maybe", "cant")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat()


@dataclass
class Meetup:
    id: int
    community_id: int
    title: str
    description: str
    place: str
    zone: ZoneInfo
    first_start: datetime  # aware, in `zone`
    duration: timedelta
    capacity: int
    recurrence: Recurrence | None
    cutoff: timedelta
    organiser: str  # "platform:user_id" of whoever created it
    origin: dict | None  # the public place it was created in, announced there too
    status: str
    sequence: int

    @classmethod
    def from_row(cls, row) -> Meetup:
        zone = ZoneInfo(row["zone"])
        return cls(
            id=row["id"],
            community_id=row["community_id"],
            title=row["title"],
            description=row["description"],
            place=row["place"],
            zone=zone,
            first_start=localize(datetime.fromisoformat(row["first_local"]), zone),
            duration=timedelta(minutes=row["duration_min"]),
            capacity=row["capacity"],
            recurrence=Recurrence.from_dict(json.loads(row["recurrence"])) if row["recurrence"] else None,
            cutoff=timedelta(minutes=row["cutoff_min"]),
            organiser=row["organiser"],
            origin=json.loads(row["origin"]) if row["origin"] else None,
            status=row["status"],
            sequence=row["sequence"],
        )

    def rule_starts(
        self, *, after: datetime | None = None, before: datetime | None = None, limit: int | None = None
    ) -> list[datetime]:
        """Starts the rule gives (in `zone`), ignoring cancellations and moves."""
        if self.recurrence is None:
            in_window = (after is None or self.first_start > after) and (
                before is None or self.first_start < before
            )
            return [self.first_start] if in_window else []
        return self.recurrence.occurrences(self.first_start, after=after, before=before, limit=limit)

    def is_rule_start(self, moment: datetime) -> bool:
        found = self.rule_starts(after=moment - timedelta(seconds=1), limit=1)
        return bool(found) and found[0] == moment


@dataclass
class Meeting:
    """One meeting of a meetup, with any per-occurrence changes applied."""

    meetup: Meetup
    rule_start: datetime
    start: datetime  # aware in the meetup zone
    duration: timedelta
    place: str
    note: str
    cancelled: bool
    id: int | None = None
    sequence: int = 0

    @property
    def key(self) -> str:
        return f"{self.meetup.id}:{int(self.rule_start.timestamp())}"

    @property
    def rsvp_closes(self) -> datetime:
        return self.start - self.meetup.cutoff

    @property
    def moved(self) -> bool:
        return self.start != self.rule_start


@dataclass
class RsvpResult:
    answer: str  # what the member now has: going | waitlist | maybe | cant
    previous: str | None
    position: int | None  # place on the waitlist (1 = next in), when waitlisted
    promoted: list[int]  # member ids moved from the waitlist into seats
    going: int
    capacity: int
