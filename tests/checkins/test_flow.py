"""The check-in itself, end to end through the in-memory adapter, on a real SQLite file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.adapters.base import Capabilities
from bot.testing import FrozenClock, MemoryAdapter
from tests.checkins.conftest import ENTRY_WITH_TEXTS, checkin_bot, choice, join, sweep_at

EVENING = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)  # 20:00 in London (GMT)


async def count(bot, table: str) -> int:
    return await bot.db.fetchval(f"SELECT COUNT(*) FROM {table}")


async def test_nothing_is_stored_before_agreeing_and_declining_stores_nothing(env):
    bot, chat = env
    sam = chat.user("sam")
    asked = await chat.say(sam, "!checkin start 20:00 Europe/London")
    assert (
        "What I keep" in asked[-1].text
        and "Who sees what" in asked[-1].text
        and "!forgetme" in asked[-1].text
    )
    assert asked[-1].private_to == sam
    assert await count(bot, "members") == 0 and await count(bot, "checkin_members") == 0
    await chat.press(sam, "consent:decline:checkins")
    assert await count(bot, "members") == 0 and await count(bot, "checkin_members") == 0


async def test_joining_sets_the_members_time_and_the_next_check_in(env):
    bot, chat = env
    ana = chat.user("ana")
    confirmation = await join(chat, ana, "8am America/Chicago mon-fri")
    assert "Monday to Friday at 08:00 (America/Chicago)" in confirmation.text
    # Friday noon UTC is 06:00 in Chicago: the next check-in is today at 08:00 CST = 14:00 UTC.
    assert f"<t:{int(datetime(2026, 11, 27, 14, 0, tzinfo=UTC).timestamp())}:F>" in confirmation.text


async def test_bad_days_get_a_kind_hint(env):
    _, chat = env
    replies = await chat.say(chat.user("kai"), "!checkin start 20:00 Europe/London someday")
    assert "mon-fri" in replies[-1].text and "Before we start" not in replies[-1].text


async def test_a_full_check_in_with_every_kind_of_answer(env, clock):
    bot, chat = env
    lee = chat.user("lee")
    await join(chat, lee)
    assert (await sweep_at(bot, clock, EVENING - timedelta(minutes=1))).checkins == 0
    result = await sweep_at(bot, clock, EVENING)
    assert result.checkins == 1
    prompt = chat.last(lee)
    assert prompt.private_to == lee and [c.label for c in prompt.content.choices] == ["1", "2", "3", "4", "5"]

    craving = (await chat.press(lee, choice(prompt, "4")))[-1]
    assert len(craving.content.choices) == 11  # 0-10 as buttons where there are buttons
    on_track = (await chat.press(lee, choice(craving, "3")))[-1]
    intention = (await chat.press(lee, choice(on_track, "Yes")))[-1]
    assert intention.content.ask is not None and intention.content.ask.id.startswith("checkin.intention:")
    note = (await chat.answer(lee, "Call my sponsor after work"))[-1]
    assert note.content.ask.id.startswith("checkin.note:")
    done = (await chat.answer(lee, "Felt steady today"))[-1]
    assert "Thank you for checking in" in done.text

    row = await bot.db.fetchone(ENTRY_WITH_TEXTS)
    assert (row["day"], row["mood"], row["craving"], row["on_track"], row["step"]) == (
        "2026-11-27",
        4,
        3,
        "yes",
        "done",
    )
    # Member-written text is sealed: the raw columns do not contain it, the vault opens it.
    assert "sponsor" not in row["intention"] and "steady" not in row["note"]
    cog = bot.get_cog("checkins")
    assert cog.open_sealed("note", row["note"]) == "Felt steady today"
    # Sweeping again at the same moment sends nothing twice.
    assert (await cog.sweep()).checkins == 0


async def test_optional_questions_can_be_skipped(env, clock):
    bot, chat = env
    mo = chat.user("mo")
    await join(chat, mo)
    await sweep_at(bot, clock, EVENING)
    sent = await chat.press(mo, choice(chat.last(mo), "3"))
    sent = await chat.press(mo, choice(sent[-1], "0"))
    sent = await chat.press(mo, choice(sent[-1], "Yes"))
    sent = await chat.press(mo, choice(sent[-1], "Skip"))
    sent = await chat.press(mo, choice(sent[-1], "Skip"))
    assert "Thank you for checking in" in sent[-1].text
    row = await bot.db.fetchone(ENTRY_WITH_TEXTS)
    assert (row["intention"], row["note"], row["step"]) == (None, None, "done")


async def test_a_half_finished_check_in_survives_a_restart(tmp_path, clock):
    async with checkin_bot(tmp_path, clock) as (bot, chat):
        ivy = chat.user("ivy")
        await join(chat, ivy)
        await sweep_at(bot, clock, EVENING)
        craving_question = (await chat.press(ivy, choice(chat.last(ivy), "2")))[-1]
        craving_button = choice(craving_question, "5")
    clock.advance(minutes=10)
    async with checkin_bot(tmp_path, clock) as (bot, chat):
        ivy = chat.user("ivy")
        # The button from before the restart still works, and the check-in goes on from there.
        next_question = (await chat.press(ivy, craving_button))[-1]
        assert [c.label for c in next_question.content.choices] == ["Yes", "Struggling", "Had a slip"]
        row = await bot.db.fetchone("SELECT mood, craving, step FROM checkin_entries")
        assert (row["mood"], row["craving"], row["step"]) == (2, 5, "on_track")
        # The restarted bot does not send the day's check-in again.
        assert (await bot.get_cog("checkins").sweep()).checkins == 0


async def test_without_buttons_craving_is_typed_and_a_wrong_number_is_asked_again(tmp_path, clock):
    adapter = MemoryAdapter(capabilities=Capabilities(buttons=False))
    async with checkin_bot(tmp_path, clock, adapter) as (bot, chat):
        jo = chat.user("jo")
        await join(chat, jo)
        await sweep_at(bot, clock, EVENING)
        craving = (await chat.press(jo, choice(chat.last(jo), "3")))[-1]
        assert craving.content.ask.id.startswith("checkin.craving:") and not craving.content.choices
        retry = (await chat.answer(jo, "eleven"))[-1]
        assert "0 to 10" in retry.text and retry.content.ask is not None
        on_track = (await chat.answer(jo, "2"))[-1]
        assert "on track" in on_track.text
        assert await bot.db.fetchval("SELECT craving FROM checkin_entries") == 2


async def test_exactly_one_gentle_reminder_then_silence(env, clock):
    bot, chat = env
    ren = chat.user("ren")
    await join(chat, ren, "09:00 Europe/London")
    morning = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    await sweep_at(bot, clock, morning)
    before = len(chat.to(ren))
    assert (await sweep_at(bot, clock, morning + timedelta(hours=2, minutes=59))).reminders == 0
    assert (await sweep_at(bot, clock, morning + timedelta(hours=3))).reminders == 1
    reminder = chat.last(ren)
    assert "gentle nudge" in reminder.text and "won't ask again" in reminder.text
    for hours in (4, 6, 10, 14):
        await sweep_at(bot, clock, morning + timedelta(hours=hours))
    assert len(chat.to(ren)) == before + 1
    # The next day brings the next check-in as usual.
    assert (await sweep_at(bot, clock, morning + timedelta(days=1))).checkins == 1


async def test_no_reminder_once_answered(env, clock):
    bot, chat = env
    ren = chat.user("ren")
    await join(chat, ren, "09:00 Europe/London")
    morning = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)
    await sweep_at(bot, clock, morning)
    await chat.press(ren, choice(chat.last(ren), "4"))
    assert (await sweep_at(bot, clock, morning + timedelta(hours=3))).reminders == 0


async def test_check_in_now_answers_early_and_the_evening_one_is_not_sent_again(env, clock):
    bot, chat = env
    bo = chat.user("bo")
    await join(chat, bo)
    prompt = (await chat.say(bo, "!checkin now"))[-1]
    assert prompt.private_to == bo and len(prompt.content.choices) == 5
    sent = await chat.press(bo, choice(prompt, "3"))
    sent = await chat.press(bo, choice(sent[-1], "1"))
    sent = await chat.press(bo, choice(sent[-1], "Yes"))
    sent = await chat.press(bo, choice(sent[-1], "Skip"))
    done = (await chat.press(bo, choice(sent[-1], "Skip")))[-1]
    tomorrow_evening = datetime(2026, 11, 28, 20, 0, tzinfo=UTC)  # not tonight's: today is done
    assert f"Next check-in: <t:{int(tomorrow_evening.timestamp())}:F>" in done.text
    assert (await sweep_at(bot, clock, EVENING)).checkins == 0
    again = (await chat.say(bo, "!checkin now"))[-1]
    assert "already checked in today" in again.text


async def test_commands_need_joining_first_with_a_hint(env):
    _, chat = env
    reply = (await chat.say(chat.user("new"), "!checkin history"))[-1]
    assert "!checkin start" in reply.text


async def test_a_bot_down_past_the_grace_window_skips_rather_than_sending_at_night(env, clock):
    bot, chat = env
    al = chat.user("al")
    await join(chat, al)
    result = await sweep_at(bot, clock, EVENING + timedelta(hours=5))
    assert result.checkins == 0
    next_due = await bot.db.fetchval("SELECT next_day FROM checkin_members")
    assert next_due == "2026-11-28"


async def test_late_within_grace_is_still_sent(tmp_path):
    clock = FrozenClock(datetime(2026, 11, 27, 12, 0, tzinfo=UTC))
    async with checkin_bot(tmp_path, clock) as (bot, chat):
        await join(chat, chat.user("cy"))
    clock.set(EVENING + timedelta(hours=1))
    # Back an hour after cy's time: the startup catch-up sweeps, and the check-in goes out late, once.
    async with checkin_bot(tmp_path, clock) as (bot, chat):
        assert [s.content.title for s in chat.to(chat.user("cy"))] == ["Your daily check-in"]
        assert (await bot.get_cog("checkins").sweep()).checkins == 0


async def test_the_scheduler_sweeps_every_minute_so_a_check_in_arrives_at_the_members_time(tmp_path, clock):
    """No test calls sweep() here: the clock reaches 20:00 London and the alarm rings, as in real time."""
    async with checkin_bot(tmp_path, clock) as (bot, chat):
        cy = chat.user("cy")
        await join(chat, cy)
        clock.set(EVENING - timedelta(minutes=1))
        bot.scheduler.clock_moved()
        await asyncio.sleep(0.2)
        assert [s for s in chat.to(cy) if s.content.title == "Your daily check-in"] == []
        clock.set(EVENING)
        bot.scheduler.clock_moved()
        for _ in range(200):
            if chat.last(cy).content.title == "Your daily check-in":
                break
            await asyncio.sleep(0.05)
        assert "mood" in chat.last(cy).text.lower()
