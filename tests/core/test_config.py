"""Config errors stop startup and name the key; secrets may come from the environment."""

import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings, parse_settings


def problems_of(raw: dict, env=None) -> list[str]:
    with pytest.raises(ConfigError) as error:
        parse_settings(raw, env=env or {})
    return error.value.problems


def test_no_file_gives_the_embedded_default():
    settings = load_settings(None, env={})
    assert settings.storage.path == "data/kindred.db"
    assert settings.enabled_adapters() == []


def test_storage_and_one_adapter_section_are_enough():
    settings = parse_settings({"storage": {"path": "x.db"}, "discord": {"token": "abc"}}, env={})
    assert settings.enabled_adapters() == ["discord"]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ({"storage": {"pth": "x.db"}}, "[storage] pth: unknown key (did you mean 'path'?)"),
        ({"storage": {"path": 3}}, "[storage] path: expected text, got 3"),
        (
            {"community": {"timezone": "Mars/Olympus"}},
            "[community] timezone: 'Mars/Olympus' is not an IANA timezone",
        ),
        ({"community": {"country": "USA"}}, "[community] country: use a two-letter country code"),
        ({"community": {"moderators": "discord:1"}}, "[community] moderators: expected a list"),
        ({"discord": {"token": ""}}, "[discord] token: missing"),
        (
            {"discord": {"token": "t", "message_content": "yes"}},
            "[discord] message_content: expected true or false",
        ),
        (
            {"matrix": {"homeserver": "matrix.org", "user_id": "@k:m", "password": "p"}},
            "[matrix] homeserver:",
        ),
        ({"matrix": {"homeserver": "https://m", "user_id": "kindred", "password": "p"}}, "[matrix] user_id:"),
        (
            {"matrix": {"homeserver": "https://m", "user_id": "@k:m"}},
            "[matrix] password: set password or access_token",
        ),
        ({"discrod": {"token": "t"}}, "[discrod]: unknown section (did you mean '[discord]'?)"),
        ({"communities": [{"name": "b", "timezone": "Nowhere"}]}, "[[communities]][0] timezone:"),
        ({"logging": {"level": "LOUD"}}, "[logging] level:"),
        ({"crisis": {"on_call": ["ana"]}}, "[crisis] on_call[0]: 'ana' should be a platform and an id"),
    ],
)
def test_each_problem_names_its_key(raw, expected):
    assert any(problem.startswith(expected) for problem in problems_of(raw)), problems_of(raw)


def test_every_problem_is_reported_at_once():
    problems = problems_of({"storage": {"pth": 1}, "community": {"timezone": "X", "country": "1"}})
    assert len(problems) == 3


def test_secrets_come_from_the_environment():
    env = {"KINDRED_DISCORD_TOKEN": "from-env", "KINDRED_MATRIX_ACCESS_TOKEN": "tok"}
    settings = parse_settings(
        {"discord": {}, "matrix": {"homeserver": "https://m.example", "user_id": "@k:m.example"}}, env=env
    )
    assert settings.discord.token == "from-env"
    assert settings.matrix.access_token == "tok"


def test_example_config_is_valid():
    from pathlib import Path

    example = Path(__file__).resolve().parents[2] / "config.example.toml"
    settings = load_settings(example, env={})
    assert settings.community.timezone


def test_config_check_command_reports_and_fails(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[storage]\npath = "x.db"\n[community]\ntimezone = "Moon/Base"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bot", "config", "check", str(bad)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 2
    assert "[community] timezone: 'Moon/Base' is not an IANA timezone" in result.stderr
    good = tmp_path / "good.toml"
    good.write_text('[storage]\npath = "x.db"\n')
    result = subprocess.run(
        [sys.executable, "-m", "bot", "config", "check", str(good)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
