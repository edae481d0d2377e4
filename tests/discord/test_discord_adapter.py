"""Kindred on Discord end to end: the real discord.py client inside Kindred, talking to the local double.

Each test plays a member: types a slash command, presses a button, fills in a form, and checks what
that member would see."""

from __future__ import annotations

import discord

from bot.adapters.discord import responder as responder_module
from bot.model import Choice, Content, SentRef


async def test_login_ready_with_minimum_intents_and_commands_synced(kindred):
    bot, adapter, double = kindred
    expected = discord.Intents.none()
    expected.guilds = expected.guild_messages = expected.dm_messages = expected.message_content = True
    assert double.intents == expected.value  # no members, no presences: nothing privileged but content
    names = {c["name"] for c in double.global_commands}
    assert {"help", "mydata", "forgetme", "probe", "modtools"} <= names
    probe = next(c for c in double.global_commands if c["name"] == "probe")
    assert {o["name"] for o in probe["options"]} >= {"echo", "secret", "mood", "note", "plan"}


async def test_slash_command_answered_publicly_and_ephemerally(kindred):
    _bot, _adapter, double = kindred
    echo = await double.wait_reply(
        await double.slash(double.alex, double.general_id, "probe echo", {"text": "Good morning, friends"})
    )
    assert echo.content == "Good morning, friends" and not echo.ephemeral

    secret = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe secret"))
    assert secret.content == "Only you can see this." and secret.ephemeral

    deep = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe deep ping"))
    assert deep.content == "pong"


async def test_button_press_is_routed_to_the_cog_that_asked(kindred):
    _bot, adapter, double = kindred
    question = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe mood"))
    assert question.content == "How are you today?"
    assert question.custom_ids == ["kindred:c:probe.mood:good", "kindred:c:probe.mood:low"]
    pressed = await double.press(double.alex, question.id, "kindred:c:probe.mood:low")
    answer = await double.wait_reply(pressed)
    assert answer.content == "Noted: low." and answer.ephemeral
    view_store = adapter.client._connection._view_store  # stateless: discord.py holds nothing per message
    assert not view_store._views and not view_store._modals


async def test_free_text_is_asked_in_a_modal(kindred):
    _bot, adapter, double = kindred
    asked = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe note"))
    (button,) = asked.custom_ids
    opened = await double.wait_answered(await double.press(double.alex, asked.id, button))
    assert opened.modal is not None and opened.modal["title"] == "Your note"
    submitted = await double.submit_modal(double.alex, opened, {"answer": "Slept well, walked."})
    answer = await double.wait_reply(submitted)
    assert answer.content == "Saved note 7 (19 characters)." and answer.ephemeral
    view_store = adapter.client._connection._view_store
    assert not view_store._views and not view_store._modals


async def test_dm_is_opened_and_sent_and_the_interaction_closed_quietly(kindred):
    _bot, _adapter, double = kindred
    asked = await double.wait_answered(await double.slash(double.alex, double.general_id, "probe dm"))
    dm = await double.wait_for_message(lambda m: m.content == "Hello in private.", "the DM")
    assert dm.channel_id == double.dm_channels[double.alex.id]
    # The slash command itself said nothing: its "thinking" placeholder is removed, no error shown.
    await double.wait_until(lambda: double.messages[asked.reply_id].deleted, "the placeholder removed")


async def test_text_command_with_message_content_intent(kindred):
    _bot, _adapter, double = kindred
    await double.user_says(double.alex, double.general_id, "!probe echo hi there")
    public = await double.wait_for_message(lambda m: m.content == "hi there", "the public answer")
    assert public.channel_id == double.general_id

    await double.user_says(double.alex, double.general_id, "!probe secret")
    private = await double.wait_for_message(lambda m: m.content == "Only you can see this.", "the DM answer")
    assert private.channel_id == double.dm_channels[double.alex.id]

    assert "reflection-of-the-day-for-our-community" not in {c["name"] for c in double.global_commands}
    await double.user_says(double.alex, double.general_id, "!reflection-of-the-day-for-our-community")
    await double.wait_for_message(lambda m: m.content == "still here", "a text-only command's answer")

    await double.user_says(double.alex, double.general_id, f"<@{double.bot_user.id}> probe echo by mention")
    await double.wait_for_message(lambda m: m.content == "by mention", "the answer to a mention")


