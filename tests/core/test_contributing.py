"""CONTRIBUTING.md walks a newcomer through adding a cog: build exactly its code and run its tests."""

import importlib.util
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BLOCK = re.compile(r"```python\n# (?P<path>\S+)\n(?P<code>.*?)```", re.DOTALL)


def example_files() -> dict[str, str]:
    return {
        m["path"]: f"# {m['path']}\n{m['code']}"
        for m in BLOCK.finditer((ROOT / "CONTRIBUTING.md").read_text())
    }


@pytest.fixture
def gratitude_cog(tmp_path):
    """The walk's files written out, and its package importable as `cogs.gratitude` for this test."""
    files = example_files()
    for path, code in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(code)
    package_dir = tmp_path / "cogs" / "gratitude"
    spec = importlib.util.spec_from_file_location(
        "cogs.gratitude", package_dir / "__init__.py", submodule_search_locations=[str(package_dir)]
    )
    package = importlib.util.module_from_spec(spec)
    sys.modules["cogs.gratitude"] = package
    spec.loader.exec_module(package)
    try:
        yield tmp_path, files
    finally:
        for name in [n for n in sys.modules if n == "cogs.gratitude" or n.startswith("cogs.gratitude.")]:
            del sys.modules[name]


def test_the_walk_has_every_step():
    assert set(example_files()) == {
        "cogs/gratitude/__init__.py",
        "cogs/gratitude/cog.py",
        "tests/gratitude/test_gratitude.py",
        "tests/gratitude/test_gratitude_platforms.py",
    }


def test_the_example_code_passes_the_projects_lint(gratitude_cog):
    folder, files = gratitude_cog
    ruff = Path(sys.executable).with_name("ruff")
    done = subprocess.run(
        [str(ruff), "check", "--config", str(ROOT / "pyproject.toml"), *files],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


async def test_the_example_cogs_own_tests_pass(gratitude_cog):
    folder, files = gratitude_cog
    ran = []
    for path in sorted(p for p in files if p.startswith("tests/")):
        namespace: dict = {"__name__": path}
        exec(compile(files[path], str(folder / path), "exec"), namespace)
        for name, test in namespace.items():
            if name.startswith("test_") and inspect.iscoroutinefunction(test):
                run_dir = folder / "runs" / name
                run_dir.mkdir(parents=True)
                await test(run_dir)
                ran.append(name)
    assert len(ran) == 3, ran
