"""Content → Discord rendering rules that need no server: limits, ids, mentions."""

from __future__ import annotations

import pytest

from bot.adapters.discord import render
from bot.model import Choice, Content, TextRequest, UserRef


def test_only_the_named_users_may_be_pinged():
    alex = UserRef("discord", "123456789012345678", "alex")
    mentions = render.allowed_mentions_for(
        Content(text="hi", mention_users=[alex, UserRef("matrix", "@a:b")])
    )
    assert mentions.to_dict() == {"parse": [], "users": [123456789012345678]}
    assert render.allowed_mentions_for(Content(text="@everyone")).to_dict() == {"parse": []}


def test_mass_mentions_in_text_are_defused_everywhere():
    (message,) = render.render(Content(title="@here news", text="@everyone come", fields=[("@here", "x")]))
    embed = message.embeds[0]
    assert "@everyone" not in embed.description and "@here" not in embed.title
    assert "everyone" in embed.description  # still readable


def test_form_button_round_trips_its_request():
    content = Content(
        text="Note?", ask=TextRequest("checkin.note:42", "How was today?", max_length=300, multiline=True)
    )
    (message,) = render.render(content)
    (button,) = message.view.children
    request = render.request_from_ask_button(button.custom_id, button.label)
    assert (request.id, request.label, request.max_length, request.multiline) == (
        "checkin.note:42",
        "How was today?",
        300,
        True,
    )
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


def test_an_edit_keeps_long_text_in_one_message():
    long_text = "word " * 700  # 3500 characters
    assert len(render.render(Content(text=long_text))) == 2
    (single,) = render.render(Content(text=long_text), single=True)
    assert single.content is None and single.embeds[0].description == long_text.strip()


def test_a_long_text_shown_again_renders_the_same_and_changes_show(tmp_path):
    # The adapter keeps the last long text's messages (the help overview, shown on every /help): what
    # is sent must still follow the content exactly.
    from bot.adapters.discord import DiscordAdapter
    from bot.config import DiscordSettings
    from bot.testing import settings_for_tests

    adapter = DiscordAdapter(settings_for_tests(tmp_path, discord=DiscordSettings(token="t")))
    overview = "\n".join(f"`!command{n}`: what it does" for n in range(80))

    def shown(content: Content, single: bool = False) -> list[dict]:
        return [
            {"content": m.content, "embeds": [e.to_dict() for e in m.embeds]}
            for m in adapter.render(content, single)
        ]

    first = shown(Content(title="What I can do", text=overview))
    assert first == shown(Content(title="What I can do", text=overview))
    assert first[0]["embeds"][0]["description"].startswith("`!command0`")
    assert shown(Content(title="Other", text=overview))[0]["embeds"][0]["title"] == "Other"
    assert shown(Content(text=overview, footer="f"))[0]["embeds"][0]["footer"] == {"text": "f"}
    plain = shown(Content(text=overview))
    assert len(plain) == 2 and not plain[0]["embeds"]  # no title: split into messages, not an embed
    assert len(shown(Content(text=overview), single=True)) == 1  # an edit: one embed
    alex = UserRef("discord", "123456789012345678", "alex")
    pinged = adapter.render(Content(text=overview, mention_users=[alex]))
    assert pinged[0].allowed_mentions.to_dict()["users"] == [123456789012345678]
    assert adapter.render(Content(text=overview, choices=[Choice("a:1", "One")]))[-1].view is not None
    assert shown(Content(title="What I can do", text=overview)) == first
    # Members' and moderators' overviews (and other long texts) in turn: each still shows as itself.
    others = [overview + f"\n`!extra{n}`: one more" for n in range(6)]
    for text in [*others, overview, *reversed(others), overview]:
        (message,) = adapter.render(Content(title="What I can do", text=text))
        assert message.embeds[0].description == text
