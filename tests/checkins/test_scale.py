"""Daily work that stays flat as history grows: streaks carried forward, totals counted as they happen,
retention that touches only what expired, charts drawn off the event loop, and the migration to it."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta

from bot.storage import Database
from bot.testing import database_for_tests, make_test_bot
from cogs.checkins.store import MIGRATIONS, CheckinStore
from cogs.checkins.streaks import check_in_streak
from tests.checkins.conftest import COGS, join, sweep_at
from tests.checkins.test_people import answer_through

EVENING = datetime(2026, 11, 27, 20, 0, tzinfo=UTC)
FIRST_DAY = date(2026, 10, 1)


async def reference_streak(bot, member_id: int, today: date):
    """The streak counted the old way, from every entry."""
    rows = await bot.db.fetchall(
        "SELECT day, answered_at FROM checkin_entries WHERE member_id = ?", (member_id,)
    )
    sent = {date.fromisoformat(row["day"]) for row in rows}
    answered = [date.fromisoformat(row["day"]) for row in rows if row["answered_at"]]
    return check_in_streak(answered, today, is_excused=lambda d: d not in sent)


async def test_a_streak_carried_forward_matches_one_counted_from_every_entry(env, clock):
    """Random months of check-ins sent and answered, answers sometimes days late (an old button): after
    every answer, the kept streak reads the same as the full count, for today and later days."""
    bot, chat = env
    cog, store = bot.get_cog("checkins"), CheckinStore(bot.db)
    for seed in range(12):
        rng = random.Random(seed)
        member = chat.user(f"m{seed}")
        await join(chat, member)
        member_id = await bot.members.lookup(member)
        days = [FIRST_DAY + timedelta(days=n) for n in range(40)]
        sent = [day for day in days if rng.random() < 0.8]
        to_answer = [day for day in sent if rng.random() < 0.75]
        # Mostly in order; now and then one answered after later ones.
        order = sorted(to_answer, key=lambda day: day.toordinal() + (rng.random() < 0.15) * rng.randint(1, 9))
        for day in sent:
            await store.open_entry(member_id, day, 1, ",mood,craving,on_track,intention,note,", EVENING)
        for answered_day in order:
            recorded = await store.answer(
                member.platform, member.user_id, answered_day, "mood", rng.randint(1, 5), EVENING
            )
            assert recorded is not None
            # Later days first (what is kept), then the answered day itself (an earlier day is counted afresh).
            for today in (
                days[-1] + timedelta(days=1),
                max(order) + timedelta(days=3),
                max(order),
                answered_day,
            ):
                assert await cog.streak(member_id, today) == await reference_streak(bot, member_id, today), (
                    seed,
                    answered_day,
                    today,
                )


async def test_moderator_totals_are_counted_as_check_ins_go_out_and_come_back(env, clock):
    bot, chat = env
    members = [chat.user(name) for name in ("ana", "bo", "cy", "di")]
    for member in members:
        await join(chat, member)
    await sweep_at(bot, clock, EVENING)
    for member in members[:3]:
        await answer_through(chat, member)
    await chat.press(
        members[0], chat.find_choice(chat.last(members[0]), "Skip")
    )  # a second answer: no double count
    mod = chat.user("mod", moderator=True)
    stats = (await chat.say(mod, "!checkin stats"))[-1].text
    assert "2026-11-27: 75% checked in (4 asked)" in stats
    # An erased member leaves the totals, as they leave everything else.
    await chat.say(members[0], "!forgetme")
    await chat.press(members[0], "privacy.forget:yes")
    stats = (await chat.say(mod, "!checkin stats"))[-1].text
    assert "2026-11-27: 67% checked in (3 asked)" in stats


async def test_retention_deletes_only_expired_texts_through_the_expiry_index(env, clock):
    bot, chat = env
    ivy, jon = chat.user("ivy"), chat.user("jon")
    for member in (ivy, jon):
        await join(chat, member)
    await sweep_at(bot, clock, EVENING)
    await answer_through(chat, ivy)
    await chat.answer(ivy, "walk at lunch")  # the intention, on the first day's check-in
    await sweep_at(bot, clock, EVENING + timedelta(days=40))  # (the day after the first, long past: skipped)
    await sweep_at(bot, clock, EVENING + timedelta(days=41))
    await answer_through(chat, jon)
    await chat.answer(jon, "call my sister")  # on a check-in 41 days later
    mod = chat.user("mod", moderator=True)
    await chat.say(mod, "!checkin retention 30")
    cog = bot.get_cog("checkins")
    assert await cog.enforce_retention(EVENING + timedelta(days=45)) == 1  # ivy's, 45 days old
    texts = await bot.db.fetchall("SELECT member_id FROM checkin_texts")
    assert [row["member_id"] for row in texts] == [await bot.members.lookup(jon)]
    assert (
        await bot.db.fetchval("SELECT COUNT(*) FROM checkin_entries WHERE mood IS NOT NULL") == 2
    )  # numbers stay
    if bot.db.engine == "sqlite":  # (PostgreSQL chooses by cost, and scans a table this small)
        plan = " ".join(
            row[3]
            for row in await bot.db.fetchall(
                "EXPLAIN QUERY PLAN DELETE FROM checkin_texts WHERE community_id = 1 AND day < '2026-01-01'"
            )
        )
        assert "checkin_texts_by_day" in plan and "SCAN" not in plan


async def test_history_chart_is_drawn_by_a_worker_process(env, clock):
    bot, chat = env
    kim = chat.user("kim")
    await join(chat, kim)
    await sweep_at(bot, clock, EVENING)
    await answer_through(chat, kim)
    reply = (await chat.say(kim, "!checkin history 365"))[-1]
    chart = reply.content.files[0]
    assert chart.data.startswith(b"\x89PNG") and "1 check-in day." in chart.description
    assert bot.cpu.started  # the worker drew it; the loop never did


async def test_the_migration_moves_notes_out_converts_times_and_counts_what_was_there(tmp_path, clock):
    """A database written before the compact layout: its check-ins, notes, totals and streaks carry over."""
    async with make_test_bot(tmp_path, cogs=["cogs.privacy"], clock=clock) as (bot, chat):
        old = Database(database_for_tests(tmp_path))
        await old.open()
        await old.migrate("checkins", MIGRATIONS[:2])
        ada = chat.user("ada")
        await bot.consent.record(ada, "checkins", "Check-ins keep your answers.")
        ada_id = await bot.members.lookup(ada)
        await old.execute(
            "INSERT INTO checkin_members (member_id, community_id, local_time, timezone, days, "
            "joined_at) VALUES (?, 1, '20:00', 'UTC', 'mon,tue,wed,thu,fri,sat,sun', '2026-11-01')",
            (ada_id,),
        )
        note = bot.vault.seal("slept well", context="checkins.note")
        for offset, mood in ((0, 4), (1, None), (2, 3), (3, 5)):  # answered, missed, answered, answered
            day = date(2026, 11, 20) + timedelta(days=offset)
            answered = f"{day}T20:05:00+00:00" if mood else None
            await old.execute(
                "INSERT INTO checkin_entries (member_id, day, community_id, step, sent_at, answered_at, mood, note) "
                "VALUES (?, ?, 1, ?, ?, ?, ?, ?)",
                (
                    ada_id,
                    day.isoformat(),
                    "done" if mood else "mood",
                    f"{day}T20:00:00.250000+00:00",
                    answered,
                    mood,
                    note if offset == 3 else None,
                ),
            )
        await old.close()
    async with make_test_bot(tmp_path, cogs=COGS, clock=clock) as (bot, chat):
        ada = chat.user("ada")
        ada_id = await bot.members.lookup(ada)
        row = await bot.db.fetchone(
            "SELECT sent_at, answered_at, steps FROM checkin_entries WHERE day = '2026-11-23'"
        )
        assert (row["sent_at"], row["answered_at"], row["steps"]) == (
            int(datetime(2026, 11, 23, 20, tzinfo=UTC).timestamp()),
            int(datetime(2026, 11, 23, 20, 5, tzinfo=UTC).timestamp()),
            None,
        )
        counts = await bot.db.fetchall("SELECT day, asked, answered FROM checkin_daily_counts ORDER BY day")
        assert [tuple(c) for c in counts] == [
            ("2026-11-20", 1, 1),
            ("2026-11-21", 1, 0),
            ("2026-11-22", 1, 1),
            ("2026-11-23", 1, 1),
        ]
        streak = await bot.get_cog("checkins").streak(ada_id, date(2026, 11, 24))
        assert (streak.current, streak.longest, streak.total) == (2, 2, 3)
        exported = json.loads((await chat.say(ada, "!mydata"))[-1].content.files[0].data)
        days = exported["features"]["checkins"]["checkins"]
        assert [d["note"] for d in days] == [None, None, None, "slept well"]
        assert days[0]["sent_at"] == "2026-11-20T20:00:00+00:00"
