"""What the Matrix adapter puts in events and reads out of them (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.adapters.matrix.render import edit_content, incoming_text, matrix_user, message_content, png_size
from bot.model import Choice, Content, TextRequest, UserRef
from bot.text import timestamp

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_markdown_becomes_html_but_member_html_stays_text():
    event = message_content(Content(text="**Welcome** <script>alert(1)</script>"), "UTC", NOW)
    assert event["msgtype"] == "m.notice"
    assert "<strong>Welcome</strong>" in event["formatted_body"]
    assert "<script>" not in event["formatted_body"] and "&lt;script&gt;" in event["formatted_body"]
    assert event["body"].startswith("**Welcome**")


def test_only_named_members_can_be_pinged_and_room_mentions_are_defused():
    alice = UserRef("matrix", "@alice:example.org", "Alice")
    event = message_content(
        Content(text="@room hello", mention_users=[alice, UserRef("discord", "1")]), "UTC", NOW
    )
    assert event["m.mentions"] == {"user_ids": ["@alice:example.org"]}
    assert "@room" not in event["body"]


def test_choices_questions_and_times_are_readable_without_buttons():
    content = Content(
        text=f"Meetup {timestamp(datetime(2026, 7, 1, 16, 30, tzinfo=UTC))}",
        choices=[Choice("x:1", "Going"), Choice("x:2", "Not this time")],
        ask=TextRequest("x:note", "Anything to add", placeholder="optional"),
    )
    body = message_content(content, "America/Chicago", NOW)["body"]
    assert "11:30 CDT" in body and "<t:" not in body
    assert "1️⃣ Going" in body and "2️⃣ Not this time" in body
    assert "Anything to add (optional): send your answer as your next message." in body


def test_an_edit_carries_the_new_content_and_pings_nobody():
    new = message_content(Content(text="2 going"), "UTC", NOW)
    edit = edit_content("$original", new)
    assert edit["m.new_content"] == new and edit["m.mentions"] == {}
    assert edit["m.relates_to"] == {"rel_type": "m.replace", "event_id": "$original"}


def test_reply_fallback_is_removed_and_pills_become_user_ids():
    body = "> <@kindred:example.org> Erase everything?\n\n2"
    assert incoming_text(body, None, is_reply=True) == "2"
    pill = '!profile <a href="https://matrix.to/#/@bob:example.org">Bob B</a>'
    assert incoming_text("!profile Bob B", pill, is_reply=False) == "!profile @bob:example.org"


def test_user_arguments_and_png_sizes():
    assert matrix_user("@ana:example.org") == UserRef("matrix", "@ana:example.org")
    assert matrix_user("https://matrix.to/#/@ana:example.org").user_id == "@ana:example.org"
    assert matrix_user("ana") is None
    assert png_size(b"not a png") is None
