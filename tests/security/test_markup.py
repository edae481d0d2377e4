"""Members' text is shown literally on every platform: a name cannot become a link, a title cannot
become a heading or bold text, in the bot's own messages (issue 17, item 4)."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.adapters.discord.render import render as discord_render
from bot.adapters.matrix.render import message_content
from bot.model import Content
from bot.text import quote_member_name, quote_member_text, unescape_markdown

PHISHING_NAME = "[Kindred safety team: verify](https://evil.example/login)"
NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def test_a_phishing_name_is_no_link_on_matrix_and_discord():
    content = Content(text=f"{quote_member_name(PHISHING_NAME)} would like you to be their check-in partner.")
    matrix = message_content(content, "UTC", NOW)
    assert "<a " not in matrix["formatted_body"] and "href" not in matrix["formatted_body"]
    assert "Kindred safety team: verify" in matrix["formatted_body"]
    assert "https://" not in matrix["body"] and "evil.example" not in matrix["body"]
    discord_text = discord_render(content)[0].content
    assert "](https://" not in discord_text and "https://" not in discord_text


def test_titles_and_places_keep_their_words_but_lose_their_markup():
    shown = quote_member_text("# Big **news** [here](https://x.example)")
    html = message_content(Content(text=shown), "UTC", NOW)["formatted_body"]
    assert "<h1>" not in html and "<strong>" not in html and "<a " not in html
    assert "# Big **news** [here](https://x.example)" in html.replace("&quot;", '"')
    assert (
        unescape_markdown(shown) == "# Big **news** [here](https://x.example)"
    )  # the console shows it as typed


@settings(max_examples=300)
@given(st.text(alphabet=st.sampled_from(list("ab1 .-=+*_`#>[]()<!:/\n\t")) | st.characters(), max_size=60))
def test_no_member_text_renders_as_markup_on_matrix(text):
    html = message_content(Content(text=quote_member_text(text)), "UTC", NOW)["formatted_body"]
    for tag in (
        "<a ",
        "<strong>",
        "<em>",
        "<h1>",
        "<h2>",
        "<code>",
        "<pre>",
        "<blockquote>",
        "<img",
        "<ul>",
        "<ol>",
        "<hr",
    ):
        assert tag not in html, (text, html)
