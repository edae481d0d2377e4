"""`kindred run` with the smallest config a newcomer writes: [storage] path and three [matrix] keys."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

from nio import RoomMessageNotice

from bot.testing import database_for_tests
from tests.matrix.member import Member

DEADLINE = 60.0  # includes the process start (imports, migrations, login, first sync)


async def test_minimal_config_file_runs_and_answers_help_in_an_encrypted_dm(homeserver, tmp_path, engine):
    account = homeserver.register(f"kindredrun{engine}")
    config = tmp_path / "kindred.toml"
    config.write_text(
        f'[storage]\npath = "{tmp_path / "data" / "kindred.db"}"\n\n'
        f'[matrix]\nhomeserver = "{homeserver.url}"\nuser_id = "{account.user_id}"\n'
    )
    # The password comes from the environment, as the docs recommend, not from the file.
    environment = {**os.environ, "KINDRED_MATRIX_PASSWORD": account.password}
    if engine == "postgresql":  # the same file, on PostgreSQL: the URL from the environment, as for secrets
        environment["KINDRED_DATABASE_URL"] = database_for_tests(tmp_path)
    log_path = tmp_path / "kindred.log"
    with log_path.open("wb") as log_file:  # a file, not a pipe: a full pipe would stall the bot
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bot",
            "run",
            "--config",
            str(config),
            env=environment,
            stdout=subprocess.DEVNULL,
            stderr=log_file,
            cwd=tmp_path,
        )
    member = Member(homeserver.url, homeserver.register(), tmp_path / "member")
    try:
        await member.start()
        dm_id = await member.create_room([account.user_id], encrypted=True, direct=True)
        await member.wait_for_join(dm_id, account.user_id, seconds=DEADLINE)
        mark = member.mark()
        await member.send_text(dm_id, "!help")
        answer = await member.wait_for(
            lambda rid, event: (
                rid == dm_id and event.sender == account.user_id and isinstance(event, RoomMessageNotice)
            ),
            after=mark,
            seconds=DEADLINE,
        )
        assert "!mydata" in answer.body and answer.decrypted
    finally:
        await member.close()
        process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(process.wait(), 30)
        except TimeoutError:
            process.kill()
            await process.wait()
    errors = log_path.read_text(errors="replace")
    assert process.returncode == 0, errors[-2000:]
    assert "!help" not in errors, "message content must never be logged"
