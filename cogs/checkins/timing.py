"""When a member's check-in is due: their local time and days, pauses and quiet hours, across DST.

All of it is pure: the cog stores the result (`next_due_utc`, indexed) and one sweep a minute sends what
is due, instead of keeping one scheduler job per member.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from cogs.checkins.streaks import ALL_WEEKDAYS

LOOKAHEAD_DAYS = 15  # a schedule always has a day within a week; pauses are handled before the loop


@dataclass(frozen=True)
class QuietHours:
    """A daily window, possibly across midnight, in which nothing scheduled is sent."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        if self.start == self.end:
            return False
        if self.start < self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def describe(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


def parse_quiet_hours(text: str) -> QuietHours | None:
    """'22:00-07:00' -> QuietHours; 'off' -> None."""
    text = text.strip().lower()
    if text in {"off", "none", "no"}:
        return None
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*-\s*(\d{1,2})(?::(\d{2}))?", text)
    if not match:
        raise ValueError("quiet hours look like 22:00-07:00")
    h1, m1, h2, m2 = (int(g or 0) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError("quiet hours look like 22:00-07:00")
    return QuietHours(time(h1, m1), time(h2, m2))


def at_local(day: date, moment: time, zone: ZoneInfo) -> datetime:
    """The UTC instant of a wall-clock time on a day. A time skipped by DST (02:30 on the spring
    change) comes out an hour later, as APScheduler does; a repeated one (autumn) is the first."""
    naive = datetime.combine(day, moment)
    return naive.replace(tzinfo=zone).astimezone(UTC)


@dataclass(frozen=True)
class CheckinSchedule:
    local_time: time
    timezone: str
    weekdays: frozenset[int] = ALL_WEEKDAYS
    paused_until: date | None = None  # check-ins come back on this local date
    quiet: QuietHours | None = None
    zone: ZoneInfo = field(init=False, compare=False, repr=False)

    def __post_init__(self):
        object.__setattr__(self, "zone", ZoneInfo(self.timezone))


@dataclass(frozen=True)
class CheckinDue:
    day: date  # the member's local date the check-in belongs to
    at: datetime  # aware UTC


def next_due(schedule: CheckinSchedule, after: datetime) -> CheckinDue | None:
    """The first check-in strictly after `after` (aware), or None if the schedule has no days."""
    if not schedule.weekdays:
        return None
    local_day = after.astimezone(schedule.zone).date()
    if schedule.paused_until and schedule.paused_until > local_day:
        local_day = schedule.paused_until
    for offset in range(LOOKAHEAD_DAYS):
        day = local_day + timedelta(days=offset)
        if day.weekday() not in schedule.weekdays:
            continue
        moment = _out_of_quiet(schedule, at_local(day, schedule.local_time, schedule.zone))
        if moment > after:
            return CheckinDue(day, moment)
    return None


def _out_of_quiet(schedule: CheckinSchedule, moment: datetime) -> datetime:
    """Moves a moment inside the member's quiet hours to the end of them."""
    quiet = schedule.quiet
    if quiet is None:
        return moment
    local = moment.astimezone(schedule.zone)
    if not quiet.contains(local.time()):
        return moment
    end_day = local.date() if local.time() < quiet.end else local.date() + timedelta(days=1)
    return at_local(end_day, quiet.end, schedule.zone)


def in_quiet_hours(schedule: CheckinSchedule, moment: datetime) -> bool:
    return schedule.quiet is not None and schedule.quiet.contains(moment.astimezone(schedule.zone).time())


def reminder_at(schedule: CheckinSchedule, due: CheckinDue, delay: timedelta) -> datetime | None:
    """When the single gentle reminder for a check-in goes out, or None if it should not.

    No reminder lands in quiet hours or after the check-in's own day is over: one missed day is
    fine and needs no chasing.
    """
    moment = due.at + delay
    local = moment.astimezone(schedule.zone)
    if local.date() != due.day or in_quiet_hours(schedule, moment):
        return None
    return moment
