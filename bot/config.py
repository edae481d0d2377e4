"""TOML configuration, validated into typed settings before anything starts.

Every section is a dataclass; its fields are the keys a config file may use. Validation collects every
problem (unknown key, wrong type, bad timezone) with the key it concerns, so `kindred config check`
can report them all at once. Secrets may come from the environment instead of the file.
"""

from __future__ import annotations

import difflib
import os
import tomllib
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, is_dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.model import Platform

DEFAULT_DB_PATH = "data/kindred.db"


class ConfigError(Exception):
    """The configuration cannot be used. `problems` lists each one as "[section] key: what is wrong"."""

    def __init__(self, problems: list[str], source: str = "config"):
        self.problems = problems
        self.source = source
        super().__init__(f"{source}: " + "; ".join(problems))

    def report(self) -> str:
        lines = [f"{self.source} has {len(self.problems)} problem(s):"]
        lines += [f"  - {problem}" for problem in self.problems]
        return "\n".join(lines)


def valid_timezone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


@dataclass
class StorageSettings:
    path: str = DEFAULT_DB_PATH  # a SQLite file, used when no url is given
    # "postgresql://user:password@host:5432/kindred": PostgreSQL instead of the file, for several replicas
    # on one database (docs/deployment.md). Env KINDRED_DATABASE_URL wins, so the password can stay out
    # of the file.
    url: str = ""
    # Key for member-written text kept at rest (notes, safety plans). Env KINDRED_DATA_KEY wins;
    # otherwise this file, created on first start. Keep it out of backups of the database.
    key_file: str = ""


@dataclass
class CommunitySettings:
    name: str = "Kindred community"
    timezone: str = "UTC"
    country: str = "US"
    # Platform ids of moderators beyond what the platform says ("discord:1234", "matrix:@ana:example.org").
    moderators: list[str] = field(default_factory=list)
    # Where this community lives; unmapped guilds and rooms belong to the default community.
    discord_guilds: list[str] = field(default_factory=list)
    matrix_rooms: list[str] = field(default_factory=list)


@dataclass
class LoggingSettings:
    level: str = "INFO"
    format: str = "text"  # text | json


@dataclass
class ConsoleSettings:
    operator_name: str = "operator"


@dataclass
class DiscordSettings:
    token: str = ""
    api_base: str = ""
    gateway_url: str = ""
    moderator_role: str = ""
    message_content: bool = True
    # The privileged "Server Members" intent: lets crisis alerts reach every moderator privately when a
    # community has no alert channel. Without it Kindred knows the server owner and moderators it has seen.
    members_intent: bool = False
    # Discord's global request limit for this bot (50 a second unless Discord raised it): the bot keeps
    # under it, so a sweep of thousands of check-ins runs at the limit without being refused.
    requests_per_second: int = 50


@dataclass
class MatrixSettings:
    homeserver: str = ""
    user_id: str = ""
    password: str = ""
    access_token: str = ""
    device_name: str = "Kindred"
    allowed_servers: list[str] = field(default_factory=list)
    allowed_inviters: list[str] = field(default_factory=list)
    # Which invites the bot accepts: "mapped" (rooms the config maps, DMs from allowed servers, anything
    # from allowed_inviters) or "allowed" (any room from an allowed server). See docs/matrix.md.
    invites: str = "mapped"
    trust_unverified_devices: bool = False
    moderators: list[str] = field(default_factory=list)


PLATFORMS = tuple(Platform)


@dataclass
class CrisisSettings:
    # People who get a crisis alert nobody acknowledged, after every moderator was asked privately:
    # platform-qualified ids ("discord:1234", "matrix:@ana:example.org", "console:operator").
    on_call: list[str] = field(default_factory=list)


