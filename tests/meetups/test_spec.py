"""The one-line meetup description an organiser types."""

from datetime import timedelta

import pytest

from cogs.meetups.spec import SpecError, parse_spec


def test_done_means_example():
    spec = parse_spec("Alumni coffee, every Thursday 6pm, capacity 10")
    assert (spec.title, spec.when_text, spec.capacity) == ("Alumni coffee", "every Thursday 6pm", 10)
    assert spec.duration is None and spec.place is None and spec.cutoff is None


def test_every_field_in_any_order_and_description_keeps_its_commas():
    spec = parse_spec(
        "every 2 weeks on tuesday 19:00, until 2027-03-01, Evening circle, 90 min, "
        "at Room 4, rsvp closes 2h before, 8 seats, description: Bring a mug, tea, and you."
    )
    assert spec.title == "Evening circle"
    assert spec.when_text == "every 2 weeks on tuesday 19:00 until 2027-03-01"
    assert spec.duration == timedelta(minutes=90)
    assert spec.place == "Room 4"
    assert spec.cutoff == timedelta(hours=2)
    assert spec.capacity == 8
    assert spec.description == "Bring a mug, tea, and you."


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("X, 2h", timedelta(hours=2)),
        ("X, 1h30", timedelta(minutes=90)),
        ("X, for 45 minutes", timedelta(minutes=45)),
        ("X, duration 1.5 hours", timedelta(minutes=90)),
    ],
)
def test_durations(text, duration):
    assert parse_spec(text).duration == duration


def test_links_and_online_are_places():
    assert parse_spec("Zoom check-in, link https://meet.example/abc").place == "https://meet.example/abc"
    assert parse_spec("Zoom check-in, online").place == "online"
    assert parse_spec("Walk, at Riverside park").place == "Riverside park"


@pytest.mark.parametrize(
    ("text", "hint"),
    [
        ("", "name first"),
        ("every thursday 6pm", "name first"),
        ("Coffee, capacity 0", "between 1 and"),
        ("Coffee, 13h", "between 5 minutes"),
        ("Coffee, rsvp closes 30 days before", "14 days"),
        ("Coffee, 7pm, Hall, purple monkey", "didn't understand"),
        ("x" * 101, "under 100"),
    ],
)
def test_bad_parts_are_refused_with_an_example(text, hint):
    with pytest.raises(SpecError, match=hint):
        parse_spec(text)


def test_second_plain_part_is_the_place_and_editing_renames_only_when_asked():
    spec = parse_spec("Walk, next saturday 10am, Riverside park, 2h")
    assert (spec.title, spec.place) == ("Walk", "Riverside park")
    edit = parse_spec("Room 5, title: Evening walk", require_title=False)
    assert (edit.title, edit.place) == ("Evening walk", "Room 5")


def test_room_wide_mentions_in_organiser_text_are_made_harmless():
    spec = parse_spec("@everyone coffee, tomorrow 7pm, description: ping @here please")
    assert "@everyone" not in spec.title and "everyone" in spec.title
    assert "@here" not in spec.description


def test_a_name_that_sounds_like_a_time_is_still_the_name():
    spec = parse_spec("Weekly check-in, every monday 7pm")
    assert (spec.title, spec.when_text) == ("Weekly check-in", "every monday 7pm")
