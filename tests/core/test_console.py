"""The console adapter scripted, as a newcomer would run it."""

import asyncio
import json
import subprocess
import sys
from pathlib import Path


def run_console(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(tmp_path / "demo.db")],
        input=script,
        capture_output=True,
        text=True,
        timeout=90,
        cwd=tmp_path,
    )


def test_scripted_help_and_mydata_print_and_exit_zero(tmp_path):
    result = run_console(tmp_path, "!help\n!mydata\n")
    assert result.returncode == 0, result.stderr
    assert "What I can do" in result.stdout
    assert "`!mydata`" in result.stdout and "`!forgetme`" in result.stdout
    assert "Kindred holds nothing about you" in result.stdout
    saved = [line for line in result.stdout.splitlines() if "kindred-my-data.json saved to" in line]
    export = json.loads(Path(saved[0].split(" saved to ")[1]).read_text())
    assert export["member"] is None and export["features"] == {}


def test_numbers_answer_questions_and_unknown_input_is_explained(tmp_path):
    result = run_console(tmp_path, "!forgetme\n2\n!nope\n")
    assert result.returncode == 0, result.stderr
    assert "**1** Erase everything   **2** Keep my data" in result.stdout
    assert "Nothing was erased." in result.stdout
    assert "I don't know `!nope`" in result.stdout


def kindred_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, timeout=60, cwd=tmp_path
    )


def test_db_upgrade_and_status(tmp_path):
    db = tmp_path / "x.db"
    upgrade = kindred_cli(tmp_path, "db", "upgrade", "--db", str(db))
    assert upgrade.returncode == 0, upgrade.stderr
    status = kindred_cli(tmp_path, "db", "status", "--db", str(db))
    assert "core.members" in status.stdout and "core.scheduler" in status.stdout
    again = kindred_cli(tmp_path, "db", "upgrade", "--db", str(db))
    assert again.returncode == 0 and "up to date" in again.stdout


def test_db_status_lists_pending_migrations_so_the_operator_knows_to_upgrade(tmp_path):
    db = tmp_path / "kindred.db"
    fresh = kindred_cli(tmp_path, "db", "status", "--db", str(db))
    assert fresh.returncode == 0, fresh.stderr
    assert not db.exists()  # looking does not create a database
    listed = {
        line.split()[0] for line in fresh.stdout.splitlines() if "PENDING" in line and "Run" not in line
    }
    assert {"core.members", "core.vault", "checkins", "meetups", "mindfulness", "crisis"} <= listed
    assert "no migrations applied yet" in fresh.stdout and "Run `kindred db upgrade`" in fresh.stdout

    # A database left by an older Kindred: the core tables only, none of the cogs' yet.
    asyncio.run(_open_core_storage_only(tmp_path, db))
    older = kindred_cli(tmp_path, "db", "status", "--db", str(db))
    rows = older.stdout.splitlines()
    core_rows = [line for line in rows if line.startswith("core.")]
    assert core_rows and all("PENDING" not in line for line in core_rows)
    mindfulness = [line for line in rows if line.startswith("mindfulness ")]
    assert mindfulness and all("PENDING" in line for line in mindfulness)
    assert "PENDING. Run `kindred db upgrade`" in rows[-1]

    assert kindred_cli(tmp_path, "db", "upgrade", "--db", str(db)).returncode == 0
    upgraded = kindred_cli(tmp_path, "db", "status", "--db", str(db))
    assert "PENDING" not in upgraded.stdout
    assert upgraded.stdout.splitlines()[-1].endswith("none pending: up to date.")


async def _open_core_storage_only(tmp_path: Path, db: Path) -> None:
    from bot.core import Kindred
    from bot.testing import settings_for_tests

    settings = settings_for_tests(tmp_path)
    settings.storage.path = str(db)
    bot = Kindred(settings)
    await bot.open_storage()
    await bot.db.close()


def test_a_failed_start_exits_with_a_clear_message_instead_of_hanging(tmp_path):
    first = run_console(tmp_path, "!help\n")
    assert first.returncode == 0, first.stderr
    (tmp_path / "kindred.key").unlink()
    second = run_console(tmp_path, "!help\n")
    assert second.returncode == 2
    assert "no data key was found" in second.stderr


def test_the_console_moves_time_to_show_what_is_scheduled(tmp_path):
    # Whatever the hour now, the next 24 hours hold one 20:00 UTC: carol's check-in comes during them.
    result = run_console(tmp_path, "!checkin start 20:00 UTC\n1\n:wait 1d\n")
    assert result.returncode == 0, result.stderr
    assert "**Your daily check-in**" in result.stdout and "(it is now " in result.stdout
