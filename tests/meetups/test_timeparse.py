"""Start-time phrases as organisers type them, read in the community's zone (and refused kindly)."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from cogs.meetups.timeparse import TimeParseError, parse_when

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
# Friday 27 November 2026, 18:00 in London (GMT, after the October change).
NOW = datetime(2026, 11, 27, 18, 0, tzinfo=LONDON)
# Wednesday 10 March 2027 noon in New York: US clocks go forward on Sunday 14 March.
NOW_BEFORE_US_DST = datetime(2027, 3, 10, 12, 0, tzinfo=NEW_YORK)

ACCEPTED = [
    # phrase, expected local start, expected zone, expected repeat description (or None)
    ("next tuesday 7pm", "2026-12-01 19:00", "Europe/London", None),
    ("tuesday 7pm", "2026-12-01 19:00", "Europe/London", None),
    ("Next Tuesday 7 PM", "2026-12-01 19:00", "Europe/London", None),
    ("2026-12-03 19:00", "2026-12-03 19:00", "Europe/London", None),
    ("2026-12-03T19:00", "2026-12-03 19:00", "Europe/London", None),
    ("dec 3 7pm", "2026-12-03 19:00", "Europe/London", None),
    ("3 December 19:00", "2026-12-03 19:00", "Europe/London", None),
    ("tomorrow 7:30pm", "2026-11-28 19:30", "Europe/London", None),
    ("tomorrow at 19", "2026-11-28 19:00", "Europe/London", None),
    ("friday 18:30", "2026-11-27 18:30", "Europe/London", None),
    ("next friday 18:30", "2026-12-04 18:30", "Europe/London", None),
    ("today 7pm", "2026-11-27 19:00", "Europe/London", None),
    ("7pm", "2026-11-27 19:00", "Europe/London", None),
    ("sat noon", "2026-11-28 12:00", "Europe/London", None),
    ("25/12/2026 18:00", "2026-12-25 18:00", "Europe/London", None),
    ("12/25 6pm", "2026-12-25 18:00", "Europe/London", None),
    ("jan 5 7pm", "2027-01-05 19:00", "Europe/London", None),
    ("tuesday 7pm Europe/Paris", "2026-12-01 19:00", "Europe/Paris", None),
    ("next tuesday 7pm america/new_york", "2026-12-01 19:00", "America/New_York", None),
    ("2026-12-03 19:00 UTC", "2026-12-03 19:00", "UTC", None),
    ("every Thursday 6pm", "2026-12-03 18:00", "Europe/London", "every Thursday"),
    ("every thursday at 18:00", "2026-12-03 18:00", "Europe/London", "every Thursday"),
    ("Thursdays weekly 6pm", "2026-12-03 18:00", "Europe/London", "every Thursday"),
    ("every friday 7pm", "2026-11-27 19:00", "Europe/London", "every Friday"),
    ("every friday 5pm", "2026-12-04 17:00", "Europe/London", "every Friday"),
    ("every other thursday 6pm", "2026-12-03 18:00", "Europe/London", "every 2 weeks on Thursday"),
    ("every 2 weeks on tuesday 19:00", "2026-12-01 19:00", "Europe/London", "every 2 weeks on Tuesday"),
    ("fortnightly on wednesday 7:30pm", "2026-12-02 19:30", "Europe/London", "every 2 weeks on Wednesday"),
    ("first monday of the month 7pm", "2026-12-07 19:00", "Europe/London", "every month on the first Monday"),
    (
        "every month on the 2nd tuesday 19:00",
        "2026-12-08 19:00",
        "Europe/London",
        "every month on the second Tuesday",
    ),
    (
        "monthly on the last friday at 6pm",
        "2026-12-25 18:00",
        "Europe/London",
        "every month on the last Friday",
    ),
    ("every first monday 7pm", "2026-12-07 19:00", "Europe/London", "every month on the first Monday"),
    (
        "every thursday 6pm until 2027-03-01",
        "2026-12-03 18:00",
        "Europe/London",
        "every Thursday, until Mon 01 Mar 2027",
    ),
    ("every thursday 6pm for 8 weeks", "2026-12-03 18:00", "Europe/London", "every Thursday, 8 times"),
    ("every thursday 6pm 10 times", "2026-12-03 18:00", "Europe/London", "every Thursday, 10 times"),
    ("every thursday 6pm starting 2027-01-07", "2027-01-07 18:00", "Europe/London", "every Thursday"),
    ("every thursday 6pm Europe/Berlin", "2026-12-03 18:00", "Europe/Berlin", "every Thursday"),
    ("december 3rd at 7pm", "2026-12-03 19:00", "Europe/London", None),
    ("thu 3 dec 19:00", "2026-12-03 19:00", "Europe/London", None),
    ("tonight at 8", "2026-11-27 20:00", "Europe/London", None),
    ("tomorrow evening 7", "2026-11-28 19:00", "Europe/London", None),
    ("saturday morning at 10", "2026-11-28 10:00", "Europe/London", None),
    ("7.30pm tomorrow", "2026-11-28 19:30", "Europe/London", None),
    ("mondays 7pm", "2026-11-30 19:00", "Europe/London", "every Monday"),
    ("every 3 weeks on friday 6pm", "2026-12-04 18:00", "Europe/London", "every 3 weeks on Friday"),
    (
        "every last sunday of the month 4pm",
        "2026-11-29 16:00",
        "Europe/London",
        "every month on the last Sunday",
    ),
    (
        "every thursday 6pm through march",
        "2026-12-03 18:00",
        "Europe/London",
        "every Thursday, until Wed 31 Mar 2027",
    ),
]


@pytest.mark.parametrize(("phrase", "local", "zone", "repeat"), ACCEPTED, ids=[a[0] for a in ACCEPTED])
def test_accepted_phrases_are_read_in_the_community_zone(phrase, local, zone, repeat):
    when = parse_when(phrase, LONDON, NOW)
    assert when.zone.key == zone
    assert when.start.tzinfo.key == zone
    assert when.start.strftime("%Y-%m-%d %H:%M") == local
    assert (when.recurrence.describe() if when.recurrence else None) == repeat
    # What is shown back names the zone and the day, so the organiser can spot a misunderstanding.
    shown = when.describe()
    assert zone in shown and when.start.strftime("%A") in shown


REFUSED = [
    ("", "when it starts"),
    ("next tuesday", "time of day"),
    ("blah", "time of day"),
    ("tomorrow at 7", "morning or the evening"),
    ("03/12/2026 19:00", "day/month or month/day"),
    ("7pm EST", "For EST that is usually `America/New_York`"),
    ("7pm Mars/Olympus", "is not a timezone I know"),
    ("2025-12-01 19:00", "already passed"),
    ("today 5pm", "already passed"),
    ("2028-06-01 19:00", "more than a year away"),
    ("every day 7pm", "not daily"),
    ("every now and then 7pm", "how this repeats"),
    ("every thursday 6pm until last week", "before its first meeting"),
    ("14pm tomorrow", "24-hour and am/pm"),
    ("tomorrow 25:00", "not a time"),
    ("2027-03-28 01:30", "clocks go forward"),
    ("2027-10-31 01:30", "clocks go back"),
]


@pytest.mark.parametrize(("phrase", "reason"), REFUSED, ids=[r[0] or "empty" for r in REFUSED])
def test_ambiguous_past_or_impossible_times_are_refused_with_an_example(phrase, reason):
    with pytest.raises(TimeParseError) as refused:
        parse_when(phrase, LONDON, NOW)
    message = str(refused.value)
    assert reason in message
    assert "`" in message  # every refusal shows something to type instead


def test_refusals_are_short():
    for phrase, _ in REFUSED:
        with pytest.raises(TimeParseError) as refused:
            parse_when(phrase, LONDON, NOW)
        assert len(str(refused.value)) < 260


def test_one_off_across_the_us_dst_change_keeps_the_wall_time():
    before = parse_when("thursday 7pm", NEW_YORK, NOW_BEFORE_US_DST)
    after = parse_when("next tuesday 7pm", NEW_YORK, NOW_BEFORE_US_DST)
    assert before.start.utcoffset() == timedelta(hours=-5)  # EST, 11 March
    assert after.start.utcoffset() == timedelta(hours=-4)  # EDT, 16 March
    assert (before.start.hour, after.start.hour) == (19, 19)


def test_weekly_series_across_dst_stays_at_six_pm_local():
    when = parse_when("every thursday 6pm", NEW_YORK, NOW_BEFORE_US_DST)
    first, second = when.recurrence.occurrences(when.start, limit=2)
    assert first.strftime("%Y-%m-%d %H:%M %z") == "2027-03-11 18:00 -0500"
    assert second.strftime("%Y-%m-%d %H:%M %z") == "2027-03-18 18:00 -0400"


def test_the_gap_hour_on_spring_forward_day_is_refused_in_new_york():
    with pytest.raises(TimeParseError, match="clocks go forward"):
        parse_when("2027-03-14 02:30", NEW_YORK, NOW_BEFORE_US_DST)


def test_the_same_phrase_in_another_community_zone_is_another_instant():
    london = parse_when("2026-12-03 19:00", LONDON, NOW)
    new_york = parse_when("2026-12-03 19:00", NEW_YORK, NOW)
    assert new_york.start - london.start == timedelta(hours=5)