async def test_file_embed_and_discord_timestamp(kindred):
    _bot, _adapter, double = kindred
    reply = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe file"))
    (embed,) = reply.embeds
    assert embed["title"] == "Alumni meetup"
    assert embed["description"] == "Starts <t:1796324400:F>"  # passed through: each member sees local time
    assert embed["fields"] == [{"name": "Where", "value": "Community hall", "inline": False}]
    (attachment,) = reply.files
    assert attachment.filename == "meetup.ics" and attachment.data.startswith(b"BEGIN:VCALENDAR")


async def test_mention_injection_in_moderator_text_is_neutralised(kindred):
    _bot, _adapter, double = kindred
    text = f"@everyone @here meet <@&{double.moderator_role_id}> now"
    posted = await double.wait_reply(
        await double.slash(double.morgan, double.general_id, "probe announce", {"text": text})
    )
    assert posted.content == "Posted."
    announcement = await double.wait_for_message(lambda m: m.content.startswith("📣"), "the announcement")
    assert not announcement.mentions.everyone and announcement.mentions.roles == []
    assert announcement.allowed_mentions["parse"] == []
    assert "everyone" in announcement.content  # still readable, just unable to ping

    cheer = await double.wait_reply(
        await double.slash(double.alex, double.general_id, "probe cheer", {"who": double.sam.id})
    )
    assert cheer.mentions.users == [double.sam.id] and not cheer.mentions.everyone  # only the member named


async def test_moderators_by_manage_server_or_configured_role_and_checked_again(kindred):
    _bot, _adapter, double = kindred
    modtools = next(c for c in double.global_commands if c["name"] == "modtools")
    assert modtools["default_member_permissions"] == str(discord.Permissions(manage_guild=True).value)

    refused = await double.wait_reply(await double.slash(double.alex, double.general_id, "modtools"))
    assert "for moderators" in refused.content and refused.ephemeral
    allowed = await double.wait_reply(await double.slash(double.morgan, double.general_id, "modtools"))
    assert allowed.content == "Moderator tools."
    await double.user_says(double.sam, double.general_id, "!probe announce from the peer moderator")
    await double.wait_for_message(lambda m: m.content == "📣 from the peer moderator", "sam's announcement")


async def test_typed_options_autocomplete_and_kind_errors(kindred):
    _bot, _adapter, double = kindred
    plan = next(
        o
        for o in next(c for c in double.global_commands if c["name"] == "probe")["options"]
        if o["name"] == "plan"
    )
    options = {o["name"]: o for o in plan["options"]}
    assert [o["name"] for o in plan["options"]][:2] == ["days", "zone"]  # required first
    assert options["days"]["type"] == 4 and (options["days"]["min_value"], options["days"]["max_value"]) == (
        1,
        30,
    )
    assert [c["value"] for c in options["kind"]["choices"]] == ["gentle", "brisk"]
    assert options["zone"]["autocomplete"] and options["topic"]["autocomplete"]

    reply = await double.wait_reply(
        await double.slash(
            double.alex,
            double.general_id,
            "probe plan",
            {"days": 3, "zone": "europe/london", "when": "8pm", "kind": "brisk", "topic": "sleep"},
        )
    )
    assert reply.content == "3 days in Europe/London at 20:00, brisk pace, topic sleep." and reply.ephemeral

    zones = await double.wait_answered(
        await double.slash(
            double.alex, double.general_id, "probe plan", {"days": 3, "zone": "lond"}, focused="zone"
        )
    )
    assert "Europe/London" in [c["value"] for c in zones.autocomplete_choices]
    topics = await double.wait_answered(
        await double.slash(
            double.alex,
            double.general_id,
            "probe plan",
            {"days": 3, "zone": "UTC", "topic": "gr"},
            focused="topic",
        )
    )
    assert [c["value"] for c in topics.autocomplete_choices] == ["gratitude", "grounding"]

    wrong = await double.wait_reply(
        await double.slash(double.alex, double.general_id, "probe plan", {"days": 3, "zone": "Narnia"})
    )
    assert "'Narnia' is not a timezone I know" in wrong.content and wrong.ephemeral


async def test_slow_command_is_acknowledged_in_time_then_answered(kindred, monkeypatch):
    _bot, _adapter, double = kindred
    monkeypatch.setattr(responder_module, "ACK_AFTER", 0.05)
    slow = await double.slash(double.alex, double.general_id, "probe slow")
    answered = await double.wait_answered(slow)
    assert answered.callbacks[0]["type"] == 5  # "Kindred is thinking..." before Discord's 3 s run out
    reply = await double.wait_reply(slow)
    assert reply.content == "Finished." and reply.ephemeral


