"""What members and organisers see: announcements, listings, confirmations, private notes.

Times go out in the neutral `<t:UNIX:STYLE>` form: Discord shows each viewer their own time and the
other adapters render the community's time with the zone named. Counts are public; names are not.
"""

from __future__ import annotations

from datetime import datetime

from bot.model import Choice, Content
from bot.text import plural, quote_member_text, timestamp

from .models import Meeting, Meetup
from .spec import describe_duration


def rsvp_choices(occ: Meeting) -> list[Choice]:
    return [
        Choice(f"meetup.rsvp:{occ.key}:going", "Going", "success"),
        Choice(f"meetup.rsvp:{occ.key}:maybe", "Maybe", "secondary"),
        Choice(f"meetup.rsvp:{occ.key}:cant", "Can't go", "danger"),
    ]


def when_line(start: datetime) -> str:
    return f"{timestamp(start, 'F')} ({timestamp(start, 'R')})"


def seats_line(meetup: Meetup, counts: dict[str, int]) -> str:
    left = max(0, meetup.capacity - counts["going"])
    if left:
        text = f"{left} of {plural(meetup.capacity, 'seat')} left"
    else:
        text = f"Full ({meetup.capacity} going)"
        if counts["waitlist"]:
            text += f", {counts['waitlist']} on the waitlist"
        else:
            text += ": answer Going to join the waitlist"
    if counts["maybe"]:
        text += f" · {counts['maybe']} maybe"
    return text


def announcement(
    occ: Meeting, counts: dict[str, int], now: datetime, names: list[str] | None = None
) -> Content:
    """The public post, edited in place as answers come in."""
    meetup = occ.meetup
    fields = [("When", when_line(occ.start) + f", {describe_duration(occ.duration)}")]
    if occ.place:
        fields.append(("Where", quote_member_text(occ.place, 300)))
    if meetup.recurrence is not None:
        fields.append(("Repeats", meetup.recurrence.describe()))
    if meetup.status == "cancelled" and meetup.recurrence is not None:
        return Content(
            title=f"Cancelled: {meetup.title}",
            fields=fields,
            text="This series is cancelled: none of its meetings will take place. Everyone who "
            "answered has been told.",
        )
    if meetup.status == "cancelled" or (occ.cancelled and meetup.recurrence is None):
        return Content(
            title=f"Cancelled: {meetup.title}",
            fields=fields,
            text="This meetup will not take place. Everyone who answered has been told.",
        )
    if occ.cancelled:  # one meeting of a series that carries on
        return Content(
            title=f"Cancelled this time: {meetup.title}",
            fields=fields,
            text=f"The meeting on {timestamp(occ.start, 'D')} will not take place. The series carries "
            "on as usual; everyone who answered for this one has been told.",
        )
    fields.append(("Seats", seats_line(meetup, counts)))
    if names:
        fields.append(("Going", ", ".join(names)))
    text = quote_member_text(meetup.description, 800) if meetup.description else ""
    if occ.note:
        text = (text + "\n\n" if text else "") + f"**This time:** {quote_member_text(occ.note, 300)}"
    if occ.moved:
        text = (text + "\n\n" if text else "") + f"_Moved from {timestamp(occ.rule_start, 'F')}._"
    if now >= occ.start:
        return Content(title=meetup.title, fields=fields, text=text, footer="This meetup has started.")
    if now >= occ.rsvp_closes:
        return Content(title=meetup.title, fields=fields, text=text, footer="RSVPs are closed.")
    footer = (
        "Only organisers see who is going." if names is None else "Names shown with this community's consent."
    )
    if meetup.cutoff:
        footer += f" RSVPs close {timestamp(occ.rsvp_closes, 'f')}."
    return Content(title=meetup.title, text=text, fields=fields, choices=rsvp_choices(occ), footer=footer)


def summary_line(occ: Meeting, counts: dict[str, int]) -> str:
    left = max(0, occ.meetup.capacity - counts["going"])
    seats = (
        f"{plural(left, 'seat')} left"
        if left
        else (
            f"full, {plural(counts['waitlist'], 'person', 'people')} waiting"
            if counts["waitlist"]
            else "full"
        )
    )
    repeat = " (repeats)" if occ.meetup.recurrence else ""
    where = f" · {quote_member_text(occ.place, 60)}" if occ.place else ""
    return f"**{occ.meetup.title}**{repeat}: {timestamp(occ.start, 'F')}{where} · {seats}"


def draft_review(fields: list[tuple[str, str]], token: str, what: str = "Save and announce") -> Content:
    return Content(
        title="Is this right?",
        text="Here is what I understood. Nothing is saved until you press the button.",
        fields=fields,
        choices=[
            Choice(f"meetup.draft:{token}:save", what, "success"),
            Choice(f"meetup.draft:{token}:drop", "Cancel", "secondary"),
        ],
    )


def answer_note(occ: Meeting, answer: str, position: int | None, previous: str | None) -> str:
    title, when = occ.meetup.title, timestamp(occ.start, "F")
    if answer == "going":
        again = "You're still" if previous == "going" else "You're"
        return f"{again} going to **{title}** on {when}. See you there! Press Can't go if plans change."
    if answer == "waitlist":
        return (
            f"**{title}** is full, so you're on the waitlist (number {position}). If a seat opens I'll "
            "tell you privately right away."
        )
    if answer == "maybe":
        return f"Noted as maybe for **{title}** on {when}. A seat is only held for Going."
    return f"Thanks for letting us know you can't make **{title}**. You're welcome any time."
