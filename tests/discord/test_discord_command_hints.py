"""Discord members use slash commands, so every command hint they read says `/name`, not `!name`."""

from __future__ import annotations


async def test_help_shows_slash_commands(kindred):
    _bot, _adapter, double = kindred
    overview = await double.wait_reply(await double.slash(double.alex, double.general_id, "help"))
    text = overview.text()
    assert "`/mydata`" in text and "`/help probe`" in text and "Type `/help AREA`" in text
    assert "`!mydata`" not in text and "`!probe" not in text
    area = await double.wait_reply(
        await double.slash(double.alex, double.general_id, "help", {"command": "probe"})
    )
    text = area.text()
    assert "`/probe echo TEXT`" in text and "`!probe" not in text
    # A command Discord refused as a slash command exists only as a text command, and says so.
    assert "`!reflection-of-the-day-for-our-community`" in text

    one = await double.wait_reply(
        await double.slash(double.alex, double.general_id, "help", {"command": "probe echo"})
    )
    assert one.embeds[0]["title"] == "/probe echo" and "Usage: `/probe echo TEXT`" in one.text()


async def test_bad_input_errors_name_the_slash_command(kindred):
    _bot, _adapter, double = kindred
    refused = await double.wait_reply(
        await double.slash(double.alex, double.general_id, "probe plan", {"days": 3, "zone": "Mars/Olympus"})
    )
    assert refused.ephemeral and "Type `/probe plan DAYS ZONE" in refused.content
    assert "!probe" not in refused.content


async def test_hints_in_a_cogs_own_words_read_as_slash_commands(kindred):
    _bot, _adapter, double = kindred
    answer = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe hints"))
    embed = answer.embeds[0]
    assert embed["title"] == "Try /probe echo"
    assert embed["description"].startswith("Type `/probe echo TEXT`, or /mydata. Wow!! ")
    assert "`!reflection-of-the-day-for-our-community` is typed as it is." in embed["description"]
    assert embed["footer"]["text"] == "/help lists everything"
    # The same hint in a typed `!command`'s answer, and in the command list Discord shows while typing.
    await double.user_says(double.alex, double.general_id, "!probe hints")
    await double.wait_for_message(
        lambda m: m.kind == "channel" and "Type `/probe echo TEXT`" in m.text(),
        "the answer to the typed command",
    )
    probe = next(c for c in double.global_commands if c["name"] == "probe")
    hints = next(o for o in probe["options"] if o["name"] == "hints")
    assert hints["description"].endswith("(see also /mydata).")


async def test_a_list_longer_than_one_embed_arrives_whole_across_messages(kindred):
    """Discord cuts an embed at 4096 characters; a moderator's help is about 8,700. Nothing may be lost."""
    _bot, _adapter, double = kindred
    interaction = await double.slash(double.alex, double.general_id, "probe long")
    first = await double.wait_reply(interaction)
    last = await double.wait_for_message(
        lambda m: m.interaction_id == interaction.id and "line 240" in m.text(), "the end of the long list"
    )
    parts = [m for m in double.sent if m.interaction_id == interaction.id]
    assert parts[0] is first and parts[-1] is last and len(parts) >= 2
    assert (
        first.embeds[0]["title"] == "A long list"
        and last.embeds[0]["footer"]["text"] == "the end of the list"
    )
    descriptions = [m.embeds[0]["description"] for m in parts]
    assert all(len(d) <= 4096 for d in descriptions)
    lines = "\n".join(descriptions).splitlines()
    assert lines == [f"`/probe echo {n:03d}`: line {n:03d} of the long list" for n in range(1, 241)]
