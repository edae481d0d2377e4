"""Pauses, DST, retention through the real scheduler, history with its chart, export and erase."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.vault import decode_key, generate_key
from tests.checkins.conftest import ENTRY_WITH_TEXTS, choice, join, sweep_at

EVENING = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)


async def check_in(chat, user, mood="3", craving="2", note="a private note"):
    sent = await chat.press(user, choice(chat.last(user), mood))
    sent = await chat.press(user, choice(sent[-1], craving))
    sent = await chat.press(user, choice(sent[-1], "Yes"))
    await chat.press(user, choice(sent[-1], "Skip"))
    return await chat.answer(user, note)


async def test_pause_until_a_date_then_back_on_that_date(env, clock):
    bot, chat = env
    pia = chat.user("pia")
    await join(chat, pia)
    reply = (await chat.say(pia, "!checkin pause until 2026-12-01"))[-1]
    assert "back on Tuesday 01 December" in reply.text
    for day in range(4):  # 27-30 November: silence
        assert (await sweep_at(bot, clock, EVENING + timedelta(days=day))).checkins == 0
    assert (await sweep_at(bot, clock, EVENING + timedelta(days=4))).checkins == 1
    assert chat.last(pia).content.title == "Your daily check-in"


async def test_pause_with_a_past_date_is_refused_kindly_and_resume_works(env, clock):
    bot, chat = env
    pia = chat.user("pia")
    await join(chat, pia)
    refused = (await chat.say(pia, "!checkin pause until 2026-11-01"))[-1]
    assert "not in the future" in refused.text and "!checkin pause until 2026-12-04" in refused.text
    await chat.say(pia, "!checkin pause")
    assert (await sweep_at(bot, clock, EVENING)).checkins == 0
    await chat.say(pia, "!checkin resume")
    assert (await sweep_at(bot, clock, EVENING + timedelta(days=1))).checkins == 1


async def test_pauses_do_not_break_a_streak(env, clock):
    bot, chat = env
    ray = chat.user("ray")
    await join(chat, ray)
    await sweep_at(bot, clock, EVENING)
    await check_in(chat, ray)
    await chat.say(ray, "!checkin pause until 2026-11-30")
    await sweep_at(bot, clock, EVENING + timedelta(days=3))
    done = (await check_in(chat, ray))[-1]
    assert "checked in 2 times in a row" in done.text


async def test_local_time_holds_across_the_dst_change_through_the_sweep(tmp_path):
    from bot.testing import FrozenClock
    from tests.checkins.conftest import checkin_bot

    zone = ZoneInfo("America/New_York")
    clock = FrozenClock(datetime(2026, 10, 30, 12, 0, tzinfo=UTC))
    async with checkin_bot(tmp_path, clock) as (bot, chat):
        sol = chat.user("sol")
        await join(chat, sol, "08:00 America/New_York")
        times = []
        moment = clock.now()
        while moment < datetime(2026, 11, 3, 14, 0, tzinfo=UTC):  # across Sunday 1 November, 02:00
            moment += timedelta(minutes=30)
            if (await sweep_at(bot, clock, moment)).checkins:
                times.append(moment.astimezone(zone))
        assert [(t.day, t.hour, t.minute) for t in times] == [(31, 8, 0), (1, 8, 0), (2, 8, 0), (3, 8, 0)]
        assert [t.utcoffset() for t in times] == [timedelta(hours=-4)] + [timedelta(hours=-5)] * 3


async def test_quiet_hours_move_the_check_in_to_their_end(env, clock):
    bot, chat = env
    una = chat.user("una")
    await join(chat, una, "06:00 Europe/London")
    reply = (await chat.say(una, "!checkin quiet 22:00-07:00"))[-1]
    assert "22:00-07:00" in reply.text
    assert (await sweep_at(bot, clock, datetime(2026, 11, 28, 6, 0, tzinfo=UTC))).checkins == 0
    assert (await sweep_at(bot, clock, datetime(2026, 11, 28, 7, 0, tzinfo=UTC))).checkins == 1
    assert "not a time range" in (await chat.say(una, "!checkin quiet late"))[-1].text


async def test_history_gives_own_answers_and_a_png_chart_privately(env, clock):
    bot, chat = env
    val = chat.user("val")
    await join(chat, val)
    for day, mood in enumerate(("2", "4", "5")):
        await sweep_at(bot, clock, EVENING + timedelta(days=day))
        await check_in(chat, val, mood=mood, note=f"note {day}")
    reply = (await chat.say(val, "!checkin history 7", place=chat.channel()))[-1]
    assert reply.private_to == val
    assert (
        "3 check-ins in the last 7 days" in reply.text and "mood 5/5" in reply.text and "note 2" in reply.text
    )
    chart = reply.content.files[0]
    assert chart.mime_type == "image/png" and chart.data.startswith(b"\x89PNG\r\n\x1a\n")
    assert "3 check-in days" in chart.description and "Mood from 2 to 5" in chart.description
    assert "between 1 and 365" in (await chat.say(val, "!checkin history 9999"))[-1].text


async def test_notes_past_retention_are_deleted_by_the_daily_scheduled_job(env, clock):
    bot, chat = env
    wes = chat.user("wes")
    await join(chat, wes)
    await sweep_at(bot, clock, EVENING)
    await check_in(chat, wes, note="old note")
    mod = chat.user("mod", moderator=True)
    assert "30 days" in (await chat.say(mod, "!checkin retention 30"))[-1].text
    # 29 days later the daily job keeps it; 31 days later it is gone, and the numbers stay.
    clock.set(datetime(2026, 12, 27, 3, 17, tzinfo=UTC))
    await bot.scheduler.run_due()
    assert await bot.db.fetchval("SELECT note FROM checkin_texts") is not None
    clock.set(datetime(2026, 12, 29, 3, 17, tzinfo=UTC))
    await bot.scheduler.run_due()  # the retention job (and the minute's check-in sweep)
    row = await bot.db.fetchone(ENTRY_WITH_TEXTS)
    assert row["note"] is None and row["mood"] == 3


async def test_key_rotation_keeps_notes_readable(env, clock):
    """`kindred keys rotate` must open what the check-in flow sealed, and the member still reads it."""
    bot, chat = env
    wes = chat.user("wes")
    await join(chat, wes)
    await sweep_at(bot, clock, EVENING)
    await check_in(chat, wes, note="called my sister")
    sealed_before = await bot.db.fetchval("SELECT note FROM checkin_texts")
    assert await bot.rotate_key(decode_key(generate_key())) == 1
    assert await bot.db.fetchval("SELECT note FROM checkin_texts") != sealed_before
    export = json.loads((await chat.say(wes, "!mydata"))[-1].content.files[0].data)
    assert export["features"]["checkins"]["checkins"][0]["note"] == "called my sister"


async def test_mydata_exports_everything_readable_and_forgetme_erases_it(env, clock):
    bot, chat = env
    xia, yan = chat.user("xia"), chat.user("yan")
    await join(chat, xia)
    await join(chat, yan)
    await chat.say(xia, "!checkin sober 2026-09-01")
    await chat.say(xia, "!partner invite @yan")
    await chat.press(yan, choice(chat.last(yan), "Accept"))
    await sweep_at(bot, clock, EVENING)
    await check_in(chat, xia, note="only mine")
    export = (await chat.say(xia, "!mydata"))[-1]
    data = json.loads(export.content.files[0].data)["features"]["checkins"]
    assert data["checkins"][0]["note"] == "only mine" and data["checkins"][0]["mood"] == 3
    assert data["settings"]["timezone"] == "Europe/London" and data["partners"] == ["yan"]
    assert data["sober_periods"] == [{"started": "2026-09-01", "ended": None}]

    xia_id = await bot.members.lookup(xia)
    await chat.say(xia, "!forgetme")
    await chat.press(xia, "privacy.forget:yes")
    assert await bot.members.lookup(xia) is None
    for table in ("checkin_members", "checkin_entries", "checkin_texts", "checkin_sober_periods"):
        assert await bot.db.fetchval(f"SELECT COUNT(*) FROM {table} WHERE member_id = ?", (xia_id,)) == 0
    assert await bot.db.fetchval("SELECT COUNT(*) FROM checkin_partners") == 0  # yan's side goes too
    assert await bot.db.fetchval("SELECT COUNT(*) FROM checkin_partner_invites") == 0
    assert (await bot.get_cog("checkins").sweep(EVENING + timedelta(days=1))).checkins == 1  # only yan


async def test_stop_ends_check_ins_and_offers_to_erase(env, clock):
    bot, chat = env
    zed = chat.user("zed")
    await join(chat, zed)
    offer = (await chat.say(zed, "!checkin stop"))[-1]
    assert "Erase it" in [c.label for c in offer.content.choices]
    assert (await sweep_at(bot, clock, EVENING)).checkins == 0
    await chat.press(zed, choice(offer, "Erase it"))
    assert await bot.db.fetchval("SELECT COUNT(*) FROM checkin_members") == 0
    # Joining again works.
    await join(chat, zed)
    assert (await sweep_at(bot, clock, EVENING + timedelta(days=1))).checkins == 1


async def test_optin_command_joins_with_defaults(env, clock):
    bot, chat = env
    amy = chat.user("amy")
    await chat.say(amy, "!optin checkins")
    await chat.press(amy, "consent:agree:checkins")
    assert "every day at 20:00 (UTC)" in chat.last(amy).text
    assert date.fromisoformat(await bot.db.fetchval("SELECT next_day FROM checkin_members")) == date(
        2026, 11, 27
    )