async def test_edits_threads_and_commands_in_a_dm(kindred):
    bot, adapter, double = kindred
    place = adapter.place_ref(double.general_id, double.guild_id)
    sent = await bot.send(place, Content(text="Meetup at 7", choices=[Choice("probe.mood:good", "Going")]))
    await bot.edit(sent, Content(text="Meetup moved to 8"))
    edited = double.messages[int(sent.message_id)]
    assert edited.content == "Meetup moved to 8" and edited.custom_ids == [] and edited.edits == 1

    secret = await double.wait_reply(await double.slash(double.alex, double.general_id, "probe secret"))
    await bot.edit(
        SentRef("discord", str(double.general_id), str(secret.id)), Content(text="Updated privately")
    )
    assert double.messages[secret.id].content == "Updated privately"  # ephemeral: edited via its interaction

    thread = await adapter.create_thread(sent, "Meetup chat")
    assert thread is not None and thread.scope_id == str(double.guild_id)
    await bot.send(thread, "Welcome to the thread")
    in_thread = await double.wait_for_message(
        lambda m: m.content == "Welcome to the thread", "the thread post"
    )
    assert in_thread.channel_id == int(thread.place_id)

    dm = double.dm_channel_of(double.alex)
    private = await double.wait_reply(await double.slash(double.alex, dm, "probe secret"))
    assert private.channel_id == dm and private.content == "Only you can see this."


async def test_long_text_is_split_at_line_breaks(kindred):
    bot, adapter, double = kindred
    lines = [f"Line {n}: " + "steady " * 20 for n in range(40)]
    await bot.send(adapter.place_ref(double.general_id, double.guild_id), "\n".join(lines))
    parts = [m.content for m in double.sent if m.content.startswith("Line")]
    assert len(parts) == 4 and all(len(p) <= 2000 for p in parts)  # 6000 characters
    assert [line.rstrip() for line in "\n".join(parts).split("\n")] == [line.rstrip() for line in lines]


async def test_every_cog_command_becomes_a_slash_command(start_kindred, discord_double):
    """Each feature cog's declarations, as Discord receives them: nothing silently left out."""
    import pkgutil

    import cogs

    every_cog = sorted(f"cogs.{m.name}" for m in pkgutil.iter_modules(cogs.__path__) if m.ispkg)
    async with start_kindred(cogs=every_cog) as (bot, adapter):
        offered = {
            command.qualified_name
            for command in adapter.tree.walk_commands()
            if isinstance(command, discord.app_commands.Command)
        }
        assert offered == set(bot.router.commands), f"left out: {set(bot.router.commands) - offered}"
        synced = {c["name"] for c in discord_double.global_commands}
        assert synced == {name.split()[0] for name in bot.router.commands}
        for command in adapter.tree.walk_commands():
            assert 1 <= len(command.description) <= 100, command.qualified_name
        by_name = {c.qualified_name: c for c in adapter.tree.walk_commands()}
        # Optional and required options keep their declared shape (what members see in the picker).
        assert [p.display_name for p in by_name["checkin start"].parameters] == ["time", "timezone", "days"]
        assert not any(p.required for p in by_name["checkin start"].parameters)
        assert [(p.display_name, p.required) for p in by_name["meetup create"].parameters] == [
            ("details", True)
        ]


async def test_members_seen_long_ago_are_not_kept_in_memory(kindred, monkeypatch):
    """Crisis listening reads every message; the members it saw must not pile up for the life of the bot."""
    from bot.adapters.discord import adapter as adapter_module

    _bot, adapter, double = kindred
    later = double.add_member("later")
    await double.user_says(double.alex, double.general_id, "!probe echo hi")
    await double.wait_for_message(lambda m: m.kind == "channel" and "hi" in m.text(), "the echo")
    assert int(double.alex.id) in adapter._members
    moment = adapter_module.monotonic() + adapter_module.MEMBER_CACHE_SECONDS + 1
    monkeypatch.setattr(adapter_module, "monotonic", lambda: moment)  # the adapter's clock only
    await double.user_says(later, double.general_id, "!probe echo again")
    await double.wait_for_message(lambda m: m.kind == "channel" and "again" in m.text(), "the second echo")
    assert int(double.alex.id) not in adapter._members and int(later.id) in adapter._members
