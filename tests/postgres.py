"""A real PostgreSQL server on 127.0.0.1 for tests and benchmarks.

The Debian package's binaries (`initdb`, `pg_ctl` under /usr/lib/postgresql/<version>/bin) build a
throw-away cluster in a directory of its own, listening on a port of its own and a socket directory of
its own, so it never meets the machine's own cluster. `initdb` refuses to run as root: as root the
cluster is made and run by the package's unprivileged `postgres` user (`runuser`). Durability is
switched off (fsync, full pages): the data lives for one test run.

Each test gets a database of its own (`database_url(name)`), created from the empty template.
Nothing here imports the bot: tests/conftest.py, the replica tests and bench/ all use it.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
from pathlib import Path

START_DEADLINE_SECONDS = 60.0
STOP_DEADLINE_SECONDS = 20.0
USER = "kindred"


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server could be started here; the message says why and what to install."""


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def find_bin_dir() -> Path:
    """Where initdb and pg_ctl are: $KINDRED_PG_BIN, the PATH, or the newest Debian version directory."""
    candidates = [os.environ.get("KINDRED_PG_BIN", "")]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))  # Debian links them into /usr/local/bin
    candidates += sorted(
        glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True
    )
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists() and (Path(candidate) / "pg_ctl").exists():
            return Path(candidate)
    raise PostgresUnavailable(
        "PostgreSQL's initdb/pg_ctl were not found (looked in $KINDRED_PG_BIN, the PATH and "
        "/usr/lib/postgresql/*/bin). Install the server: apt-get install -y postgresql"
    )


class PostgresServer:
    """One PostgreSQL cluster with its own directory (under /tmp: as root it belongs to the `postgres`
    user, who must be able to reach it), port and socket directory."""

    def __init__(self, workdir: Path, port: int | None = None):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.bin_dir = find_bin_dir()
        self.data_dir = self.workdir / "data"
        self.socket_dir = self.workdir / "sockets"
        self.log_path = self.workdir / "postgres.log"
        self._run_as: str | None = None
        self._by_directory: dict[str, str] = {}

    # --- life cycle -------------------------------------------------------------------------------

    def _command(self, *args: str) -> list[str]:
        if self._run_as:
            return ["runuser", "-u", self._run_as, "--", *args]
        return list(args)

    def _prepare_directories(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.socket_dir.mkdir(exist_ok=True)
        if os.geteuid() == 0:  # initdb will not run as root: hand the directories to an unprivileged user
            try:
                account = pwd.getpwnam("postgres")
            except KeyError:
                raise PostgresUnavailable(
                    "running as root, and there is no 'postgres' user to run initdb as "
                    "(apt-get install -y postgresql creates it)"
                ) from None
            self._run_as = account.pw_name
            for path in (self.workdir, self.socket_dir):
                os.chown(path, account.pw_uid, account.pw_gid)
            self.log_path.touch()
            os.chown(self.log_path, account.pw_uid, account.pw_gid)

    def start(self) -> PostgresServer:
        self._prepare_directories()
        if not (self.data_dir / "PG_VERSION").exists():
            done = subprocess.run(
                self._command(
                    str(self.bin_dir / "initdb"),
                    "-D",
                    str(self.data_dir),
                    "-U",
                    USER,
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                    "--no-sync",
                ),
                capture_output=True,
                text=True,
                timeout=START_DEADLINE_SECONDS,
            )
            if done.returncode != 0:
                raise PostgresUnavailable(f"initdb failed: {done.stderr.strip() or done.stdout.strip()}")
        options = " ".join(
            (
                "-c listen_addresses=127.0.0.1",
                f"-p {self.port}",
                f"-k {self.socket_dir}",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                "-c max_connections=200",
                "-c shared_buffers=64MB",
            )
        )
        done = subprocess.run(
            self._command(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-l",
                str(self.log_path),
                "-o",
                options,
                "-w",
                "-t",
                str(int(START_DEADLINE_SECONDS)),
                "start",
            ),
            capture_output=True,
            text=True,
            timeout=START_DEADLINE_SECONDS + 10,
        )
        if done.returncode != 0:
            log = self.log_path.read_text(errors="replace")[-2000:] if self.log_path.exists() else ""
            raise PostgresUnavailable(f"pg_ctl start failed: {done.stderr.strip()}\n{log}")
        return self

    def stop(self) -> None:
        if not (self.data_dir / "postmaster.pid").exists():
            return
        done = subprocess.run(
            self._command(
                str(self.bin_dir / "pg_ctl"),
                "-D",
                str(self.data_dir),
                "-m",
                "immediate",
                "-w",
                "-t",
                str(int(STOP_DEADLINE_SECONDS)),
                "stop",
            ),
            capture_output=True,
            text=True,
            timeout=STOP_DEADLINE_SECONDS + 10,
        )
        if done.returncode != 0:  # last resort: the postmaster's own PID, from its own file
            try:
                pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
                os.kill(pid, signal.SIGKILL)
            except (OSError, ValueError, IndexError):
                pass

    # --- databases --------------------------------------------------------------------------------

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{database}"

    def psql(self, *statements: str, database: str = "postgres") -> str:
        """Run each statement on its own (CREATE DATABASE cannot share a transaction); returns the output."""
        commands = [part for statement in statements for part in ("-c", statement)]
        done = subprocess.run(
            [
                str(self.bin_dir / "psql"),
                "-X",
                "-q",
                "-t",
                "-A",
                "-v",
                "ON_ERROR_STOP=1",
                "-h",
                str(self.socket_dir),
                "-p",
                str(self.port),
                "-U",
                USER,
                "-d",
                database,
                *commands,
            ],
            capture_output=True,
            text=True,
            timeout=30,
        )
        if done.returncode != 0:
            raise RuntimeError(f"psql failed: {done.stderr.strip()}")
        return done.stdout.strip()

    def database_for(self, directory: Path) -> str:
        """The database of one test's directory: made empty the first time, the same one after (a bot
        restarted on the same directory finds its data again)."""
        key = str(Path(directory).resolve())
        if key not in self._by_directory:
            self._by_directory[key] = self.create_database(f"t{len(self._by_directory)}_{os.getpid()}")
        return self._by_directory[key]

    def create_database(self, name: str) -> str:
        """A new, empty database (dropped first if a previous run left one); returns its URL."""
        self.psql(
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}" TEMPLATE template0'
        )
        return self.url(name)