@dataclass
class Settings:
    storage: StorageSettings = field(default_factory=StorageSettings)
    community: CommunitySettings = field(default_factory=CommunitySettings)
    communities: list[CommunitySettings] = field(default_factory=list)
    logging: LoggingSettings = field(default_factory=LoggingSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    discord: DiscordSettings | None = None
    matrix: MatrixSettings | None = None
    crisis: CrisisSettings = field(default_factory=CrisisSettings)
    # Where the file was read from; relative paths in it are relative to the working directory.
    source: str = ""

    @property
    def data_dir(self) -> Path:
        return Path(self.storage.path).parent

    @property
    def database(self) -> str:
        """What `Database(...)` opens: the PostgreSQL URL if one is set, else the SQLite file."""
        return self.storage.url or self.storage.path

    @property
    def key_path(self) -> Path:
        return Path(self.storage.key_file) if self.storage.key_file else self.data_dir / "kindred.key"

    def enabled_adapters(self) -> list[str]:
        return [name for name in (Platform.DISCORD, Platform.MATRIX) if getattr(self, name) is not None]


# Environment variables that fill secrets (they win over the file, so a file can be shared safely).
SECRET_ENV = {
    ("discord", "token"): "KINDRED_DISCORD_TOKEN",
    ("matrix", "password"): "KINDRED_MATRIX_PASSWORD",
    ("matrix", "access_token"): "KINDRED_MATRIX_ACCESS_TOKEN",
    ("storage", "url"): "KINDRED_DATABASE_URL",
}


def _type_name(tp: Any) -> str:
    return {str: "text", int: "a whole number", bool: "true or false", float: "a number"}.get(tp, str(tp))


def _check_value(value: Any, tp: Any, where: str, problems: list[str]) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        inner = [arg for arg in typing.get_args(tp) if arg is not type(None)]
        return _check_value(value, inner[0], where, problems)
    if origin is list:
        (item_type,) = typing.get_args(tp)
        if not isinstance(value, list):
            problems.append(f"{where}: expected a list, got {value!r}")
            return []
        if is_dataclass(item_type):
            return [_build(item_type, item, f"{where}[{i}]", problems) for i, item in enumerate(value)]
        return [_check_value(item, item_type, f"{where}[{i}]", problems) for i, item in enumerate(value)]
    if is_dataclass(tp):
        return _build(tp, value, where, problems)
    ok = isinstance(value, tp) and not (tp is int and isinstance(value, bool))
    if not ok:
        problems.append(f"{where}: expected {_type_name(tp)}, got {value!r}")
    return value


def _build(cls: Any, raw: Any, where: str, problems: list[str]) -> Any:
    if not isinstance(raw, dict):
        problems.append(f"{where}: expected a table of keys, got {raw!r}")
        return cls()
    known = {f.name: f for f in fields(cls) if f.name != "source"}
    values = {}
    for key, value in raw.items():
        if key not in known:
            hint = difflib.get_close_matches(key, list(known), n=1)
            suggestion = f" (did you mean '{hint[0]}'?)" if hint else f" (known keys: {', '.join(known)})"
            problems.append(f"{where} {key}: unknown key{suggestion}")
            continue
        found = len(problems)
        checked = _check_value(value, typing.get_type_hints(cls)[key], f"{where} {key}", problems)
        if len(problems) == found:  # a wrong-typed value is reported and replaced by the default, so the
            values[key] = checked  # checks of meaning below never meet a number where text belongs
    try:
        return cls(**values)
    except TypeError:
        return cls()


def parse_settings(raw: dict, source: str = "config", env: Mapping[str, str] | None = None) -> Settings:
    environ: Mapping[str, str] = os.environ if env is None else env
    problems: list[str] = []
    hints = typing.get_type_hints(Settings)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "source" or key not in hints:
            hint = difflib.get_close_matches(key, [k for k in hints if k != "source"], n=1)
            suggestion = f" (did you mean '[{hint[0]}]'?)" if hint else ""
            problems.append(f"[{key}]: unknown section{suggestion}")
            continue
        values[key] = _check_value(value, hints[key], f"[{key}]", problems)  # a section is always whole
    settings = Settings(**values, source=source)

    for (section, key), variable in SECRET_ENV.items():
        if environ.get(variable) and getattr(settings, section) is not None:
            setattr(getattr(settings, section), key, environ[variable])

    _check_semantics(settings, problems)
    if problems:
        raise ConfigError(problems, source)
    return settings


def _check_semantics(settings: Settings, problems: list[str]) -> None:
    for where, community in [("[community]", settings.community)] + [
        (f"[[communities]][{i}]", c) for i, c in enumerate(settings.communities)
    ]:
        if not valid_timezone(community.timezone):
            problems.append(
                f"{where} timezone: '{community.timezone}' is not an IANA timezone (try 'America/Chicago')"
            )
        if not (len(community.country) == 2 and community.country.isalpha()):
            problems.append(f"{where} country: use a two-letter country code such as 'US' or 'GB'")
    for index, person in enumerate(settings.crisis.on_call):
        platform, _, user_id = person.partition(":")
        if platform not in PLATFORMS or not user_id:
            problems.append(
                f"[crisis] on_call[{index}]: '{person}' should be a platform and an id, like "
                "'discord:123456789012345678' or 'matrix:@ana:example.org'"
            )
    if settings.storage.url and not settings.storage.url.startswith(("postgresql://", "postgres://")):
        problems.append(
            "[storage] url: give a PostgreSQL URL, like 'postgresql://kindred@db.example.org/kindred' "
            "(or leave it out and set path for a SQLite file)"
        )
    if settings.logging.level.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
        problems.append("[logging] level: use one of DEBUG, INFO, WARNING, ERROR")
    if settings.logging.format not in ("text", "json"):
        problems.append("[logging] format: use 'text' or 'json'")
    if settings.discord is not None and not settings.discord.token:
        problems.append("[discord] token: missing (set it here or in KINDRED_DISCORD_TOKEN)")
    if settings.matrix is not None:
        matrix = settings.matrix
        if not matrix.homeserver.startswith(("http://", "https://")):
            problems.append("[matrix] homeserver: give the URL, e.g. 'https://matrix.example.org'")
        if not (matrix.user_id.startswith("@") and ":" in matrix.user_id):
            problems.append("[matrix] user_id: give the full id, e.g. '@kindred:example.org'")
        if matrix.invites not in ("mapped", "allowed"):
            problems.append("[matrix] invites: use 'mapped' (the safe default) or 'allowed'")
        if not (matrix.password or matrix.access_token):
            problems.append(
                "[matrix] password: set password or access_token (or KINDRED_MATRIX_PASSWORD / "
                "KINDRED_MATRIX_ACCESS_TOKEN)"
            )


def load_settings(path: str | Path | None, env: dict[str, str] | None = None) -> Settings:
    """Read and validate a config file; None gives the embedded default (console, SQLite under data/)."""
    if path is None:
        return parse_settings({}, source="defaults", env=env)
    path = Path(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(["file not found"], str(path)) from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            [f"not UTF-8 text (byte {error.start} cannot be read); save it as UTF-8"], str(path)
        ) from None
    except RecursionError:
        raise ConfigError(["lists or tables nested too deeply to be a Kindred config"], str(path)) from None
    except OSError as error:
        raise ConfigError([f"cannot be read: {error.strerror or error}"], str(path)) from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError([f"not valid TOML: {error}"], str(path)) from None
    return parse_settings(raw, source=str(path), env=env)
