"""Whatever order answers arrive in, seats never exceed capacity and the waitlist is first come, first served."""

from __future__ import annotations

import asyncio
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.storage import Database
from bot.vault import Vault, decode_key, generate_key
from cogs.meetups.store import MIGRATIONS, MeetupStore

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
answers = st.lists(st.tuples(st.integers(1, 8), st.sampled_from(["going", "maybe", "cant"])), max_size=40)


async def replay(events, capacity: int) -> list:
    with tempfile.TemporaryDirectory() as tmp:
        db = await Database(Path(tmp) / "p.db").open()
        try:
            await db.migrate("meetups", MIGRATIONS)
            vault = Vault(decode_key(generate_key()))
            store = MeetupStore(db, lambda: vault)
            meetup_id = await store.create(
                community_id=1,
                title="P",
                description="",
                place="",
                now=NOW,
                start=datetime(2026, 12, 3, 18, 0, tzinfo=ZoneInfo("Europe/London")),
                duration=timedelta(hours=1),
                capacity=capacity,
                recurrence=None,
                cutoff=timedelta(0),
                organiser="x:y",
                origin=None,
            )
            meetup = await store.get(meetup_id)
            occ = await store.occurrence(meetup, meetup.first_start)
            model_going: list[int] = []  # a plain-Python model of what should happen
            model_waiting: list[int] = []
            for member, answer in events:
                result = await store.answer(occ, member, answer, "memory", f"m{member}", NOW)
                was_in = member in model_going or member in model_waiting
                if answer == "going" and not was_in:
                    (model_going if len(model_going) < capacity else model_waiting).append(member)
                elif answer != "going":
                    if member in model_going:
                        model_going.remove(member)
                    if member in model_waiting:
                        model_waiting.remove(member)
                    while model_waiting and len(model_going) < capacity:
                        model_going.append(model_waiting.pop(0))
                assert result.going == len(model_going) <= capacity
            rows = await store.rsvps(occ, ("going", "waitlist"))
            return [model_going, model_waiting, rows]
        finally:
            await db.close()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(events=answers, capacity=st.integers(1, 4))
def test_seats_and_waitlist_match_a_simple_model(events, capacity):
    going, waiting, rows = asyncio.run(asyncio.wait_for(replay(events, capacity), 30))
    assert sorted(r["member_id"] for r in rows if r["answer"] == "going") == sorted(going)
    assert [r["member_id"] for r in rows if r["answer"] == "waitlist"] == waiting
    if waiting:
        assert len(going) == capacity
