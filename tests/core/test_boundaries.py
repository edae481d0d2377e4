"""Cogs are written once for every platform: none may import a platform library."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PLATFORM_LIBRARIES = {"discord", "nio"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def offenders(directory: Path) -> list[str]:
    return sorted(
        f"{path.relative_to(ROOT)} imports {', '.join(sorted(imported_roots(path) & PLATFORM_LIBRARIES))}"
        for path in directory.rglob("*.py")
        if imported_roots(path) & PLATFORM_LIBRARIES
    )


def test_no_cog_imports_discord_or_nio():
    assert (ROOT / "cogs").is_dir()
    assert offenders(ROOT / "cogs") == []


def test_core_outside_adapters_imports_no_platform_library():
    bad = [line for line in offenders(ROOT / "bot") if not line.startswith("bot/adapters/")]
    assert bad == []


def test_the_check_catches_a_platform_import(tmp_path):
    (tmp_path / "leaky.py").write_text("from discord import Embed\nimport nio.crypto\n")
    assert imported_roots(tmp_path / "leaky.py") & PLATFORM_LIBRARIES == {"discord", "nio"}
