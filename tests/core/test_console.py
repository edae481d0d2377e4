"""The console adapter scripted, as a newcomer would run it."""

import json
import subprocess
import sys
from pathlib import Path


def run_console(tmp_path: Path, script: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bot", "console", "--db", str(tmp_path / "demo.db")],
        input=script, capture_output=True, text=True, timeout=90, cwd=tmp_path,
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


def test_db_upgrade_and_status(tmp_path):
    db = tmp_path / "x.db"
    upgrade = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade", "--db", str(db)],
                             capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert upgrade.returncode == 0, upgrade.stderr
    status = subprocess.run([sys.executable, "-m", "bot", "db", "status", "--db", str(db)],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert "core.members" in status.stdout and "core.scheduler" in status.stdout
    again = subprocess.run([sys.executable, "-m", "bot", "db", "upgrade", "--db", str(db)],
                           capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert again.returncode == 0 and "up to date" in again.stdout


def test_a_failed_start_exits_with_a_clear_message_instead_of_hanging(tmp_path):
    first = run_console(tmp_path, "!help\n")
    assert first.returncode == 0, first.stderr
    (tmp_path / "kindred.key").unlink()
    second = run_console(tmp_path, "!help\n")
    assert second.returncode == 2
    assert "no data key was found" in second.stderr
