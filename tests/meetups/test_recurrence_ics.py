"""Series expansion in local time, and .ics files that calendar apps read back the same way."""

import itertools
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr
from icalendar import Calendar

from cogs.meetups.ics import IcsEvent, build_calendar, ics_filename
from cogs.meetups.recurrence import Recurrence, localize, nth_weekday_of_month

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
STAMP = datetime(2026, 11, 27, 18, 0, tzinfo=ZoneInfo("UTC"))


def test_weekly_series_keeps_local_time_over_both_dst_changes():
    first = datetime(2027, 3, 4, 18, 0, tzinfo=LONDON)
    starts = Recurrence("weekly", 3).occurrences(first, limit=40)
    assert {s.strftime("%H:%M") for s in starts} == {"18:00"}
    offsets = [s.utcoffset() for s in starts]
    assert offsets[0] == timedelta(0) and timedelta(hours=1) in offsets and offsets[-1] == timedelta(0)
    assert all(
        b - a in (timedelta(days=7), timedelta(days=7, hours=1), timedelta(days=7, hours=-1))
        for a, b in itertools.pairwise(starts)
    )


def test_every_two_weeks_with_count():
    first = datetime(2026, 12, 1, 19, 0, tzinfo=LONDON)
    starts = Recurrence("weekly", 1, interval=2, count=4).occurrences(first)
    assert [s.date() for s in starts] == [
        date(2026, 12, 1),
        date(2026, 12, 15),
        date(2026, 12, 29),
        date(2027, 1, 12),
    ]


def test_monthly_nth_weekday_and_last_weekday():
    first = datetime(2026, 12, 8, 19, 0, tzinfo=LONDON)
    second_tuesdays = Recurrence("monthly", 1, nth=2, count=3).occurrences(first)
    assert [s.date() for s in second_tuesdays] == [date(2026, 12, 8), date(2027, 1, 12), date(2027, 2, 9)]
    last_fridays = Recurrence("monthly", 4, nth=-1, count=3).occurrences(
        datetime(2026, 12, 25, 18, 0, tzinfo=LONDON)
    )
    assert [s.date() for s in last_fridays] == [date(2026, 12, 25), date(2027, 1, 29), date(2027, 2, 26)]
    assert nth_weekday_of_month(2027, 2, 0, 5) is None  # February 2027 has four Mondays


def test_until_is_inclusive_of_the_last_day():
    first = datetime(2026, 12, 3, 18, 0, tzinfo=LONDON)
    starts = Recurrence("weekly", 3, until=date(2026, 12, 17)).occurrences(first)
    assert [s.day for s in starts] == [3, 10, 17]


def test_window_and_the_next_meeting():
    first = datetime(2026, 12, 3, 18, 0, tzinfo=LONDON)
    rule = Recurrence("weekly", 3)
    window = rule.occurrences(
        first,
        after=datetime(2026, 12, 10, 18, 0, tzinfo=LONDON),
        before=datetime(2026, 12, 31, 18, 0, tzinfo=LONDON),
    )
    assert [s.day for s in window] == [17, 24]
    assert rule.occurrences(first, after=datetime(2026, 12, 4, tzinfo=LONDON), limit=1)[0].day == 10
    assert Recurrence("weekly", 3, count=1).occurrences(first, after=first, limit=1) == []


def test_wall_time_in_a_dst_gap_moves_forward_like_the_scheduler():
    moved = localize(datetime(2027, 3, 14, 2, 30), NEW_YORK)  # noqa: DTZ001 (a wall time, localised here)
    assert moved.strftime("%H:%M %z") == "03:30 -0400"


def test_rule_round_trips_through_storage():
    rule = Recurrence("monthly", 0, interval=2, nth=-1, until=date(2027, 6, 1))
    assert Recurrence.from_dict(rule.to_dict()) == rule


@pytest.mark.parametrize(
    "bad",
    [
        {"freq": "daily", "weekday": 1},
        {"freq": "weekly", "weekday": 8},
        {"freq": "monthly", "weekday": 1, "nth": 0},
        {"freq": "weekly", "weekday": 1, "count": 3, "until": date(2027, 1, 1)},
    ],
)
def test_impossible_rules_are_rejected(bad):
    with pytest.raises(ValueError):
        Recurrence(**bad)


def _parse(data: bytes) -> Calendar:
    calendar = Calendar.from_ical(data)
    assert calendar["VERSION"] == "2.0" and calendar["PRODID"]
    return calendar


