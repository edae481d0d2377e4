"""The answers to "are you safe?" belong to the member who was asked (issue 17): the router refuses a
press, a typed answer or a forged id from anyone else before the crisis cog sees it."""

from __future__ import annotations

from tests.crisis.test_flow import CRISIS, _alerts, _say


async def test_only_the_member_can_answer_about_their_own_alert(crisis_bot):
    bot, chat, mod = crisis_bot
    amy, eve = chat.user("amy"), chat.user("eve")
    reply = next(s for s in await _say(chat, amy, CRISIS) if s.private_to == amy and s.content.choices)
    not_safe = chat.find_choice(reply, "I'm not safe")
    alerts_before = len(_alerts(chat))

    for forged in (not_safe, not_safe.rpartition("~")[0], "crisis.safe:talk:1", not_safe[:-1] + "0"):
        refused = await chat.press(eve, forged)
        assert "meant for someone else" in refused[-1].text and refused[-1].place == chat.dm_place(eve), (
            forged
        )
    assert len(_alerts(chat)) == alerts_before, "no alert was raised or repeated by someone else's press"
    assert not (await bot.db.fetchone("SELECT urgent FROM crisis_alerts"))["urgent"]

    answered = await chat.press(amy, not_safe)
    assert "meant for someone else" not in answered[-1].text and answered[-1].place == chat.dm_place(amy)
    assert (await bot.db.fetchone("SELECT urgent FROM crisis_alerts"))["urgent"]
