"""Recurrence rules for meetup series, expanded in local wall-clock time.

A series keeps its local start time across DST changes ("every Thursday 6pm" stays 6pm in the
community's zone), so rules are expanded with dateutil.rrule on naive local datetimes and only then
given the zone. The same rule is written into .ics files as an RFC 5545 RRULE.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil import rrule

from bot.days import describe_weekdays

WEEKDAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ICS_DAYS = ["MO", "TU", "WE", "TH", "FR", "SA", "SU"]
ORDINAL_WORDS = {1: "first", 2: "second", 3: "third", 4: "fourth", 5: "fifth", -1: "last"}
UTC = ZoneInfo("UTC")


def localize(naive: datetime, zone: ZoneInfo) -> datetime:
    """Attach a zone to a local wall time; a time inside a DST gap moves forward by the gap.

    This is what APScheduler's CronTrigger does too, so reminders and listings agree.
    """
    aware = naive.replace(tzinfo=zone, fold=0)
    round_trip = aware.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) != naive:
        # Nonexistent local time: fold=0 used the offset before the change; the UTC instant it names
        # is the wall time after the gap, which is where the meeting actually happens.
        return round_trip
    return aware


@dataclass(frozen=True)
class Recurrence:
    """How a series repeats: weekly (every `interval` weeks) or monthly on the nth weekday.

    `nth` is 1-5 or -1 (last) and only used for monthly rules. At most one of `until` (an inclusive
    local date) and `count` (number of meetings) ends the series; neither means open-ended.
    """

    freq: str  # "weekly" | "monthly"
    weekday: int  # 0 = Monday
    interval: int = 1
    nth: int | None = None
    until: date | None = None
    count: int | None = None
    # More weekdays a weekly rule meets on ("every Tuesday and Thursday": weekday 1, also (3,)).
    also: tuple[int, ...] = ()

    def __post_init__(self) -> None:
        if self.freq not in ("weekly", "monthly"):
            raise ValueError(f"unknown frequency {self.freq!r}")
        if not 0 <= self.weekday <= 6:
            raise ValueError("weekday must be 0-6")
        if self.interval < 1:
            raise ValueError("interval must be at least 1")
        if self.freq == "monthly" and self.nth not in (1, 2, 3, 4, 5, -1):
            raise ValueError("a monthly rule needs nth in 1-5 or -1")
        if self.until is not None and self.count is not None:
            raise ValueError("give an end date or a count, not both")
        if self.count is not None and self.count < 1:
            raise ValueError("count must be at least 1")
        if self.also and (self.freq != "weekly" or not all(0 <= d <= 6 for d in self.also)):
            raise ValueError("only a weekly rule meets on several weekdays")

    @property
    def weekdays(self) -> tuple[int, ...]:
        """Every weekday the rule meets on, Monday first."""
        return tuple(sorted({self.weekday, *self.also}))

    # -- text ---------------------------------------------------------------------------------------
    def describe(self) -> str:
        """Plain-English summary, e.g. "every 2 weeks on Thursday, 8 times"."""
        day = WEEKDAY_NAMES[self.weekday]
        if self.freq == "weekly":
            days = describe_weekdays(set(self.weekdays))
            text = f"every {days}" if self.interval == 1 else f"every {self.interval} weeks on {days}"
        else:
            every = "every month" if self.interval == 1 else f"every {self.interval} months"
            assert self.nth is not None  # a monthly rule always names its week
            text = f"{every} on the {ORDINAL_WORDS[self.nth]} {day}"
        if self.count is not None:
            text += ", once" if self.count == 1 else f", {self.count} times"
        elif self.until is not None:
            text += f", until {self.until:%a %d %b %Y}"
        return text

    def to_rrule(self, zone: ZoneInfo, local_start_time: time) -> str:
        """RFC 5545 RRULE value (without the "RRULE:" prefix).

        UNTIL is written in UTC, as the RFC requires when DTSTART carries a TZID; it is the last
        meeting's start on the until-date, so calendar apps include that day's meeting.
        """
        parts = [f"FREQ={self.freq.upper()}"]
        if self.interval != 1:
            parts.append(f"INTERVAL={self.interval}")
        if self.freq == "weekly":
            parts.append(f"BYDAY={','.join(ICS_DAYS[day] for day in self.weekdays)}")
        else:
            parts.append(f"BYDAY={self.nth}{ICS_DAYS[self.weekday]}")
        if self.count is not None:
            parts.append(f"COUNT={self.count}")
        elif self.until is not None:
            last = localize(datetime.combine(self.until, local_start_time), zone).astimezone(UTC)
            parts.append(f"UNTIL={last:%Y%m%dT%H%M%SZ}")
        return ";".join(parts)

    # -- storage ------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {
            "freq": self.freq,
            "weekday": self.weekday,
            "interval": self.interval,
            "nth": self.nth,
            "until": self.until.isoformat() if self.until else None,
            "count": self.count,
            **({"also": list(self.also)} if self.also else {}),
        }

    @classmethod
    def from_dict(cls, data: dict) -> Recurrence:
        until = data.get("until")
        return cls(
            freq=data["freq"],
            weekday=int(data["weekday"]),
            interval=int(data.get("interval") or 1),
            nth=data.get("nth"),
            until=date.fromisoformat(until) if until else None,
            count=data.get("count"),
            also=tuple(data.get("also") or ()),
        )

    # -- expansion ----------------------------------------------------------------------------------
    def _rule(self, local_start: datetime) -> rrule.rrule:
        if self.freq == "weekly":
            freq, byweekday = rrule.WEEKLY, [rrule.weekday(day) for day in self.weekdays]
        else:
            freq, byweekday = rrule.MONTHLY, rrule.weekday(self.weekday)(self.nth)
        until = datetime.combine(self.until, time(23, 59, 59)) if self.until else None
        return rrule.rrule(
            freq,
            dtstart=local_start,
            interval=self.interval,
            byweekday=byweekday,
            count=self.count,
            until=until,
            cache=False,
        )

    def occurrences(
        self,
        first_start: datetime,
        *,
        after: datetime | None = None,
        before: datetime | None = None,
        limit: int | None = None,
    ) -> list[datetime]:
        """Meeting starts (aware, in the series' zone), oldest first.

        `first_start` is the series' first meeting, aware in the community zone. `after` (exclusive)
        and `before` (exclusive) are aware instants of any zone; `limit` caps the result.
        """
        zone = first_start.tzinfo
        assert isinstance(zone, ZoneInfo), "first_start must carry a ZoneInfo"
        local_first = first_start.replace(tzinfo=None)
        rule = self._rule(local_first)
        # Filter in local naive time first (cheap), then confirm on the aware instants: a DST change
        # can move an occurrence across the boundary by at most a few hours.
        slack = timedelta(days=1)
        start_from = (after.astimezone(zone).replace(tzinfo=None) - slack) if after else local_first
        results: list[datetime] = []
        for naive in rule.xafter(max(start_from, local_first), inc=True):
            aware = localize(naive, zone)
            if before is not None and aware >= before:
                if naive > before.astimezone(zone).replace(tzinfo=None) + slack:
                    break
                continue
            if after is not None and aware <= after:
                continue
            results.append(aware)
            if limit is not None and len(results) >= limit:
                break
        return results

    def first_on_or_after(self, local_day: date) -> date:
        """The first date on or after `local_day` that this rule can start on."""
        if self.freq == "weekly":
            return local_day + timedelta(days=min((day - local_day.weekday()) % 7 for day in self.weekdays))
        year, month = local_day.year, local_day.month
        assert self.nth is not None  # a monthly rule always names its week
        for _ in range(24):
            candidate = nth_weekday_of_month(year, month, self.weekday, self.nth)
            if candidate is not None and candidate >= local_day:
                return candidate
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        raise ValueError("no matching day found within two years")


def nth_weekday_of_month(year: int, month: int, weekday: int, nth: int) -> date | None:
    """The nth (1-5, or -1 for last) given weekday of a month, or None if it has no such day."""
    days = [
        date(year, month, day)
        for day in range(1, calendar.monthrange(year, month)[1] + 1)
        if date(year, month, day).weekday() == weekday
    ]
    if nth == -1:
        return days[-1]
    return days[nth - 1] if nth <= len(days) else None
