"""Sent once on Discord: every message carries a nonce with enforce_nonce (the outbox's token, or one
fixed before the first try), and Discord (the double, as Discord documents it) answers a nonce it has
seen from the bot with the message it already made. Kills of a real process are in tests/crash/."""

from __future__ import annotations

from bot.model import Content, PlaceRef, UserRef
from bot.outbox import delivery_scope


async def test_a_resend_with_the_same_token_shows_the_message_once(kindred):
    bot, adapter, double = kindred
    general = PlaceRef("discord", str(double.general_id), scope_id=str(double.guild_id))
    first = await adapter.send(general, Content(text="Tonight's meetup starts at 7."), token="a" * 20)
    again = await adapter.send(general, Content(text="Tonight's meetup starts at 7."), token="a" * 20)
    assert again == first
    assert [m.content for m in double.sent] == ["Tonight's meetup starts at 7."]
    assert double.nonce_repeats == 1
    other = await adapter.send(general, Content(text="Tonight's meetup starts at 7."), token="b" * 20)
    assert other != first and len(double.sent) == 2


async def test_every_part_of_a_long_message_has_its_own_nonce(kindred):
    bot, adapter, double = kindred
    general = PlaceRef("discord", str(double.general_id), scope_id=str(double.guild_id))
    long_text = "\n\n".join(f"Paragraph {n}: " + "words " * 120 for n in range(8))  # over 2,000 characters
    await adapter.send(general, Content(text=long_text), token="c" * 20)
    parts = len(double.sent)
    assert parts >= 2
    nonces = [m.payload["nonce"] for m in double.sent]
    assert len(set(nonces)) == parts and all(len(nonce) <= 25 for nonce in nonces)
    await adapter.send(general, Content(text=long_text), token="c" * 20)
    assert len(double.sent) == parts


async def test_a_scheduled_dm_asked_for_again_is_neither_sent_nor_shown_twice(kindred):
    bot, adapter, double = kindred
    alex = UserRef("discord", str(double.alex.id), "alex")
    with delivery_scope("schedule:test:reminder:2026-11-27T12:00:00+00:00"):
        first = await bot.send_private(alex, "A reminder: coffee at 7.")
    with delivery_scope("schedule:test:reminder:2026-11-27T12:00:00+00:00"):  # the occurrence run again
        again = await bot.send_private(alex, "A reminder: coffee at 7.")
    assert again == first and again.repeated
    dms = [m for m in double.sent if m.channel_id == double.dm_channels[double.alex.id]]
    assert [m.content for m in dms] == ["A reminder: coffee at 7."]
