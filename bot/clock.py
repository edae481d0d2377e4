"""The one clock. Every decision about what is due, late, skipped or expired reads `bot.clock.now()`.

Production runs on `Clock` (the machine's clock in UTC). Tests run on the test kit's `FrozenClock`
(bot/testing.py), which moves only when the test moves it; the console can run on a `ShiftedClock`,
which a person trying Kindred moves forward to see tomorrow's check-in without waiting for it.

The machine's clock is read in one other place: the scheduler's alarm (bot/alarm.py) has to tell
APScheduler, which only speaks machine time, when to ring. `seconds_until` is that translation: how
long, in real seconds, until this clock reads a moment, or None if it never will on its own (a frozen
clock). A ring decides nothing; the scheduler asks this clock what is due when it wakes.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, timedelta

# For tests and demos of a real `kindred run` process: the bot's clock starts at this moment (ISO 8601
# with a zone) and runs at the machine's pace, so a test that kills and restarts the process decides
# what falls due when, whatever the machine's date (tests/crash/).
CLOCK_START_ENV = "KINDRED_CLOCK_START"


class Clock:
    """The machine's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)

    def seconds_until(self, moment: datetime) -> float | None:
        """Real seconds until this clock reads `moment` (0 if it already has); None: not by itself."""
        return max(0.0, (moment - self.now()).total_seconds())


class ShiftedClock(Clock):
    """The machine's clock moved forward by hand: the console's way to try what is scheduled.

    It only ever moves forward, as real time does: the delivery ledger and every "not before"
    decision assume time does not run backwards."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        if delta < timedelta(0):
            raise ValueError("the clock only moves forward")
        self.offset += delta
        return self.now()


def clock_from_environment(environment: dict[str, str] | None = None, movable: bool = False) -> Clock:
    """The machine's clock (one that can be moved forward by hand if `movable`: the console's), or one
    started at `KINDRED_CLOCK_START` and running at real pace."""
    start = (os.environ if environment is None else environment).get(CLOCK_START_ENV)
    if not start:
        return ShiftedClock() if movable else Clock()
    moment = datetime.fromisoformat(start)
    if moment.tzinfo is None:
        raise ValueError(f"{CLOCK_START_ENV} needs a time zone, as in 2026-11-27T12:00:00+00:00")
    clock = ShiftedClock()
    clock.offset = moment - datetime.now(UTC)
    return clock
