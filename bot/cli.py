"""The `kindred` command line (also `python -m bot`)."""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import signal
import sys
from pathlib import Path

from bot import logs
from bot.clock import clock_from_environment
from bot.config import ConfigError, Settings, load_settings
from bot.storage import DatabaseUnreachable, is_postgres_url
from bot.vault import VaultError, generate_key

# Adapters are imported only when a config enables them, so a console run never loads discord or nio.
ADAPTERS = {
    "discord": "bot.adapters.discord:DiscordAdapter",
    "matrix": "bot.adapters.matrix:MatrixAdapter",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kindred", description="Kindred: peer support for recovery communities."
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    console = commands.add_parser("console", help="talk to the bot in this terminal (you are a moderator)")
    console.add_argument("--db", help="SQLite file (default: [storage] path, or data/kindred.db)")
    console.add_argument("--config", help="config file (TOML)")
    console.add_argument("--verbose", action="store_true", help="show info logs on stderr")

    run = commands.add_parser("run", help="run every adapter the config enables, in one process")
    run.add_argument("--config", required=True, help="config file (TOML)")

    db = commands.add_parser("db", help="database migrations, and copying a community to another engine")
    db.add_argument(
        "action",
        choices=["upgrade", "status", "copy"],
        help="upgrade: apply pending migrations; status: list them; copy: --from one database --to "
        "another, empty one (a SQLite file to PostgreSQL, or back)",
    )
    db.add_argument("--db", help="SQLite file or postgresql:// URL (default: the config's [storage])")
    db.add_argument("--config", help="config file (TOML)")
    db.add_argument("--from", dest="source", help="copy: the database to copy (SQLite file or URL)")
    db.add_argument(
        "--to", dest="destination", help="copy: an empty database to copy into (URL or SQLite file)"
    )

    config = commands.add_parser("config", help="configuration files")
    config_actions = config.add_subparsers(dest="action", required=True, metavar="ACTION")
    check = config_actions.add_parser("check", help="validate a config file and list every problem")
    check.add_argument("path")

    keys = commands.add_parser("keys", help="the data key that encrypts members' written text")
    keys.add_argument(
        "action",
        choices=["new", "rotate"],
        help="new: print a fresh key; rotate: re-encrypt everything with a new key",
    )
    keys.add_argument("--db", help="SQLite file (rotate)")
    keys.add_argument("--config", help="config file (rotate)")
    add_cog_commands(commands)
    return parser


def add_cog_commands(commands: argparse._SubParsersAction) -> None:
    """Subcommands the cogs contribute (`kindred crisis eval`): a cog package's optional
    `add_cli(commands)` adds its parser with `set_defaults(run=function)`; `main` calls `run(args)`.
    Only the packages are imported (thin `__init__.py`s), never the cogs themselves."""
    from bot.core import DEFAULT_COGS

    for module_name in DEFAULT_COGS:
        add_cli = getattr(importlib.import_module(module_name), "add_cli", None)
        if add_cli is not None:
            add_cli(commands)


def _settings(config: str | None, db: str | None = None) -> Settings:
    settings = load_settings(config)
    if db and is_postgres_url(db):
        settings.storage.url = db
    elif db:
        settings.storage.path, settings.storage.url = db, ""
    return settings


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        if contributed := getattr(args, "run", None):
            return contributed(args)
        match args.command:
            case "console":
                settings = _settings(args.config, args.db)
                logs.configure("INFO" if args.verbose else "WARNING", settings.logging.format)
                return asyncio.run(run_console(settings))
            case "run":
                settings = _settings(args.config)
                logs.configure(settings.logging.level, settings.logging.format)
                return asyncio.run(run_adapters(settings))
            case "db" if args.action == "copy":
                if not (args.source and args.destination):
                    print(
                        "kindred db copy needs both --from and --to, e.g. kindred db copy --from data/kindred.db "
                        "--to postgresql://kindred@localhost/kindred",
                        file=sys.stderr,
                    )
                    return 2
                settings = _settings(args.config)
                logs.configure("WARNING", settings.logging.format)
                return asyncio.run(copy(settings, args.source, args.destination))
            case "db":
                settings = _settings(args.config, args.db)
                logs.configure("WARNING", settings.logging.format)
                return asyncio.run(database(settings, args.action))
            case "config":
                load_settings(args.path)
                print(f"{args.path}: OK")
                return 0
            case "keys" if args.action == "new":
                print(generate_key())
                return 0
            case "keys":
                settings = _settings(args.config, args.db)
                logs.configure("WARNING", settings.logging.format)
                return asyncio.run(rotate_key(settings))
    except ConfigError as error:
        print(error.report(), file=sys.stderr)
        return 2
    except VaultError as error:
        print(f"kindred: {error}", file=sys.stderr)
        return 2
    except (OSError, DatabaseUnreachable) as error:
        print(f"kindred: the database cannot be reached: {error}", file=sys.stderr)
        return 2
    return 1


RESETTLE_SECONDS = 3600.0


def settle_long_lived_objects() -> None:
    """Leave what exists now (modules, cogs, discord.py's caches) out of later garbage collections.

    It lives as long as the process, yet every full collection walked all of it again: about 77,000
    objects after startup, on average some 50 µs of each Discord interaction. Only the long-running
    process does this (never `Kindred.start`, which tests call many times in one process). A frozen
    object is never collected, so the garbage is collected first, and anything frozen earlier is thawed
    and looked at again: cyclic garbage among frozen objects (the guild cache discord.py replaces after
    a fresh login, say) does not stay for good."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


async def resettle_now_and_then(every: float = RESETTLE_SECONDS) -> None:
    """Once an hour: one full collection (tens of ms), so frozen objects that became garbage go."""
    while True:
        await asyncio.sleep(every)
        settle_long_lived_objects()


async def run_console(settings: Settings) -> int:
    from bot.adapters.console import ConsoleAdapter
    from bot.core import Kindred

    # The console's clock can be moved forward (`:wait 3h`) to try what is scheduled.
    bot = Kindred(settings, clock=clock_from_environment(movable=True))
    console = ConsoleAdapter(settings.console.operator_name)
    bot.add_adapter(console)
    try:
        await bot.start()
        await console.run_forever()
    finally:
        await bot.close()
    return 0


def adapter_class(name: str):
    module_name, _, class_name = ADAPTERS[name].partition(":")
    return getattr(importlib.import_module(module_name), class_name)


async def run_adapters(settings: Settings) -> int:
    from bot.core import Kindred

    enabled = settings.enabled_adapters()
    if not enabled:
        print(
            "No [discord] or [matrix] section in the config: starting the console instead.", file=sys.stderr
        )
        return await run_console(settings)
    bot = Kindred(settings, clock=clock_from_environment())
    for name in enabled:
        bot.add_adapter(adapter_class(name)(settings))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    resettling: asyncio.Task | None = None
    try:
        await bot.start()
        settle_long_lived_objects()
        resettling = asyncio.create_task(resettle_now_and_then(), name="gc-resettle")
        await stop.wait()
    finally:
        if resettling is not None:
            resettling.cancel()
        await bot.close()
    return 0


async def database(settings: Settings, action: str) -> int:
    from bot.core import Kindred

    bot = Kindred(settings)
    if action == "upgrade":
        try:
            await bot.upgrade()
            rows = await bot.db.status()
        finally:
            await bot.close()
        print(f"{bot.db.describe()}: up to date ({len(rows)} migrations applied)")
        return 0
    declared = await bot.declared_migrations()
    applied = []
    # Status never creates a SQLite file; a PostgreSQL database is the operator's to create, and is read.
    if bot.db.engine == "postgresql" or Path(settings.storage.path).exists():
        await bot.db.open()
        try:
            applied = await bot.db.status()
        finally:
            await bot.db.close()
    print(f"{bot.db.engine}: {bot.db.describe()}")
    print(migration_status(bot.db.describe(), applied, declared))
    return 0


async def copy(settings: Settings, source_target: str, destination_target: str) -> int:
    """`kindred db copy`: every row from one database into an empty one, sealed values checked to open."""
    from bot.core import DEFAULT_COGS, Kindred
    from bot.dbcopy import CopyRefused, copy_database, sealed_columns_of
    from bot.storage import Database
    from bot.vault import Vault, load_key

    if not is_postgres_url(source_target) and not Path(source_target).exists():
        print(f"kindred db copy: {source_target} does not exist.", file=sys.stderr)
        return 2
    bot = Kindred(settings)
    declared = await bot.declared_migrations()
    sealed = await sealed_columns_of(bot, DEFAULT_COGS)
    key = load_key(settings.key_path, create=False)
    source, destination = Database(source_target), Database(destination_target)
    await source.open()
    try:
        await destination.open()
        try:
            report = await copy_database(source, destination, declared, sealed, Vault(key) if key else None)
        finally:
            await destination.close()
    except CopyRefused as refused:
        print(f"kindred db copy: {refused}", file=sys.stderr)
        return 2
    finally:
        await source.close()
    print(report.summary(source.describe(), destination.describe()))
    return 0


def migration_status(path: str, applied: list, declared: dict) -> str:
    """Applied migrations, then the pending ones (what `kindred db upgrade` would apply), then a verdict."""
    done = {(row["component"], row["version"]) for row in applied}
    known = {(component, m.version) for component, migrations in declared.items() for m in migrations}
    lines = []
    for row in applied:
        newer = declared.get(row["component"]) and (row["component"], row["version"]) not in known
        note = "  (newer than this Kindred)" if newer else ""
        lines.append(
            f"{row['component']:<24} {row['version']:>3}  {row['applied_at'][:19]}  {row['description']}{note}"
        )
    pending = [
        (component, m)
        for component, migrations in declared.items()
        for m in migrations
        if (component, m.version) not in done
    ]
    for component, migration in pending:
        lines.append(f"{component:<24} {migration.version:>3}  {'PENDING':<19}  {migration.description}")
    if not applied:
        lines.append(f"{path}: no migrations applied yet; {len(pending)} pending. Run `kindred db upgrade`.")
    elif pending:
        lines.append(
            f"{len(applied)} migrations applied, {len(pending)} PENDING. Run `kindred db upgrade` "
            "(back up the database file first)."
        )
    else:
        lines.append(f"{len(applied)} migrations applied, none pending: up to date.")
    return "\n".join(lines)


async def rotate_key(settings: Settings) -> int:
    """Re-encrypt with a fresh key; the new key replaces the key file (the old one is kept beside it)."""
    import os

    from bot.core import Kindred
    from bot.vault import KEY_ENV, decode_key

    bot = Kindred(settings)
    new_key_text = generate_key()
    # The new key reaches the disk before any value is sealed with it: a crash or a failed write after
    # the commit must never leave data under a key that existed only in this process.
    key_path = settings.key_path
    new_key_path = key_path.with_suffix(".key.new")
    new_key_path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(new_key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(new_key_text)
    try:
        await bot.upgrade()
        count = await bot.rotate_key(decode_key(new_key_text))
    except BaseException:
        new_key_path.unlink()  # nothing was re-sealed: the transaction rolled back
        raise
    finally:
        await bot.close()
    if os.environ.get(KEY_ENV):
        print(
            f"Re-encrypted {count} values. Set {KEY_ENV} to the new key in {new_key_path} before the next "
            "start, then delete that file."
        )
        return 0
    if key_path.exists():
        key_path.replace(key_path.with_suffix(".key.old"))
    new_key_path.replace(key_path)
    print(
        f"Re-encrypted {count} values with a new key in {key_path} (old key kept as "
        f"{key_path.with_suffix('.key.old')}; delete it once backups are rotated)."
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
