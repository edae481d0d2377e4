"""Exactly once on Matrix, with real processes and a real Synapse (issue 18): a `kindred run` process
is killed with SIGKILL while a proxy of the test's own (tests/crash/matrix_proxy.py) holds the send the
test aims at, started again, and the events in the room are counted through Synapse's admin API. The
three points:
- "request": the send never reached Synapse (the process died with it in flight);
- "answer": Synapse made the event, its answer never came back (killed while waiting for it);
- "passed": the answer came back, and the test held SQLite's write lock from that moment, so the bot
  could record neither the event (outbox) nor the run (ledger) before it was killed.
Synapse recognises the resend by its transaction id (same room, user, device and txn id, kept 24 hours
in its database), and the bot keeps its device across restarts."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.crash.harness import T0, BotProcess, crash_and_restart, held_send, prepare, raise_alert_due_at
from tests.crash.matrix_proxy import MatrixProxy

POINTS = ["request", "answer", "passed"]
CRISIS = "honestly i want to die tonight, i cant do this anymore"
DEADLINE = 60.0


@pytest.fixture
async def proxy(homeserver):
    started = await MatrixProxy(homeserver.url).start()
    yield started
    await started.stop()


def events(homeserver, room_id: str, sender: str, event_type: str) -> list[dict]:
    """The room's events of this type from this sender, as Synapse stores them (admin API)."""
    answer = homeserver._request(
        "GET",
        f"/_synapse/admin/v1/rooms/{quote(room_id)}/messages?dir=b&limit=200",
        token=homeserver.admin.access_token,
    )
    return [e for e in answer["chunk"] if e["sender"] == sender and e["type"] == event_type]


def set_up(tmp_path: Path, homeserver, proxy) -> tuple[Path, Path, object, str]:
    """The bot's account, a moderators' room it made (so nobody else there is a moderator), its config
    (the homeserver reached through the proxy) and database."""
    account = homeserver.register(f"kindredcrash{tmp_path.name[-6:].lower()}")
    mods = homeserver._request(
        "POST",
        "/_matrix/client/v3/createRoom",
        {"name": "moderators", "preset": "private_chat"},
        token=account.access_token,
    )["room_id"]
    (tmp_path / "data").mkdir()
    config = tmp_path / "kindred.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "data" / "kindred.db"}"\n\n'
        f'[community]\nmatrix_rooms = ["{mods}"]\n\n'
        f'[matrix]\nhomeserver = "{proxy.url}"\nuser_id = "{account.user_id}"\npassword = "{account.password}"\n'
    )
    return config, tmp_path / "data" / "kindred.db", account, mods


def hold_alert(proxy, mods: str, point: str, database: Path):
    return held_send(proxy.hold, "PUT", rf"/rooms/{re.escape(mods)}/send/m\.room\.message/", point, database)


@pytest.mark.parametrize("point", POINTS)
async def test_a_one_off_reminder_killed_at_its_send_reaches_the_room_once(
    tmp_path, homeserver, proxy, point
):
    """A crisis re-alert, a one-off schedule like a meetup's reminder: the issue's "lost for good"."""
    config, database, account, mods = set_up(tmp_path, homeserver, proxy)
    await prepare(
        config,
        lambda bot: raise_alert_due_at(bot, {"platform": "matrix", "place_id": mods, "scope_id": mods}, T0),
    )
    hold, lock = hold_alert(proxy, mods, point, database)
    # The re-alert is due at once: the startup's catch-up sends it.
    await crash_and_restart(BotProcess(config, tmp_path), database, hold, lock, point)
    realerts = [
        e
        for e in events(homeserver, mods, account.user_id, "m.room.message")
        if "Still unacknowledged (1x)" in e["content"].get("body", "")
    ]
    assert len(realerts) == 1


@pytest.mark.parametrize("point", POINTS)
async def test_a_crisis_message_killed_at_its_alert_gets_one_alert_and_one_reply(
    tmp_path, homeserver, proxy, new_member, point
):
    """Matrix delivers the member's message again after the restart (the sync token is saved only once
    its batch was handled): the same event finds its alert, and nothing is sent twice."""
    config, database, account, mods = set_up(tmp_path, homeserver, proxy)

    async def alert_room(bot):
        await bot.community_settings(1, "crisis").set(
            "alert_place", {"platform": "matrix", "place_id": mods, "scope_id": mods}
        )

    await prepare(config, alert_room)
    hold, lock = hold_alert(proxy, mods, point, database)
    member = await new_member("amara")
    dm = None

    async def say_it_in_a_dm() -> None:
        nonlocal dm
        dm = await member.create_room([account.user_id], encrypted=True, direct=True)
        await member.wait_for_join(dm, account.user_id, seconds=DEADLINE)
        await member.send_text(dm, CRISIS)

    await crash_and_restart(BotProcess(config, tmp_path), database, hold, lock, point, act=say_it_in_a_dm)
    alerts = [
        e
        for e in events(homeserver, mods, account.user_id, "m.room.message")
        if "Crisis alert" in e["content"].get("body", "")
    ]
    replies = events(
        homeserver, dm, account.user_id, "m.room.encrypted"
    )  # the reply is the bot's only message
    assert (len(alerts), len(replies)) == (1, 1)
    assert CRISIS not in alerts[0]["content"]["body"]
    await member.wait_for(
        lambda room_id, event: (
            room_id == dm
            and event.sender == account.user_id
            and "Are you safe right now?" in getattr(event, "body", "")
        ),
        seconds=DEADLINE,
    )
