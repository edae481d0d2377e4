"""A real Synapse homeserver on 127.0.0.1 for tests and benchmarks.

Synapse runs as a child process with SQLite, no federation and rate limits raised out of the way. It is
started, stopped (by PID) and restarted on the same port and database, so a test can take the server
away under a running bot. Users are registered through the shared-secret admin API.

Nothing here imports nio or the bot: tests/matrix/conftest.py and bench/ both use it.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

# Rate limits cannot be switched off in Synapse; these are high enough never to trigger in tests.
_UNLIMITED = {"per_second": 10000, "burst_count": 10000}
_RATE_LIMIT_KEYS = {
    "rc_message": _UNLIMITED,
    "rc_registration": _UNLIMITED,
    "rc_login": {"address": _UNLIMITED, "account": _UNLIMITED, "failed_attempts": _UNLIMITED},
    "rc_joins": {"local": _UNLIMITED, "remote": _UNLIMITED},
    "rc_joins_per_room": _UNLIMITED,
    "rc_invites": {"per_room": _UNLIMITED, "per_user": _UNLIMITED, "per_issuer": _UNLIMITED},
    "rc_room_creation": _UNLIMITED,
    "rc_key_requests": _UNLIMITED,
    "rc_3pid_validation": _UNLIMITED,
    "rc_presence": {"per_user": _UNLIMITED},
    "rc_delayed_event_mgmt": _UNLIMITED,
    "rc_profile": _UNLIMITED,
    "rc_user_directory": _UNLIMITED,
    "rc_media_create": _UNLIMITED,
    "rc_admin_redaction": _UNLIMITED,
}

START_DEADLINE_SECONDS = 60.0
STOP_DEADLINE_SECONDS = 20.0


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class RegisteredUser:
    user_id: str
    localpart: str
    password: str
    access_token: str
    device_id: str


class SynapseServer:
    """One Synapse process with its own directory, port and SQLite database."""

    def __init__(self, workdir: Path, server_name: str = "kindred.test", port: int | None = None):
        self.workdir = Path(workdir)
        self.server_name = server_name
        self.port = port or free_port()
        self.shared_secret = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self.config_path = self.workdir / "homeserver.yaml"
        self.log_path = self.workdir / "synapse.log"
        self._admin: RegisteredUser | None = None
        self._write_config()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _write_config(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        log_config = self.workdir / "log.yaml"
        # YAML is a superset of JSON, so both files are written as JSON: no YAML library needed here.
        log_config.write_text(
            json.dumps(
                {
                    "version": 1,
                    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
                    "handlers": {
                        "file": {
                            "class": "logging.FileHandler",
                            "formatter": "plain",
                            "filename": str(self.workdir / "homeserver.log"),
                        }
                    },
                    "root": {"level": "WARNING", "handlers": ["file"]},
                    "disable_existing_loggers": False,
                }
            )
        )
        signing_key = self.workdir / "signing.key"
        if not signing_key.exists():
            from signedjson.key import generate_signing_key, write_signing_keys  # shipped with synapse

            with signing_key.open("w") as key_file:
                write_signing_keys(key_file, [generate_signing_key("a_kt")])
        config = {
            "server_name": self.server_name,
            "pid_file": str(self.workdir / "homeserver.pid"),
            "listeners": [
                {
                    "port": self.port,
                    "bind_addresses": ["127.0.0.1"],
                    "type": "http",
                    "tls": False,
                    "x_forwarded": False,
                    "resources": [{"names": ["client"], "compress": False}],
                }
            ],
            "database": {"name": "sqlite3", "args": {"database": str(self.workdir / "homeserver.db")}},
            "media_store_path": str(self.workdir / "media"),
            "signing_key_path": str(signing_key),
            "log_config": str(log_config),
            "registration_shared_secret": self.shared_secret,
            "enable_registration": False,
            "bcrypt_rounds": 4,
            "report_stats": False,
            "enable_metrics": False,
            "presence": {"enabled": False},
            "url_preview_enabled": False,
            "federation_domain_whitelist": [],
            "trusted_key_servers": [],
            "suppress_key_server_warning": True,
            "macaroon_secret_key": secrets.token_hex(16),
            "form_secret": secrets.token_hex(16),
            **_RATE_LIMIT_KEYS,
        }
        self.config_path.write_text(json.dumps(config, indent=1))

    # -- process control -------------------------------------------------------------------------

    def start(self) -> None:
        """Start Synapse and wait until the client API answers (deadline START_DEADLINE_SECONDS)."""
        if self.process is not None and self.process.poll() is None:
            return
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "synapse.app.homeserver", "-c", str(self.config_path)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.workdir,
                start_new_session=True,
            )
        deadline = time.monotonic() + START_DEADLINE_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Synapse exited with {self.process.returncode}; see {self.log_path}")
            try:
                with urllib.request.urlopen(f"{self.url}/_matrix/client/versions", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.1)
        self.stop()
        raise TimeoutError(f"Synapse did not answer within {START_DEADLINE_SECONDS} s; see {self.log_path}")

    def stop(self) -> None:
        """Stop the process by its PID: SIGTERM, then SIGKILL if it has not exited by the deadline."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        os.kill(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=STOP_DEADLINE_SECONDS)
        except subprocess.TimeoutExpired:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=STOP_DEADLINE_SECONDS)

    def restart(self) -> None:
        self.stop()
        self.start()

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    # -- admin API -------------------------------------------------------------------------------

    def _request(self, method: str, path: str, body: dict | None = None, token: str | None = None) -> dict:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        with urllib.request.urlopen(request, timeout=10) as answer:
            return json.loads(answer.read() or b"{}")

    def register(
        self, localpart: str | None = None, password: str | None = None, admin: bool = False
    ) -> RegisteredUser:
        """Register a user with the shared-secret admin API; returns its id and a fresh access token."""
        localpart = localpart or f"u{secrets.token_hex(4)}"
        password = password or secrets.token_urlsafe(12)
        nonce = self._request("GET", "/_synapse/admin/v1/register")["nonce"]
        mac = hmac.new(self.shared_secret.encode(), digestmod=hashlib.sha1)
        mac.update(
            b"\x00".join(
                [nonce.encode(), localpart.encode(), password.encode(), b"admin" if admin else b"notadmin"]
            )
        )
        answer = self._request(
            "POST",
            "/_synapse/admin/v1/register",
            {
                "nonce": nonce,
                "username": localpart,
                "password": password,
                "admin": admin,
                "mac": mac.hexdigest(),
            },
        )
        return RegisteredUser(
            answer["user_id"], localpart, password, answer["access_token"], answer["device_id"]
        )

    @property
    def admin(self) -> RegisteredUser:
        if self._admin is None:
            self._admin = self.register(f"admin{secrets.token_hex(3)}", admin=True)
        return self._admin

    def override_rate_limit(self, user_id: str, messages_per_second: float, burst_count: int) -> None:
        """Give one user a message rate limit (the admin API's per-user override)."""
        self._request(
            "POST",
            f"/_synapse/admin/v1/users/{user_id}/override_ratelimit",
            {"messages_per_second": messages_per_second, "burst_count": burst_count},
            token=self.admin.access_token,
        )


if __name__ == "__main__":  # a quick manual check: python tests/matrix/synapse.py
    import tempfile

    with tempfile.TemporaryDirectory() as scratch:
        began = time.monotonic()
        server = SynapseServer(Path(scratch))
        server.start()
        print(f"started in {time.monotonic() - began:.2f} s at {server.url}")
        print(server.register())
        began = time.monotonic()
        server.restart()
        print(f"restarted in {time.monotonic() - began:.2f} s")
        server.stop()
