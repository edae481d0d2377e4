"""When a schedule falls due: every day (or chosen days) at a local time, every few minutes, or once.

Each spec answers two questions for the scheduler, both asked with the bot's clock's "now": its most
recent time at or before a moment (what a wake-up or a restart settles), and its next time at or
after one (when the alarm should ring). APScheduler's triggers do the calendar arithmetic (DST).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger


@dataclass(frozen=True)
class Cron:
    """Every matching day at hour:minute local time in `timezone` (DST-correct)."""

    hour: int
    minute: int
    timezone: str
    days: str = "mon,tue,wed,thu,fri,sat,sun"  # day names: APScheduler 3.x numbers Monday as 0

    def trigger(self) -> CronTrigger:
        return _cron_trigger(self.hour, self.minute, self.timezone, self.days)

    def to_json(self) -> dict:
        return {"hour": self.hour, "minute": self.minute, "timezone": self.timezone, "days": self.days}


# A CronTrigger keeps no state between calls, so jobs with the same spec share one: building it
# (compiling its fields) was most of the time spent installing thousands of jobs at startup.
@lru_cache(maxsize=4096)
def _cron_trigger(hour: int, minute: int, timezone: str, days: str) -> CronTrigger:
    return CronTrigger(hour=hour, minute=minute, day_of_week=days, timezone=ZoneInfo(timezone))


@dataclass(frozen=True)
class At:
    """Once, at an aware moment."""

    when: datetime

    def to_json(self) -> dict:
        return {"when": self.when.astimezone(UTC).isoformat()}


@dataclass(frozen=True)
class Every:
    """Every `minutes` minutes, on the minute boundaries counted from midnight UTC (a sweep that looks
    at what is due, such as the check-ins' per-member times)."""

    minutes: int

    def to_json(self) -> dict:
        return {"minutes": self.minutes}

    def at_or_before(self, moment: datetime) -> datetime:
        step = self.minutes * 60
        seconds = int(moment.timestamp())
        return datetime.fromtimestamp(seconds - seconds % step, UTC)


Spec = Cron | At | Every

KINDS: dict[type, str] = {Cron: "cron", At: "at", Every: "every"}


def spec_from_row(kind: str, spec: str) -> Spec:
    data = json.loads(spec)
    if kind == "cron":
        return Cron(**data)
    if kind == "every":
        return Every(**data)
    return At(datetime.fromisoformat(data["when"]))


def next_at_or_after(spec: Spec, moment: datetime) -> datetime | None:
    """The spec's first time at or after `moment` (None for a one-shot already past)."""
    if isinstance(spec, At):
        return spec.when if spec.when >= moment else None
    if isinstance(spec, Every):
        last = spec.at_or_before(moment)
        return last if last >= moment else last + timedelta(minutes=spec.minutes)
    return spec.trigger().get_next_fire_time(None, moment)


def latest_at_or_before(spec: Spec, now: datetime) -> datetime | None:
    """The spec's most recent time at or before now (within the last eight days, for a Cron)."""
    if isinstance(spec, At):
        return spec.when if spec.when <= now else None
    if isinstance(spec, Every):
        return spec.at_or_before(now)
    # Walk forward day by day from eight days back: one week covers every weekly day pattern.
    trigger = spec.trigger()
    last, moment = None, trigger.get_next_fire_time(None, now - timedelta(days=8))
    while moment is not None and moment <= now:
        last = moment
        # Step in UTC: wall-clock arithmetic stalls forever on the hour repeated when DST ends.
        moment = trigger.get_next_fire_time(moment, moment.astimezone(UTC) + timedelta(seconds=1))
    return last
