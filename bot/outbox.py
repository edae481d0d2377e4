"""Exactly once, across crashes: every message the bot sends for a schedule or an inbound event.

A send that results from a schedule's occurrence or from a member's event happens inside a delivery
scope (`delivery_scope`): the scheduler opens one per occurrence, the core one per inbound event
(the platform's own id of the event: a Matrix event id, a Discord message or interaction id). Within
a scope each message gets an idempotency key, scope + whom it reaches + how many messages that
target got before in this scope, so a re-run of the same occurrence or event asks for the same keys
in the same order, whatever the order of sends to different targets.

For each key the outbox keeps one row, written BEFORE the platform is asked ('sending', with the
target and content sealed by the vault: they may hold member data), and marked 'sent' with the
platform's message id (content dropped; sealed too where the message went to a person privately,
since a DM's id says whose it is) after. The key's token goes to the platform, which
deduplicates with it: Matrix's transaction id (`PUT .../send/{type}/{txnId}`), Discord's nonce with
`enforce_nonce`. So:
- a re-run asking for a key already 'sent' gets the stored SentRef back and nothing is sent;
- a key still 'sending' (the process died during the send, or after it but before the mark) is sent
  again with the same token, which the platform answers with the message it already made, provided
  the platform still remembers the token (`Adapter.resend_window`); past that window it is given up
  with a log line (and, for owners that ask, a notice: crisis re-alerts tell the moderators);
- at startup (`recover`), rows still 'sending' are resent or given up the same way, before the
  scheduler re-runs the occurrences a dead process left claimed.

Many messages at once (`deliver_many`: a batch of posts, a sweep's DMs) have all their rows written
in one statement per 100 before the first send and, where the platform recognises a resend, are
marked sent together at the end (a crash before that mark resends them with their tokens).

Sends outside any scope (the console's own lines, whose inbound events have no stable id) go
straight to the adapter, as before. Owners that claim many messages in one database transaction
(the check-in sweep) write intents there (`intend`): rows 'claimed' with no content, which a
registered rebuilder turns back into messages if the process dies before they go out.

Rows are kept a few days (`KEPT`), long enough for any re-run to find them, and pruned by the daily
retention sweep. Rows that reach a person privately carry a keyed digest of who (`recipient`), so
`!forgetme` deletes them.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import contextvars
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bot.model import Choice, Content, FileAttachment, PlaceRef, SentRef, TextRequest, UserRef
from bot.storage import Migration
from bot.text import plural

if TYPE_CHECKING:
    import sqlite3

    from bot.core import Kindred

log = logging.getLogger(__name__)

MIGRATIONS = [
    Migration(
        1,
        "the outbox: one row per outgoing message of a schedule or an event, written before the send",
        """
        CREATE TABLE outbox (
            token       TEXT PRIMARY KEY,
            platform    TEXT NOT NULL,
            status      TEXT NOT NULL CHECK (status IN ('claimed', 'sending', 'sent', 'failed', 'given_up')),
            scope       TEXT NOT NULL,
            recipient   TEXT,
            sealed      TEXT,
            rebuild     TEXT,
            payload     TEXT,
            place_id    TEXT,
            message_id  TEXT,
            attempts    INTEGER NOT NULL DEFAULT 0,
            created_at  TEXT NOT NULL,
            first_attempt_at TEXT
        );
        CREATE INDEX outbox_unconfirmed ON outbox(status) WHERE status IN ('claimed', 'sending');
        CREATE INDEX outbox_recipient ON outbox(recipient) WHERE recipient IS NOT NULL;
        CREATE INDEX outbox_created ON outbox(created_at);
        """,
    )
]

# On a database several replicas share, a message (or an occurrence, bot/scheduler.py) left unfinished
# this long is taken to belong to a replica that died: another finishes it. (One process per SQLite
# file: at startup, everything unfinished is the dead process's.)
STALE_AFTER = timedelta(minutes=10)
KEPT = timedelta(days=3)  # a re-run comes within hours (grace windows, Matrix's 12-hour catch-up)
MAX_ATTEMPTS = 3  # a message whose sending kills the process must not bring it down forever
ROWS_PER_INSERT = 100  # 7 parameters a row: under 999, the oldest SQLite limit
TOKEN_LENGTH = 20  # base64 characters (120 bits); Discord's nonce takes up to 25, a part number included
SEALED_CONTEXT = "core.outbox"
VIA_ADAPTER = "adapter"
VIA_INTERACTION = "interaction"  # a Discord interaction's answer: cannot be re-sent after a restart


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat()


def token_for(key: str) -> str:
    """The idempotency token the platform sees: the same key, the same token, in every process (URL-safe
    base64 of its SHA-256: fits a Matrix transaction id in a path and a Discord nonce)."""
    return base64.urlsafe_b64encode(hashlib.sha256(key.encode()).digest())[:TOKEN_LENGTH].decode()


# --- scopes --------------------------------------------------------------------------------------------


class DeliveryScope:
    """One run of one occurrence or event: counts the messages each target got so far."""

    def __init__(self, key: str):
        self.key = key
        self._counts: dict[str, int] = {}

    def next_key(self, target_key: str) -> str:
        count = self._counts.get(target_key, 0)
        self._counts[target_key] = count + 1
        return f"{self.key}|{target_key}|{count}"


_SCOPE: contextvars.ContextVar[DeliveryScope | None] = contextvars.ContextVar("delivery_scope", default=None)


@contextlib.contextmanager
def delivery_scope(key: str | None) -> Iterator[DeliveryScope | None]:
    """Sends inside get idempotency keys under `key` (None: no keys, as outside any scope)."""
    scope = DeliveryScope(key) if key else None
    reset = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(reset)


def current_scope() -> DeliveryScope | None:
    return _SCOPE.get()


def event_scope(platform: str, event_id: str | None) -> str | None:
    """The scope of an inbound event: the platform's own id of it, the same when it is delivered again."""
    return f"{platform}:{event_id}" if event_id else None


