"""Days of the week for prompt schedules: the shared reading (bot.days) -> the day list APScheduler reads.

Day names, not numbers: APScheduler 3.x counts Monday as 0, unlike crontab, so numbers invite mistakes.
"""

from __future__ import annotations

from bot.days import DAY_NAMES, DaysError, describe_weekdays, parse_weekdays

__all__ = ["DAY_NAMES", "DaysError", "cron_days", "describe_days", "parse_days"]


def parse_days(text: str) -> tuple[str, ...]:
    """ "weekdays", "mon-fri", "mon,wed,fri", "Tuesday Thursday", "every day" -> ordered day names."""
    chosen = parse_weekdays(text)
    return tuple(DAY_NAMES[day] for day in sorted(chosen))


def cron_days(days: tuple[str, ...]) -> str:
    """The APScheduler day_of_week field."""
    return "mon-sun" if days == DAY_NAMES else ",".join(days)


def describe_days(days: tuple[str, ...]) -> str:
    """Plain words for people: "every day", "weekdays", "Tuesday and Thursday", "Mon, Wed, Fri"."""
    return describe_weekdays({DAY_NAMES.index(day) for day in days})
