"""The console adapter: the local operator (a moderator) talking to the bot in a terminal.

Interactive in a terminal; when stdin is not a terminal it reads one line at a time, prints the bot's
replies, and exits at end of input, so it can be scripted:

    printf '!help\\n' | kindred console --db demo.db

`:as NAME` switches to another (non-moderator) member, to try member flows such as RSVPs;
`:as operator` switches back.

`:wait 3h` (or `90m`, `2d`, `1d6h`) and `:at 2026-12-05 20:00` move the console's clock forward, to try
what is scheduled without waiting for it: tomorrow's check-in, a meetup reminder, a prompt. Time moves
from one due moment to the next, and at each the same scheduler as in production runs what fell due
(`bot.scheduler.run_due`), so what prints is what members would get, in order, each line stamped with
the moment it happened. The clock never goes back (`kindred console` runs on a `ShiftedClock`).
"""

from __future__ import annotations

import asyncio
import itertools
import os
import re
import shutil
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TextIO, cast
from zoneinfo import ZoneInfo

from bot.adapters.base import Adapter, Capabilities
from bot.clock import ShiftedClock
from bot.model import Content, IncomingMessage, PlaceRef, Platform, SentRef, UserRef
from bot.pending import numbered_choices
from bot.text import neutralize_mentions, render_timestamps, unescape_markdown

CONSOLE = Platform.CONSOLE
PLACE = PlaceRef(CONSOLE, "console", is_direct=False, scope_id=None)
SWITCH_USER = re.compile(r"^:as\s+(\S+)\s*$")
MOVE_TIME = re.compile(r"^:(wait|at)\b\s*(.*)$", re.IGNORECASE)
_DURATION_PART = re.compile(r"(\d+)\s*(d|days?|h|hours?|hrs?|m|mins?|minutes?)", re.IGNORECASE)
# Each minute of it runs the check-ins' minute sweep (a week: about ten seconds here).
LONGEST_WAIT = timedelta(days=14)
TIME_HELP = "Type `:wait 3h` (or 90m, 2d, 1d6h) or `:at 2026-12-05 20:00`."


class TimeError(ValueError):
    """What to type instead, for a `:wait` or `:at` the console cannot follow."""


def parse_wait(text: str) -> timedelta:
    """ "3h", "90m", "2d", "1d 6h", "1h30m" -> how long."""
    cleaned = text.strip().lower()
    parts = _DURATION_PART.findall(cleaned)
    if not parts or _DURATION_PART.sub("", cleaned).strip(" ,and"):
        raise TimeError(f"I can't read '{text.strip()}' as a length of time. {TIME_HELP}")
    units = {"d": "days", "h": "hours", "m": "minutes"}
    return sum((timedelta(**{units[unit[0]]: int(number)}) for number, unit in parts), timedelta())


def parse_at(text: str, zone: ZoneInfo, now: datetime) -> datetime:
    """ "2026-12-05 20:00" or "20:00" (the next time the clock shows it) in `zone` -> the moment."""
    cleaned = text.strip()
    try:
        if re.fullmatch(r"\d{1,2}:\d{2}", cleaned):
            hour, minute = map(int, cleaned.split(":"))
            local = now.astimezone(zone).replace(hour=hour, minute=minute, second=0, microsecond=0)
            return local if local > now else local + timedelta(days=1)
        return datetime.fromisoformat(cleaned).replace(tzinfo=zone)
    except ValueError:
        raise TimeError(f"I can't read '{cleaned}' as a date and time. {TIME_HELP}") from None