# --- what is sent, and where ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """Where a message goes: a place (a channel, a room, a DM), a person privately, or both (a DM
    place whose reader is known). Messages to a person are keyed by the person, however they go."""

    platform: str
    place: PlaceRef | None = None
    person: UserRef | None = None
    via: str = VIA_ADAPTER

    @property
    def key(self) -> str:
        if self.person is not None:
            return f"person:{self.platform}:{self.person.user_id}"
        assert self.place is not None, "a target is a place, a person, or both"
        return f"place:{self.platform}:{self.place.place_id}"

    def to_json(self) -> dict:
        place = self.place
        return {
            "platform": self.platform,
            "via": self.via,
            "place": None if place is None else [place.place_id, place.is_direct, place.scope_id],
            "person": None if self.person is None else [self.person.user_id, self.person.display_name],
        }

    @classmethod
    def from_json(cls, data: dict) -> Target:
        platform = data["platform"]
        place = data.get("place")
        person = data.get("person")
        return cls(
            platform,
            PlaceRef(platform, place[0], bool(place[1]), place[2]) if place else None,
            UserRef(platform, person[0], person[1]) if person else None,
            data.get("via", VIA_ADAPTER),
        )


def content_to_json(content: Content) -> dict:
    return {
        "text": content.text,
        "title": content.title,
        "fields": [list(pair) for pair in content.fields],
        "choices": [[c.id, c.label, c.style] for c in content.choices],
        "files": [
            [f.filename, base64.b64encode(f.data).decode(), f.mime_type, f.description] for f in content.files
        ],
        "ask": None
        if content.ask is None
        else [
            content.ask.id,
            content.ask.label,
            content.ask.placeholder,
            content.ask.max_length,
            content.ask.multiline,
        ],
        "footer": content.footer,
        "mention_users": [[u.platform, u.user_id, u.display_name] for u in content.mention_users],
    }


def content_from_json(data: dict) -> Content:
    return Content(
        text=data["text"],
        title=data["title"],
        fields=[tuple(pair) for pair in data["fields"]],
        choices=[Choice(*choice) for choice in data["choices"]],
        files=[
            FileAttachment(name, base64.b64decode(raw), mime, description)
            for name, raw, mime, description in data["files"]
        ],
        ask=TextRequest(*data["ask"]) if data["ask"] else None,
        footer=data["footer"],
        mention_users=[UserRef(*user) for user in data["mention_users"]],
    )


@dataclass(frozen=True)
class Outgoing:
    """One message for `deliver_many`. Its idempotency key: `key` if given (an intent's), else the next
    of delivery scope `scope` (one occurrence of a batch), else the next of the current scope.
    `wanted()`, if given, is asked just before the send: False, and it is not sent (None comes back)."""

    target: Target
    content: Content
    key: str | None = None
    scope: str | None = None
    wanted: Callable[[], bool] | None = None


@dataclass(frozen=True)
class Intent:
    """A message claimed in the owner's own transaction, built later; `rebuild(payload)` builds it
    again after a crash (None: nothing to send any more)."""

    key: str
    target: Target
    rebuild: str
    payload: dict = field(default_factory=dict)


class GaveUp(Exception):
    """An earlier attempt of this message is unconfirmed and the platform no longer recognises its
    token (or it was tried too often): it is not sent again, so that it never arrives twice."""


Sender = Callable[[str | None], Awaitable[SentRef]]
Rebuilder = Callable[[dict], Awaitable[tuple[Target, Content] | None]]
GiveUpListener = Callable[[str], Awaitable[None]]


@dataclass
class _Planned:
    token: str  # "": no key (no scope): sent as before there was an outbox
    scope: str
    target: Target
    content: Content
    send: Sender | None
    explicit: bool = False  # the caller named the key (an intent's), rather than a scope counting
    wanted: Callable[[], bool] | None = None


# --- the outbox ------------------------------------------------------------------------------------------


class Outbox:
    def __init__(self, bot: Kindred):
        self.bot = bot
        self.enabled = True  # the bench turns it off to measure what it costs
        self._in_flight: dict[str, asyncio.Future] = {}
        self._rebuilders: dict[str, Rebuilder] = {}
        self._give_up_listeners: list[tuple[str, GiveUpListener]] = []

    # --- registration -------------------------------------------------------------------------------

    def register_rebuilder(self, name: str, rebuild: Rebuilder) -> None:
        """`rebuild(payload)` turns an intent back into (target, content), after a crash."""
        self._rebuilders[name] = rebuild

    def on_give_up(self, scope_prefix: str, listener: GiveUpListener) -> None:
        """`listener(scope)` hears of each message given up whose scope starts with the prefix."""
        self._give_up_listeners.append((scope_prefix, listener))

    # --- sending ------------------------------------------------------------------------------------

    async def deliver(
        self, target: Target, content: Content, *, key: str | None = None, send: Sender | None = None
    ) -> SentRef:
        """Send one message exactly once per key. `send(token)` overrides how (an interaction's
        answer); by default the target's adapter sends it. Raises what the send raised, or GaveUp."""
        (result,) = await self.deliver_many([Outgoing(target, content, key)], send=send)
        if isinstance(result, BaseException):
            raise result
        assert result is not None  # (only an item with `wanted` can come back unsent)
        return result

    async def deliver_many(
        self, items: Sequence[Outgoing], *, send: Sender | None = None, concurrency: int = 1
    ) -> list[SentRef | BaseException | None]:
        """Send many messages, each exactly once per key. All their rows are written first, in one
        statement per 100 (intents already claimed are taken in one statement per 500); then they go
        out, `concurrency` at a time (1: in order), and where the platform recognises a resend they
        are marked sent together at the end, in one statement per 100 (a crash before that mark
        resends them with their tokens, which the platform answers with the messages it has).
        Returns, per item, its SentRef, the exception its send raised, or None (not `wanted`)."""
        planned = self._plan(items, send)
        keyed = [item for item in planned if item.token]
        fresh = await self._take_claimed([item.token for item in keyed if item.explicit])
        rest = [item for item in keyed if item.token not in fresh]
        if rest:
            fresh |= await self._insert(rest)
        marks: list[tuple[_Planned, SentRef]] = []

        async def one(item: _Planned) -> SentRef | None:
            if item.wanted is not None and not item.wanted():
                if item.token:
                    await self.bot.db.fetchall_inline(
                        "UPDATE outbox SET status = 'failed', sealed = NULL WHERE token = ?", (item.token,)
                    )
                return None
            if not item.token:
                return await (item.send or self._adapter_sender(item.target, item.content))(None)
            return await self._once(item, item.token in fresh, marks)

        results = await _each(one, planned, concurrency)
        if marks:
            await self._mark_sent(marks)
        return results

    def _plan(self, items: Sequence[Outgoing], send: Sender | None) -> list[_Planned]:
        current = _SCOPE.get()
        scopes: dict[str, DeliveryScope] = {}
        planned = []
        for item in items:
            scope = current
            if item.scope is not None:
                scope = scopes.setdefault(item.scope, DeliveryScope(item.scope))
            if not self.enabled or (item.key is None and scope is None):
                planned.append(_Planned("", "", item.target, item.content, send, wanted=item.wanted))
            elif item.key is not None:
                planned.append(
                    _Planned(
                        token_for(item.key), item.key, item.target, item.content, send, True, item.wanted
                    )
                )
            else:
                assert scope is not None
                planned.append(
                    _Planned(
                        token_for(scope.next_key(item.target.key)),
                        scope.key,
                        item.target,
                        item.content,
                        send,
                        wanted=item.wanted,
                    )
                )
        return planned

    def intend(self, connection: sqlite3.Connection, intents: Sequence[Intent], now: datetime) -> None:
        """Claim messages inside the caller's own transaction (plain sqlite3, on the database thread):
        'claimed' rows with no content. `deliver(..., key=intent.key)` sends each later."""
        if not self.enabled:
            return
        created = _iso(now)
        connection.executemany(
            """INSERT INTO outbox (token, platform, status, scope, recipient, rebuild, payload, created_at)
               VALUES (?, ?, 'claimed', ?, ?, ?, ?, ?) ON CONFLICT (token) DO NOTHING""",
            [
                (
                    token_for(intent.key),
                    intent.target.platform,
                    intent.key,
                    self._recipient(intent.target),
                    intent.rebuild,
                    json.dumps(intent.payload),
                    created,
                )
                for intent in intents
            ],
        )

    async def drop(self, key: str) -> None:
        """An intent that is not to be sent after all (its member left while the sweep was sending)."""
        await self.bot.db.fetchall_inline(
            "UPDATE outbox SET status = 'failed' WHERE token = ? AND status = 'claimed'", (token_for(key),)
        )

    async def _take_claimed(self, tokens: list[str]) -> set[str]:
        """Intents about to be sent: 'claimed' becomes 'sending' (no content: the owner rebuilds it)."""
        taken: set[str] = set()
        now = _iso(self.bot.clock.now())
        for start in range(0, len(tokens), 500):
            chunk = tokens[start : start + 500]
            sql = (
                "UPDATE outbox SET status = 'sending', attempts = attempts + 1, first_attempt_at = ?"
                f" WHERE status = 'claimed' AND token IN ({','.join('?' * len(chunk))}) RETURNING token"
            )
            rows = (
                await self.bot.db.fetchall_inline(sql, [now, *chunk])
                if len(chunk) == 1
                else await self.bot.db.fetchall(sql, [now, *chunk])
            )
            taken.update(row[0] for row in rows)
        return taken

    async def _insert(self, planned: list[_Planned]) -> set[str]:
        """Write a 'sending' row for each planned message not in the outbox yet; returns their tokens."""
        now = _iso(self.bot.clock.now())
        inserted: set[str] = set()
        for start in range(0, len(planned), ROWS_PER_INSERT):
            chunk = planned[start : start + ROWS_PER_INSERT]
            values = []
            for item in chunk:
                values += [
                    item.token,
                    item.target.platform,
                    item.scope,
                    self._recipient(item.target),
                    self._seal(item.target, item.content),
                    now,
                    now,
                ]
            sql = (
                "INSERT INTO outbox (token, platform, scope, recipient, sealed, created_at, first_attempt_at,"
                " attempts, status) VALUES "
                + ",".join("(?,?,?,?,?,?,?,1,'sending')" for _ in chunk)
                + " ON CONFLICT (token) DO NOTHING RETURNING token"
            )
            # One short keyed statement for a single message (the common case) runs on the loop's thread.
            rows = (
                await self.bot.db.fetchall_inline(sql, values)
                if len(chunk) == 1
                else await self.bot.db.fetchall(sql, values)
            )
            inserted.update(row[0] for row in rows)
        return inserted

    async def _once(self, item: _Planned, fresh: bool, marks: list | None = None) -> SentRef:
        running = self._in_flight.get(item.token)
        if running is not None:  # the same message is being sent right now (a replay beside a recovery)
            return await asyncio.shield(running)
        future = asyncio.get_running_loop().create_future()
        self._in_flight[item.token] = future
        try:
            ref = await (self._send_fresh(item, marks) if fresh else self._send_again(item))
        except BaseException as error:
            future.set_exception(error)
            future.exception()  # retrieved: nobody else may be waiting
            raise
        else:
            future.set_result(ref)
            return ref
        finally:
            del self._in_flight[item.token]

    async def _send_again(self, item: _Planned) -> SentRef:
        """A key the outbox has seen: return what was sent, or send again with the same token."""
        rows = await self.bot.db.fetchall_inline(
            "SELECT status, platform, place_id, message_id, attempts, first_attempt_at, sealed FROM outbox"
            " WHERE token = ?",
            (item.token,),
        )
        if not rows:  # pruned between the insert and now: nothing to go by, send as new
            await self._insert([item])
            return await self._send_fresh(item)
        row = rows[0]
        status = row[0]
        if status == "sent":
            if row[2] is None and row[6] is not None:  # a private message: where it went is sealed
                place_id, message_id = json.loads(self.bot.vault.open(row[6], SEALED_CONTEXT))["sent"]
                return SentRef(row[1], place_id, message_id, repeated=True)
            return SentRef(row[1], row[2], row[3], repeated=True)
        if status == "given_up":
            raise GaveUp("an earlier attempt of this message is unconfirmed; it is not sent again")
        if status in ("sending", "failed"):
            # An earlier attempt may have reached the platform: only its token makes a resend safe.
            reason = self._why_not_resend(item.target.platform, row[4], row[5], item.target.via)
            if reason:
                await self._give_up(item.token, item.scope, item.target.platform, reason, row[4])
                raise GaveUp(f"an earlier attempt of this message is unconfirmed ({reason})")
        await self.bot.db.fetchall_inline(
            "UPDATE outbox SET status = 'sending', attempts = attempts + 1, sealed = ?,"
            " first_attempt_at = COALESCE(first_attempt_at, ?) WHERE token = ?",
            (
                self._seal(item.target, item.content) if status != "claimed" else None,
                _iso(self.bot.clock.now()),
                item.token,
            ),
        )
        return await self._send_fresh(item)

    async def _send_fresh(self, item: _Planned, marks: list | None = None) -> SentRef:
        send = item.send or self._adapter_sender(item.target, item.content)
        try:
            ref = await send(item.token)
        except Exception:
            # Refused or failed after the adapter's retries: the caller is told and decides. A re-run
            # asking for this key tries again, with the same token.
            await self.bot.db.fetchall_inline(
                "UPDATE outbox SET status = 'failed', sealed = NULL WHERE token = ?", (item.token,)
            )
            raise
        adapter = self.bot.adapters.get(item.target.platform)
        if marks is not None and adapter is not None and adapter.resend_window is not None:
            marks.append((item, ref))  # marked with the others of this batch: a resend would be recognised
        else:
            # The console recognises nothing: the mark follows the print at once (the window left there).
            await self._mark_sent([(item, ref)])
        return ref

    async def _mark_sent(self, marks: list[tuple[_Planned, SentRef]]) -> None:
        values: list[tuple[str, str | None, str | None, str | None]] = []
        for item, ref in marks:
            if item.target.person is None:
                values.append((item.token, ref.place_id, ref.message_id, None))
            else:  # a DM's id says whose it is: kept sealed, like the message was
                person = item.target.person
                values.append(
                    (
                        item.token,
                        None,
                        None,
                        self.bot.vault.seal(
                            json.dumps(
                                {
                                    "sent": [ref.place_id, ref.message_id],
                                    "person": [person.platform, person.user_id],
                                }
                            ),
                            SEALED_CONTEXT,
                        ),
                    )
                )
        if len(values) == 1:
            token, place_id, message_id, sealed = values[0]
            await self.bot.db.fetchall_inline(
                "UPDATE outbox SET status = 'sent', place_id = ?, message_id = ?, sealed = ? WHERE token = ?",
                (place_id, message_id, sealed, token),
            )
            return
        for start in range(0, len(values), ROWS_PER_INSERT):
            chunk = values[start : start + ROWS_PER_INSERT]
            await self.bot.db.execute(
                "UPDATE outbox SET status = 'sent', place_id = sent.column2, message_id = sent.column3,"
                " sealed = sent.column4 FROM (VALUES "
                + ",".join("(?,?,?,?)" for _ in chunk)
                + ") AS sent WHERE outbox.token = sent.column1",
                [value for row in chunk for value in row],
            )

    def _adapter_sender(self, target: Target, content: Content) -> Sender:
        async def send(token: str | None) -> SentRef:
            adapter = self.bot.adapter_for(target.platform)
            if target.place is None:
                assert target.person is not None
                return await adapter.send_private(target.person, content, token=token)
            return await adapter.send(target.place, content, token=token)

        return send

    def _why_not_resend(
        self, platform: str, attempts: int, first_attempt_at: str | None, via: str
    ) -> str | None:
        """Why an unconfirmed earlier attempt must not be sent again, or None if it may."""
        if via == VIA_INTERACTION:
            return "an interaction's answer cannot be sent again after a restart"
        if attempts >= MAX_ATTEMPTS:
            return f"tried {plural(attempts, 'time')}"
        adapter = self.bot.adapters.get(platform)
        window = adapter.resend_window if adapter is not None else None
        if window is not None and first_attempt_at is not None:
            if self.bot.clock.now() - datetime.fromisoformat(first_attempt_at) > window:
                return "past the time the platform recognises a resend"
        return None

    # --- after a crash --------------------------------------------------------------------------------

    async def recover(self) -> int:
        """After a crash (at startup, before the scheduler re-runs what a dead process left; on a
        database replicas share, also at each resync, for rows left unfinished longer than
        STALE_AFTER): send every unconfirmed message again with its own token (the platform answers
        with the one it already has), or give it up where that is no longer safe. Returns how many
        were sent."""
        if not self.enabled:
            return 0
        now = self.bot.clock.now()
        before = _iso(now - STALE_AFTER if self.bot.db.shared else now + timedelta(days=1))
        rows = await self.bot.db.fetchall(
            "SELECT token, platform, status, scope, sealed, rebuild, payload, attempts, first_attempt_at"
            " FROM outbox WHERE status IN ('claimed', 'sending') AND COALESCE(first_attempt_at, created_at) <= ?"
            " ORDER BY created_at, token",
            (before,),
        )
        sent = 0
        for row in rows:
            if row["platform"] not in self.bot.adapters:
                continue  # that platform is not connected in this run: left for one that is (or the sweep)
            try:
                sent += await self._recover_one(row)
            except GaveUp:
                pass
            except Exception:
                log.exception(
                    "an unconfirmed message could not be sent again", extra={"platform": row["platform"]}
                )
        if rows:
            log.info("outbox recovered", extra={"unconfirmed": len(rows), "sent": sent})
        return sent

    async def _recover_one(self, row) -> int:
        token, scope = row["token"], row["scope"]
        if row["sealed"] is not None:
            data = json.loads(self.bot.vault.open(row["sealed"], SEALED_CONTEXT))
            target, content = Target.from_json(data["target"]), content_from_json(data["content"])
        else:
            rebuilder = self._rebuilders.get(row["rebuild"] or "")
            built = await rebuilder(json.loads(row["payload"] or "{}")) if rebuilder is not None else None
            if built is None:
                await self.bot.db.execute("UPDATE outbox SET status = 'failed' WHERE token = ?", (token,))
                log.info("a claimed message is no longer due; not sent", extra={"rebuild": row["rebuild"]})
                return 0
            target, content = built
        if row["status"] == "sending":
            reason = self._why_not_resend(
                row["platform"], row["attempts"], row["first_attempt_at"], target.via
            )
            if reason:
                await self._give_up(token, scope, row["platform"], reason, row["attempts"])
                return 0
        item = _Planned(token, scope, target, content, None)
        await self._once(item, fresh=False)
        return 1

    async def _give_up(self, token: str, scope: str, platform: str, reason: str, attempts: int) -> None:
        await self.bot.db.fetchall_inline(
            "UPDATE outbox SET status = 'given_up', sealed = NULL WHERE token = ?", (token,)
        )
        log.warning(
            "unconfirmed message given up: it may not have arrived",
            extra={"platform": platform, "reason": reason, "attempts": attempts},
        )
        for prefix, listener in self._give_up_listeners:
            if scope.startswith(prefix):
                try:
                    with delivery_scope(f"given-up:{token}"):  # the notice itself goes out once
                        await listener(scope)
                except Exception:
                    log.exception("a give-up notice failed")

    # --- housekeeping ---------------------------------------------------------------------------------

    async def forget(self, users: Sequence[UserRef]) -> int:
        """`!forgetme`: rows that reached these accounts privately go (sealed or not)."""
        tags = [self._tag(user) for user in users]
        if not tags:
            return 0
        return await self.bot.db.execute_rowcount(
            f"DELETE FROM outbox WHERE recipient IN ({','.join('?' * len(tags))})", tags
        )

    async def forget_before(self, moment: datetime) -> int:
        """The daily sweep: rows older than any re-run looks go."""
        return await self.bot.db.execute_rowcount("DELETE FROM outbox WHERE created_at < ?", (_iso(moment),))

    async def rekey(self, new_vault) -> None:
        """`kindred keys rotate` (inside its transaction): sealed rows re-sealed and recipients re-tagged
        with the new key, so `forget` still finds them."""
        rows = await self.bot.db.fetchall("SELECT token, sealed FROM outbox WHERE sealed IS NOT NULL")
        for row in rows:
            data = json.loads(self.bot.vault.open(row["sealed"], SEALED_CONTEXT))
            person = (
                data.get("person")
                or (data.get("target") or {}).get("person")
                and [data["target"]["platform"], data["target"]["person"][0]]
            )
            recipient = new_vault.tag(f"outbox:{person[0]}:{person[1]}") if person else None
            await self.bot.db.execute(
                "UPDATE outbox SET sealed = ?, recipient = ? WHERE token = ?",
                (new_vault.seal(json.dumps(data), SEALED_CONTEXT), recipient, row["token"]),
            )

    def _tag(self, user: UserRef) -> str:
        return self.bot.vault.tag(f"outbox:{user.platform}:{user.user_id}")

    def _recipient(self, target: Target) -> str | None:
        return self._tag(target.person) if target.person is not None else None

    def _seal(self, target: Target, content: Content) -> str:
        data = json.dumps({"target": target.to_json(), "content": content_to_json(content)})
        return self.bot.vault.seal(data, SEALED_CONTEXT)


async def _each(work, items: list, concurrency: int) -> list:
    """`work(item)` for each item, `concurrency` at a time; an Exception is its item's result."""

    async def guarded(item):
        try:
            return await work(item)
        except Exception as error:
            return error

    if concurrency <= 1:
        return [await guarded(item) for item in items]
    gate = asyncio.Semaphore(concurrency)

    async def gated(item):
        async with gate:
            return await guarded(item)

    return list(await asyncio.gather(*(gated(item) for item in items)))
