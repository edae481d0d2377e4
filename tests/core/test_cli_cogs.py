"""The command line names no cog: cogs contribute their own subcommands (`kindred crisis eval`)."""

import ast
import json
from pathlib import Path

import bot.cli
from bot.cli import main


def test_the_core_command_line_names_no_cog():
    tree = ast.parse(Path(bot.cli.__file__).read_text())
    imported = [node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    named = [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    ]
    assert not [m for m in imported if m and m.startswith("cogs")]
    assert not [text for text in named if "cogs." in text or text == "crisis"]


def test_a_cog_contributed_subcommand_runs_from_the_kindred_command(tmp_path, capsys):
    labelled = tmp_path / "two.jsonl"
    labelled.write_text(
        "\n".join(
            json.dumps(row)
            for row in [
                {"text": "I want to end my life tonight", "label": "crisis", "category": "plan"},
                {"text": "Coffee after group on Thursday?", "label": "none", "category": "chat"},
            ]
        )
    )
    assert main(["crisis", "eval", str(labelled)]) == 0
    printed = capsys.readouterr().out
    assert "two.jsonl" in printed and "recall" in printed.lower()


def test_help_lists_the_contributed_subcommand(capsys):
    try:
        main(["--help"])
    except SystemExit:
        pass
    assert "crisis detector tools" in capsys.readouterr().out