class ConsoleAdapter(Adapter):
    platform = CONSOLE
    capabilities = Capabilities(edits=True)
    attach_hint = "The console cannot attach files: paste the file's text after the command. "
    rate_limited = False  # one operator at their own terminal, often piping a script

    def __init__(
        self,
        operator_name: str = "operator",
        stdin: TextIO | None = None,
        stdout: TextIO | None = None,
        files_dir: Path | None = None,
    ):
        super().__init__()
        self.operator = UserRef(CONSOLE, "operator", operator_name)
        self.user = self.operator
        self.stdin = stdin or sys.stdin
        self.stdout = stdout or sys.stdout
        self.files_dir = files_dir
        self._ids = itertools.count(1)
        self._stamp = ""  # while `:wait` moves time: the moment each message was sent

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
        if match := MOVE_TIME.match(line.strip()):
            await self.move_time(match[1].lower(), match[2])
            return
        if match := SWITCH_USER.match(line.strip()):
            name = match[1]
            self.user = self.operator if name == self.operator.user_id else UserRef(CONSOLE, name, name)
            self._print(f"(you are now {self.user.name})")
            return
        message = IncomingMessage(line, self.user, PLACE, message_id=str(next(self._ids)))
        await self.bot.handle_message(message)

    # --- moving time ------------------------------------------------------------------------------

    async def move_time(self, how: str, text: str) -> None:
        now = self.bot.clock.now()
        zone = ZoneInfo(await self._zone(self.user))
        try:
            target = now + parse_wait(text) if how == "wait" else parse_at(text, zone, now)
            if target <= now:
                raise TimeError(
                    f"{target.astimezone(zone):%a %d %b %Y %H:%M %Z} has passed: the console's clock "
                    "only moves forward."
                )
            if target - now > LONGEST_WAIT:
                raise TimeError("That's more than two weeks ahead; move two weeks at a time at most.")
            self._check_movable()
        except TimeError as problem:
            self._print(f"({problem})")
            return
        ran = 0
        # One due moment at a time, as real time would pass: each of them runs with the clock showing it.
        while (moment := self.bot.scheduler.next_moment()) is not None and moment <= target:
            self._move_clock(moment)
            self._stamp = f"[{moment.astimezone(zone):%a %d %b %H:%M}] "
            ran += await self.bot.scheduler.run_due()
        self._move_clock(target)
        self._stamp = f"[{target.astimezone(zone):%a %d %b %H:%M}] "
        ran += await self.bot.scheduler.run_due()
        self._stamp = ""
        self.bot.scheduler.clock_moved()
        self._print(f"(it is now {self.bot.clock.now().astimezone(zone):%a %d %b %Y, %H:%M %Z})")

    def _check_movable(self) -> None:
        if not (isinstance(self.bot.clock, ShiftedClock) or hasattr(self.bot.clock, "set")):
            raise TimeError("This console's clock follows the machine's and can't be moved.")

    def _move_clock(self, moment: datetime) -> None:
        clock = self.bot.clock
        if isinstance(clock, ShiftedClock):
            clock.advance(max(timedelta(0), moment - clock.now()))
        else:
            cast(Any, clock).set(max(moment, clock.now()))  # the test kit's FrozenClock

    # --- output -----------------------------------------------------------------------------------

    # A terminal keeps no record of what it showed: `token` cannot stop a repeat here. What the outbox
    # gives the console is its ledger: a message is marked sent right after it is printed, so a re-run
    # prints only what was not. The window left is the instant between the print and that mark.
    async def send(self, place: PlaceRef, content: Content, token: str | None = None) -> SentRef:
        return await self._show(content, None)

    async def send_private(self, user: UserRef, content: Content, token: str | None = None) -> SentRef:
        return await self._show(content, user)

    async def edit(self, ref: SentRef, content: Content) -> None:
        self._print(
            f"{self._stamp}(message {ref.message_id} updated)\n{self.render(content, await self._zone(self.user))}"
        )

    async def is_moderator(self, user: UserRef, community_id: int) -> bool:
        return user == self.operator

    async def list_moderators(self, community_id: int) -> list[UserRef]:
        return [self.operator]

    def parse_user(self, text: str) -> UserRef | None:
        name = text.strip().lstrip("@")
        if not name:
            return None
        return self.operator if name == self.operator.user_id else UserRef(CONSOLE, name, name)

    def render(self, content: Content, timezone: str | None = None) -> str:
        """The content as printed; times in `timezone` (the reader's), else the community's."""
        zone = timezone or self.bot.communities.get(1).timezone
        text = render_timestamps(
            unescape_markdown(neutralize_mentions(content.as_plain_text())), zone, self.bot.clock.now()
        )
        if content.choices:
            text += "\n" + numbered_choices(content)
        if content.ask:
            text += f"\n_{content.ask.label}: type your answer._"
        return text

    async def _show(self, content: Content, private_to: UserRef | None) -> SentRef:
        ref = SentRef(CONSOLE, PLACE.place_id, str(next(self._ids)))
        header = self._stamp + (
            f"[private to {private_to.name}] " if private_to and private_to != self.user else ""
        )
        self._print(header + self.render(content, await self._zone(private_to or self.user)))
        for attachment in content.files:
            saved = self._save(attachment.filename, attachment.data, private_to)
            self._print(f"📎 {attachment.filename} saved to {saved}")
        await self.bot.pending.remember(ref, content, private_to)
        return ref

    async def _zone(self, reader: UserRef) -> str:
        return await self.bot.timezone_for(reader, self.bot.communities.get(1))

    def _save(self, filename: str, data: bytes, owner: UserRef | None) -> Path:
        """A file sent to someone: in their own folder (files/<member>/), readable by this account only,
        so that erasing their data can delete every file written for them."""
        folder = self._folder(owner)
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        stamp = self.bot.clock.now().strftime("%Y%m%d-%H%M%S")
        for attempt in itertools.count():
            path = folder / f"{stamp}{f'-{attempt}' if attempt else ''}-{Path(filename).name}"
            try:
                descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:
                continue
            with os.fdopen(descriptor, "wb") as handle:
                handle.write(data)
            return path
        raise AssertionError("unreachable")  # pragma: no cover

    def _folder(self, owner: UserRef | None) -> Path:
        files_dir = self.files_dir or self.bot.settings.data_dir / "files"
        if owner is None:
            return files_dir
        return files_dir / re.sub(r"[^\w.-]", "_", owner.user_id).lstrip(".")

    async def forget_files(self, user: UserRef) -> None:
        """Delete every file written for this person (their exports, their charts)."""
        folder = self._folder(user)
        if folder != self._folder(None) and folder.exists():
            shutil.rmtree(folder)

    def _print(self, text: str) -> None:
        self.stdout.write(text.rstrip() + "\n\n")
        self.stdout.flush()
