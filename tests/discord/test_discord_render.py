"""Content → Discord rendering rules that need no server: limits, ids, mentions."""

from __future__ import annotations

import pytest

from bot.adapters.discord import render
from bot.model import Choice, Content, TextRequest, UserRef


def test_only_the_named_users_may_be_pinged():
    alex = UserRef("discord", "123456789012345678", "alex")
    mentions = render.allowed_mentions_for(Content(text="hi", mention_users=[alex, UserRef("matrix", "@a:b")]))
    assert mentions.to_dict() == {"parse": [], "users": [123456789012345678]}
    assert render.allowed_mentions_for(Content(text="@everyone")).to_dict() == {"parse": []}


def test_mass_mentions_in_text_are_defused_everywhere():
    (message,) = render.render(Content(title="@here news", text="@everyone come", fields=[("@here", "x")]))
    embed = message.embeds[0]
    assert "@everyone" not in embed.description and "@here" not in embed.title
    assert "everyone" in embed.description  # still readable


def test_form_button_round_trips_its_request():
    content = Content(text="Note?", ask=TextRequest("checkin.note:42", "How was today?", max_length=300,
                                                    multiline=True))
    (message,) = render.render(content)
    (button,) = message.view.children
    request = render.request_from_ask_button(button.custom_id, button.label)
    assert (request.id, request.label, request.max_length, request.multiline) == (
        "checkin.note:42", "How was today?", 300, True)
    form = render.form_for(request)
    assert form.custom_id == "kindred:t:m:checkin.note:42" and form.title == "How was today?"
    submitted = [{"type": 18, "component": {"type": 4, "custom_id": "answer", "value": "Good"}}]
    assert render.form_answer(submitted) == "Good"
    assert render.form_answer([{"type": 1, "components": [{"custom_id": "answer", "value": "Row"}]}]) == "Row"


def test_too_long_ids_fail_loudly_and_too_many_buttons_are_cut():
    with pytest.raises(ValueError, match="custom_id"):
        render.render(Content(choices=[Choice("x:" + "y" * 100, "Too long")]))
    (message,) = render.render(Content(choices=[Choice(f"pick:{n}", str(n)) for n in range(30)]))
    assert len(message.view.children) == 25


def test_split_text_prefers_line_breaks_then_spaces():
    assert render.split_text("a" * 10, limit=4) == ["aaaa", "aaaa", "aa"]
    assert render.split_text("one two three four", limit=9) == ["one two", "three", "four"]
    assert render.split_text("line one\nline two", limit=12) == ["line one", "line two"]
