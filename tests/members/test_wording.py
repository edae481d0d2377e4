"""Counts and words read right everywhere: one helper writes every count, and each reply with a count is
rendered with 0, 1 and 2 (issue 16, item 6)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.text import plural, render_timestamps, timestamp
from cogs.checkins.chart import ChartPoint, describe
from cogs.checkins.milestones import milestones
from cogs.meetups import render
from cogs.meetups.models import Meeting, Meetup
from cogs.meetups.recurrence import Recurrence
from cogs.meetups.service import reminder_when

NOUNS = {
    "seat": "seats",
    "member": "members",
    "meetup": "meetups",
    "day": "days",
    "person": "people",
    "minute": "minutes",
    "hour": "hours",
    "week": "weeks",
    "month": "months",
    "year": "years",
    "prompt": "prompts",
    "check-in": "check-ins",
    "place": "places",
    "time": "times",
    "question": "questions",
}
ROOT = Path(__file__).resolve().parents[2]


def miscounts(text: str) -> list[str]:
    """Phrases such as "1 seats", "2 seat" or "never minutes" in what a member reads."""
    wrong = []
    for singular, plural_form in NOUNS.items():
        wrong += re.findall(rf"(?<![\d.:/-])\b1 {re.escape(plural_form)}\b", text)
        wrong += re.findall(
            rf"(?<![\d.:/-])\b(?:0|[2-9]|\d\d+) {re.escape(singular)}\b(?![-\w]| days?\b)", text
        )
        wrong += re.findall(rf"\bnever {re.escape(plural_form)}\b", text)
    return wrong


def test_the_checker_catches_what_the_issue_saw():
    assert miscounts("1 seats left · 1 members · never minutes · 2 day") == [
        "1 seats",
        "1 members",
        "2 day",
        "never minutes",
    ]
    assert miscounts("1 seat left, 2 seats, 0 people, 1 person") == []


@pytest.mark.parametrize("count", [0, 1, 2])
def test_the_helper(count):
    assert (
        miscounts(plural(count, "seat") + " " + plural(count, "person") + " " + plural(count, "check-in"))
        == []
    )
    assert plural(1, "person") == "1 person" and plural(2, "person") == "2 people"


def meetup(capacity: int) -> Meetup:
    zone = ZoneInfo("UTC")
    return Meetup(
        id=1,
        community_id=1,
        title="Coffee",
        description="",
        place="",
        zone=zone,
        first_start=datetime(2026, 12, 5, 19, 0, tzinfo=zone),
        duration=timedelta(hours=1),
        capacity=capacity,
        recurrence=None,
        cutoff=timedelta(0),
        organiser="console:operator",
        origin=None,
        status="active",
        sequence=0,
    )


@pytest.mark.parametrize("count", [0, 1, 2])
def test_every_reply_template_with_a_count_reads_right(count):
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    rendered = []
    for capacity in (1, 2, 3):
        m = meetup(capacity)
        occ = Meeting(m, m.first_start, m.first_start, m.duration, "", "", False)
        counts = {"going": min(count, capacity), "waitlist": count, "maybe": count, "cant": count}
        rendered += [
            render.seats_line(m, counts),
            render.summary_line(occ, counts),
            render.announcement(occ, counts, now).as_plain_text(),
        ]
    rendered.append(reminder_when(count or 1))
    rendered.append(reminder_when(24 * (count + 2)))
    points = [ChartPoint(date(2026, 12, 1) + timedelta(days=i), 3, 2) for i in range(count)]
    rendered.append(describe(points, date(2026, 11, 30), date(2026, 11, 30) + timedelta(days=count)))
    rendered += [m.label for m, _ in zip(milestones(date(2026, 1, 1)), range(12), strict=False)]
    rendered.append(render_timestamps(timestamp(now + timedelta(minutes=count), "R"), "UTC", now))
    rendered.append(render_timestamps(timestamp(now + timedelta(hours=count), "R"), "UTC", now))
    rendered.append(render_timestamps(timestamp(now - timedelta(days=count), "R"), "UTC", now))
    if count:
        rendered.append(Recurrence("weekly", 1, interval=count, count=count).describe())
        rendered.append(Recurrence("monthly", 1, interval=count, nth=1).describe())
    for text in rendered:
        assert miscounts(text) == [], text


async def test_replies_with_counts_through_the_bot(console):
    replies = []
    for minutes in (0, 1, 2):
        replies.append(await console.type(f"!crisisadmin realert {minutes}"))
    replies.append(await console.type("!crisisadmin show"))
    for days in (1, 2):
        replies.append(await console.type(f"!checkin retention {days}"))
    replies.append(await console.type("!checkin stats"))  # nobody: 0 members
    await console.type("!checkin start 20:00 UTC", "1")
    replies.append(await console.type("!checkin stats"))  # 1 member
    replies.append(await console.type("!meetups ics"))
    await console.type(
        "!meetup create Coffee, tomorrow 7pm, capacity 1", "1", "!meetup rsvp going Coffee", "1"
    )
    replies.append(await console.type("!meetups", "!meetups ics"))
    await console.type("!meetup create Walk, tomorrow 9am, capacity 2", "1", "!meetup rsvp going Walk")
    replies.append(await console.type("!meetups", "!meetups ics"))
    text = "\n".join(replies)
    assert miscounts(text) == [], text
    assert "Unacknowledged alerts will not be sent again." in text
    assert "will be sent again after 1 minute," in text and "after 2 minutes," in text
    assert "**0 members** take part" in text and "**1 member** takes part" in text
    assert "Here is the meetup you're going to" in text and "Here are the 2 meetups you're going to" in text


async def test_empty_statistics_say_so_in_one_line(console, clock):
    await console.type("!checkin start 20:00 UTC", "1")
    for day in range(30):  # a month of evenings with only one person asked
        clock.set(datetime(2026, 12, 4, 20, 0, tzinfo=UTC) + timedelta(days=day))
        await console.bot.scheduler.run_due()
    stats = await console.type("!checkin stats 30")
    assert "fewer than 3" in stats
    report = stats.split("_Totals only")[0]
    assert stats.count("fewer than 3") == 1 and len(report.strip().splitlines()) <= 3, stats


# Counts written by hand that are always 2 or more, each with the reason.
ALWAYS_SEVERAL = {
    "bot/pending.py": "questions open: only asked with two or more",
    "cogs/checkins/partners.py": "MAX_PARTNERS is 5",
    "cogs/mindfulness/transfer.py": "only said when over the maximum",
    "cogs/meetups/cog.py": "RETENTION_DAYS is 30",
    "cogs/meetups/recurrence.py": "each guarded by == 1 with its own words",
    "cogs/crisis/context.py": "a pattern matching what members write, not a reply",
}


def test_no_count_is_written_by_hand():
    """A new "{n} seats" in a reply is caught here: write it with bot.text.plural."""
    pattern = re.compile(r"\{[^{}]+\} (?:" + "|".join(map(re.escape, [*NOUNS, *NOUNS.values()])) + r")\b")
    found = []
    for path in [*ROOT.glob("bot/**/*.py"), *ROOT.glob("cogs/**/*.py")]:
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if pattern.search(line) and "plural(" not in line and relative not in ALWAYS_SEVERAL:
                found.append(f"{relative}:{number}: {line.strip()}")
    assert found == []