def test_series_ics_has_timezone_rrule_and_exdate_and_expands_to_our_dates():
    first = datetime(2026, 12, 3, 18, 0, tzinfo=LONDON)
    rule = Recurrence("weekly", 3, until=date(2027, 4, 29))
    cancelled = first + timedelta(days=14)
    data = build_calendar(
        [
            IcsEvent(
                "series-1@kindred",
                "Alumni coffee",
                first,
                timedelta(minutes=90),
                location="Cafe Rosa",
                recurrence=rule,
                exdates=[cancelled],
            )
        ],
        name="Alumni coffee",
        stamp=STAMP,
    )
    calendar = _parse(data)
    assert [tz["TZID"] for tz in calendar.walk("VTIMEZONE")] == ["Europe/London"]
    (event,) = calendar.walk("VEVENT")
    assert event["SUMMARY"] == "Alumni coffee" and event["LOCATION"] == "Cafe Rosa"
    assert event.start == first and event.start.tzinfo.key == "Europe/London"
    assert event.duration == timedelta(minutes=90)
    assert b"DTSTART;TZID=Europe/London:20261203T180000" in data
    ical_rule = event["RRULE"].to_ical().decode()
    assert "FREQ=WEEKLY" in ical_rule and "BYDAY=TH" in ical_rule and "UNTIL=20270429T170000Z" in ical_rule
    # Expand what the file says the way a calendar app would, and compare with our own expansion.
    expanded = rrulestr(ical_rule, dtstart=event.start)  # wall-clock arithmetic in the TZID zone
    theirs = [localize(aware.replace(tzinfo=None), LONDON) for aware in expanded]
    excluded = {d.dt for d in event["EXDATE"].dts}
    theirs = [s for s in theirs if s not in excluded]
    ours = [s for s in rule.occurrences(first) if s != cancelled]
    assert theirs == ours and len(ours) == 21
    assert ours[-1].strftime("%Y-%m-%d %H:%M %z") == "2027-04-29 18:00 +0100"


def test_monthly_series_rrule_uses_nth_weekday_and_count():
    first = datetime(2026, 12, 8, 19, 0, tzinfo=NEW_YORK)
    data = build_calendar(
        [
            IcsEvent(
                "s2@kindred",
                "Second Tuesday",
                first,
                timedelta(hours=1),
                recurrence=Recurrence("monthly", 1, nth=2, count=6),
            )
        ],
        name="x",
        stamp=STAMP,
    )
    (event,) = _parse(data).walk("VEVENT")
    assert event["RRULE"].to_ical().decode() == "FREQ=MONTHLY;COUNT=6;BYDAY=2TU"


def test_member_file_lists_single_occurrences_and_an_override():
    first = datetime(2026, 12, 3, 18, 0, tzinfo=LONDON)
    moved = IcsEvent(
        "series-1@kindred",
        "Alumni coffee (moved)",
        first + timedelta(days=7, hours=1),
        timedelta(hours=1),
        recurrence_id=first + timedelta(days=7),
        sequence=1,
    )
    other = IcsEvent(
        "one-2@kindred",
        "Walk",
        datetime(2026, 12, 5, 10, 0, tzinfo=NEW_YORK),
        timedelta(hours=2),
        url="https://example.org/walk",
    )
    calendar = _parse(build_calendar([moved, other], name="My meetups", stamp=STAMP))
    assert sorted(tz["TZID"] for tz in calendar.walk("VTIMEZONE")) == ["America/New_York", "Europe/London"]
    events = calendar.walk("VEVENT")
    assert events[0]["RECURRENCE-ID"].dt == first + timedelta(days=7)
    assert events[0].start.hour == 19 and events[0]["SEQUENCE"] == 1
    assert str(events[1]["URL"]) == "https://example.org/walk"


def test_cancelled_single_event_is_marked_cancelled():
    first = datetime(2026, 12, 3, 18, 0, tzinfo=LONDON)
    (event,) = _parse(
        build_calendar(
            [IcsEvent("x@kindred", "Gone", first, timedelta(hours=1), cancelled=True)], name="x", stamp=STAMP
        )
    ).walk("VEVENT")
    assert event["STATUS"] == "CANCELLED"


def test_filename_is_safe():
    assert ics_filename("Alumni coffee: Thursdays / café!") == "alumni-coffee-thursdays-café.ics"
    assert ics_filename("???") == "meetup.ics"
