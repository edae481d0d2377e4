"""The console adapter: the local operator (a moderator) talking to the bot in a terminal.

Interactive in a terminal; when stdin is not a terminal it reads one line at a time, prints the bot's
replies, and exits at end of input, so it can be scripted:

    printf '!help\\n' | kindred console --db demo.db

`:as NAME` switches to another (non-moderator) member, to try member flows such as RSVPs;
`:as operator` switches back.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import sys
from pathlib import Path
from typing import TextIO

from bot.adapters.base import Adapter, Capabilities
from bot.model import Content, IncomingMessage, PlaceRef, Platform, SentRef, UserRef
from bot.pending import numbered_choices
from bot.text import neutralize_mentions, render_timestamps, unescape_markdown

CONSOLE = Platform.CONSOLE
PLACE = PlaceRef(CONSOLE, "console", is_direct=False, scope_id=None)
SWITCH_USER = re.compile(r"^:as\s+(\S+)\s*$")


class ConsoleAdapter(Adapter):
    platform = CONSOLE
    capabilities = Capabilities(edits=True)
    attach_hint = "The console cannot attach files: paste the file's text after the command. "

    def __init__(self, operator_name: str = "operator", stdin: TextIO | None = None, stdout: TextIO | None = None,
                 files_dir: Path | None = None):
        super().__init__()
        self.operator = UserRef(CONSOLE, "operator", operator_name)
        self.user = self.operator
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.files_dir = files_dir
        self._ids = itertools.count(1)

    async def start(self) -> None:
        if self.files_dir is None:
            self.files_dir = self.bot.settings.data_dir / "files"

    async def stop(self) -> None:
        return None

    async def run_forever(self) -> None:
        """Read lines until end of input; each is fully handled before the next is read."""
        interactive = self.stdin.isatty()
        if interactive:
            self._print("Kindred console. You are the operator (a moderator). Type !help, or Ctrl-D to quit.")
        loop = asyncio.get_running_loop()
        while True:
            if interactive:
                self.stdout.write(f"{self.user.name}> ")
                self.stdout.flush()
            line = await loop.run_in_executor(None, self.stdin.readline)
            if not line:
                break
            await self.handle_line(line.rstrip("\n"))

    async def handle_line(self, line: str) -> None:
        if match := SWITCH_USER.match(line.strip()):
            name = match[1]
            self.user = self.operator if name == self.operator.user_id else UserRef(CONSOLE, name, name)
            self._print(f"(you are now {self.user.name})")
            return
        message = IncomingMessage(line, self.user, PLACE, message_id=str(next(self._ids)))
        await self.bot.handle_message(message)

    # --- output -----------------------------------------------------------------------------------

    async def send(self, place: PlaceRef, content: Content) -> SentRef:
        return await self._show(content, None)

    async def send_private(self, user: UserRef, content: Content) -> SentRef:
        return await self._show(content, user)

    async def edit(self, ref: SentRef, content: Content) -> None:
        self._print(f"(message {ref.message_id} updated)\n{self.render(content)}")

    async def is_moderator(self, user: UserRef, community_id: int) -> bool:
        return user == self.operator

    async def list_moderators(self, community_id: int) -> list[UserRef]:
        return [self.operator]

    def parse_user(self, text: str) -> UserRef | None:
        name = text.strip().lstrip("@")
        if not name:
            return None
        return self.operator if name == self.operator.user_id else UserRef(CONSOLE, name, name)

    def render(self, content: Content) -> str:
        community = self.bot.communities.get(1)
        text = render_timestamps(unescape_markdown(neutralize_mentions(content.as_plain_text())), community.timezone,
                                 self.bot.clock.now())
        if content.choices:
            text += "\n" + numbered_choices(content)
        if content.ask:
            text += f"\n_{content.ask.label}: type your answer._"
        return text

    async def _show(self, content: Content, private_to: UserRef | None) -> SentRef:
        ref = SentRef(CONSOLE, PLACE.place_id, str(next(self._ids)))
        header = f"[private to {private_to.name}] " if private_to and private_to != self.user else ""
        self._print(header + self.render(content))
        for attachment in content.files:
            self._print(f"📎 {attachment.filename} saved to {self._save(attachment.filename, attachment.data)}")
        await self.bot.pending.remember(ref, content, private_to)
        return ref

    def _save(self, filename: str, data: bytes) -> Path:
        folder = self.files_dir or self.bot.settings.data_dir / "files"
        folder.mkdir(parents=True, exist_ok=True)
        stamp = self.bot.clock.now().strftime("%Y%m%d-%H%M%S")
        path = folder / f"{stamp}-{Path(filename).name}"
        path.write_bytes(data)
        return path

    def _print(self, text: str) -> None:
        self.stdout.write(text.rstrip() + "\n\n")
        self.stdout.flush()
