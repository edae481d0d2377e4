"""Private practice any time, and the API the crisis and check-in cogs use."""

from __future__ import annotations

from bot.model import Content
from tests.mindfulness.conftest import texts


async def test_practice_is_private_and_by_category(mindful):
    bot, chat, _, member = mindful
    sent = await chat.say(member, "!practice urge surfing")
    assert len(sent) == 1 and sent[0].private_to == member
    assert "Urge surfing" in sent[0].text
    assert chat.in_place(chat.channel()) == []
    assert await bot.members.lookup(member) is None  # nothing stored about the member


async def test_another_one_gives_a_different_prompt(mindful):
    bot, chat, _, member = mindful
    first = (await chat.say(member, "!practice sleep"))[-1]
    again = await chat.press(member, chat.find_choice(first, "Another one"))
    assert again[-1].content.title.startswith("🌙 Sleep and rest")
    assert again[-1].content.text != first.content.text


async def test_unknown_category_gets_the_list(mindful):
    _, chat, _, member = mindful
    reply = texts(await chat.say(member, "!practice knitting"))
    assert "I don't have a 'knitting' category" in reply and "urge-surfing" in reply


async def test_practice_for_is_there_for_other_cogs(mindful):
    bot, _, _, _ = mindful
    cog = bot.get_cog("mindfulness")
    content = await cog.practice_for("urge-surfing", 1)
    assert isinstance(content, Content) and "Urge surfing" in content.title
    # Any category, or one that does not exist, still gets a real practice to offer.
    for category in (None, "no-such-category"):
        offered = await cog.practice_for(category, 1)
        assert offered.title and len(offered.text) > 40
