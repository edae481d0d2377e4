"""`!forgetme` against the schema itself: a distinct marker in every column of every table a member or
a moderator can reach, then erase both, then no marker left in the raw database, its WAL or the data
folder. The walk reads the schema, so a column added later fails here until it is planted or declared
as holding nothing about people (NOT_ABOUT_PEOPLE, with the reason)."""

from __future__ import annotations

import itertools
import sqlite3
from pathlib import Path

from bot.core import DEFAULT_COGS
from bot.model import Choice, Content, SentRef
from bot.testing import make_test_bot
from tests.checkins.conftest import join
from tests.checkins.test_people import EVENING, answer_through

_numbers = itertools.count(1)


def marker() -> str:
    """A word found nowhere else: the walk looks for it in values and in raw bytes."""
    return f"qz{next(_numbers):03d}mark"


# Tables and columns that cannot name a person, with the reason. Everything else must be planted by the
# scenario, or sit in a row that refers to the member (those rows must be gone after the erase).
NOT_ABOUT_PEOPLE: dict[str, str | dict[str, str]] = {
    "schema_versions": "migrations applied",
    "vault_keys": "fingerprint of the data key",
    "communities": "the operator's config",
    "consent_statements": "the cogs' own consent statements, each text kept once under its hash",
    "checkin_daily_counts": "a community's totals per day (how many were asked, how many answered); an "
    "erased member's check-ins are taken out of them",
    "community_scopes": "the operator's config",
    "schedules": "the bot's own jobs: owner cog, key, kind, spec, handler, ids in the payload",
    "deliveries": "which job ran when",
    "mindfulness_schedules": "a moderator's posting schedule: place, times, categories, prompt ids",
    "meetup_posts": "where the bot posted an announcement (channel and message ids)",
    "community_settings": {"component": "a cog's name", "key": "a setting's name"},
    "crisis_alerts": {
        **{
            column: "what, when and where; alerts never name the member (tests/crisis)"
            for column in (
                "level",
                "category",
                "source_platform",
                "source_place",
                "source_is_direct",
                "link",
                "alert_platform",
                "alert_place",
                "alert_message",
                "realerts",
                "urgent",
                "acknowledged_at",
                "source_event",
            )
        },
        "pending_member": "sealed: whom to answer, only while the alert's first delivery is under way "
        "(seconds; tests/crisis/test_once_per_message.py)",
    },
    "crisis_cooldowns": "a keyed digest of an account, a level, kinds and a time; gone when the cool-down ends "
    "and with !forgetme",
    "crisis_alert_copies": "where copies of an alert went (alert id, the bot's message ids, channels and "
    "moderators' DMs): no member's words or name; they go with the alert after 90 days",
    "meetups": {
        column: "numbers, zone and times of the meetup"
        for column in (
            "zone",
            "first_local",
            "duration_min",
            "capacity",
            "recurrence",
            "cutoff_min",
            "origin",
        )
    },
    "meetup_occurrences": {
        "meetup_id": "row id",
        "rule_start": "a time",
        "start_utc": "a time",
        "duration_min": "a number",
        "cancelled": "a switch",
        "place": "the organiser's words, planted through meetups.place",
        "note": "the organiser's words, like place",
    },
    "mindfulness_log": {"action": "what was done, in the bot's words", "at": "a time"},
    "mindfulness_prompts": {
        column: "the prompt's shape" for column in ("category", "follow_up", "duration", "retired", "origin")
    },
    "pending_prompts": {
        "ask_id": "the question's id",
        "choices": "the bot's own labels",
        "message_id": "the bot's message id",
        "place_id": "a DM's id, beside user_id",
        "about": "the bot's words naming the question (with a meetup's title at most)",
        "ask_max_length": "a number",
    },
    # The bot's own recent messages (bot/outbox.py): whom and what is sealed (opened by the walk below);
    # the rest are hashes, ids and times. Rows reaching the member go with them (by `recipient`).
    "outbox": {
        "token": "a hash of the message's key",
        "scope": "the event's or occurrence's id",
        "recipient": "a keyed digest of whom it reached privately",
        "rebuild": "a cog's builder name",
        "payload": "row ids and a day",
        "place_id": "a channel (a DM's id is sealed)",
        "message_id": "the bot's message id",
        "attempts": "a number",
        "first_attempt_at": "a time",
    },
}
MEMBER_ID_COLUMNS = {"member_id", "partner_id", "inviter_id", "credit_member"}
# Columns anywhere that hold only these shapes: row ids, times, switches, enums.
SHAPES = {"id", "created_at", "updated_at", "community_id", "platform", "status", "sequence", "paused"}


def accounted_for(table: str, column: str, found: dict, refers: dict[str, set[str]]) -> bool:
    declared = NOT_ABOUT_PEOPLE.get(table, {})
    if isinstance(declared, str) or column in declared or column in SHAPES or found[(table, column)]:
        return True
    # A row that refers to the member goes with them, whatever its other columns hold.
    return any(found[(table, reference)] for reference in refers[table])


def text_columns(connection: sqlite3.Connection) -> dict[str, list[str]]:
    tables = [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
    ]
    return {table: [row[1] for row in connection.execute(f"PRAGMA table_info({table})")] for table in tables}


def disk_bytes(folder: Path) -> bytes:
    """Every file under the data folder: database, WAL, shared memory, key, member files."""
    return b"".join(path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())


class Scenario:
    """A member (amy) and a moderator (mo, never opted in) use every feature, each text a new marker."""

    def __init__(self, bot, chat, clock):
        self.bot, self.chat, self.clock = bot, chat, clock
        self.markers: set[str] = set()
        self.amy = chat.user(self.mark("amy"))
        self.mo = chat.user(self.mark("mo"), moderator=True)
        self.bob = chat.user("bob")  # another member: what amy left in his rows must go too

    def mark(self, prefix: str = "") -> str:
        word = prefix + marker()
        self.markers.add(word)
        return word

    async def run(self) -> None:
        chat, amy, mo, bob = self.chat, self.amy, self.mo, self.bob
        mods = chat.channel("mods")
        await chat.say(mo, "!crisisadmin alerts", place=mods)
        await chat.say(mo, "!meetup channel here")
        await chat.say(mo, f"!meetup organiser add @{amy.name}")
        await chat.say(mo, "!checkin celebrations here")

        # Check-ins: a schedule, an answer with an intention and a note, sobriety, an announced name, a partner.
        await join(chat, amy)
        await join(chat, bob)
        await chat.say(amy, "!checkin sober 2026-01-05")
        await chat.say(amy, "!checkin announce on")
        await chat.say(amy, "!partner invite @bob")
        await chat.press(bob, chat.find_choice(chat.last(bob), "Accept"))
        await chat.say(amy, "!partner invite @cal")  # her invitation, still open when she erases
        self.clock.set(EVENING)
        await self.bot.get_cog("checkins").sweep()
        await answer_through(chat, amy, mood="4")
        await chat.answer(amy, self.mark("intention"))
        await chat.answer(amy, self.mark("note"))

        # Crisis: a safety plan, a country; an alert mo acknowledges (it never names amy).
        asked = await chat.dm(amy, "!safetyplan write")
        await chat.press(amy, chat.find_choice(asked[-1], "I agree"))
        for _ in range(7):
            await chat.answer(amy, self.mark("plan"))
        await chat.dm(amy, "!mycountry GB")
        await chat.dm(amy, "honestly i want to die tonight, i cant do this anymore")
        alert = next(
            s
            for s in reversed(chat.in_place(mods))
            if any(c.id.startswith("crisis.ack:") for c in s.content.choices)
        )
        await chat.press(mo, chat.find_choice(alert, "Acknowledge"), place=mods)

        # Meetups: amy organises one (her words in every field), answers another, and mo's has her note.
        review = (
            await chat.say(
                amy,
                f"!meetup create {self.mark('title')}, next tuesday 7pm, "
                f"at {self.mark('place')}, description: {self.mark('about')}",
            )
        )[-1]
        await chat.press(amy, chat.find_choice(review, "Save and announce"))
        review = (await chat.say(mo, "!meetup create Alumni coffee, next wednesday 6pm, at Cafe Rosa"))[-1]
        await chat.press(mo, chat.find_choice(review, "Save and announce"))
        post = [
            s
            for s in chat.sent
            if s.private_to is None
            and s.content.choices
            and s.content.choices[0].id.startswith("meetup.rsvp:")
        ][-1]
        sent = await chat.press(amy, chat.find_choice(post, "Going"), place=post.place)
        if sent and sent[-1].content.title == "Before we start":
            await chat.press(amy, chat.find_choice(sent[-1], "I agree"))
        await chat.say(amy, "!meetup reminders maybe-too")

        # Mindfulness: a suggestion approved as she wrote it, with her name as credit; mo's log lines.
        await chat.say(mo, "!prompts credit on")
        asked = await chat.say(amy, "!optin mindfulness")
        await chat.press(amy, chat.find_choice(asked[-1], "I agree"))
        asked = await chat.say(
            amy, f"!suggest {self.mark('idea')} what is one small thing that helped today?"
        )
        await chat.press(amy, chat.find_choice(asked[-1], "Show my name"))
        await chat.say(amy, f"!suggest {self.mark('idea')} pending idea for later")
        await chat.say(mo, "!prompts approve 1")
        await chat.say(mo, f"!prompts reject 2 {self.mark('modnote')}")
        await chat.say(amy, f"!suggest {self.mark('idea')} one more, still waiting")
        await chat.dm(amy, "!checkin quiet 22:00-07:00")
        asked = await chat.dm(amy, "!settings timezone Europe/London")  # her own zone, kept once she agrees
        await chat.press(amy, chat.find_choice(asked[-1], "I agree"))

        # The core: a question still waiting for her answer, a link code.
        await chat.dm(amy, "!link")
        await chat.dm(amy, "!forgetme")  # asked, not yet answered
        # Where a platform has no buttons (Matrix, the console) the question waits in the database, for her.
        dm = chat.dm_place(amy)
        await self.bot.pending.remember(
            SentRef(dm.platform, dm.place_id, "q1"),
            Content(text="Erase?", choices=[Choice("privacy.forget:yes", "Yes")]),
            amy,
        )

    async def erase_both(self) -> None:
        chat = self.chat
        for person in (self.amy, self.mo):
            asked = await chat.dm(person, "!forgetme")
            done = await chat.press(person, chat.find_choice(asked[-1], "Erase everything"))
            assert "Everything Kindred held about you is erased" in done[-1].text, done[-1].text


async def test_forgetme_leaves_no_marker_in_any_column_file_or_folder(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=DEFAULT_COGS, clock=clock) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        scenario = Scenario(bot, chat, clock)
        await scenario.run()
        amy_id = await bot.members.lookup(scenario.amy)

        found, refers = await walk(bot, scenario, {amy_id})
        unaccounted = sorted(
            f"{table}.{column}"
            for (table, column) in found
            if not accounted_for(table, column, found, refers)
        )
        assert not unaccounted, f"columns the walk could not plant and no one declared: {unaccounted}"
        planted_on_disk = [m for m in scenario.markers if m.encode() in disk_bytes(tmp_path)]
        assert planted_on_disk, "the check can see plain markers (ids, organiser lists) while they exist"

        await scenario.erase_both()
        left = sorted(key for key, seen in (await walk(bot, scenario, {amy_id}))[0].items() if seen)
        assert not left, f"still naming them after erase: {sorted(left)}"
        on_disk = [m for m in scenario.markers if m.encode() in disk_bytes(tmp_path)]
        assert not on_disk, f"markers left in the database, its WAL or the data folder: {on_disk}"
    assert not [m for m in scenario.markers if m.encode() in disk_bytes(tmp_path)], "after closing too"


async def walk(
    bot, scenario, member_ids: set[int]
) -> tuple[dict[tuple[str, str], bool], dict[str, set[str]]]:
    """(table, column) -> does any value name them: a marker (sealed values opened with the vault) or,
    in a column that refers to members, one of their member ids. Also each table's member columns."""
    sealed = {(s.table, s.column): s for s in bot.sealed_columns()}
    found, references = {}, {}
    with sqlite3.connect(bot.settings.storage.path) as connection:
        connection.row_factory = sqlite3.Row
        for table, columns in text_columns(connection).items():
            refers = {
                row["from"]
                for row in connection.execute(f"PRAGMA foreign_key_list({table})")
                if row["table"] == "members"
            } | {c for c in columns if c in MEMBER_ID_COLUMNS}
            references[table] = refers
            rows = connection.execute(f"SELECT * FROM {table}").fetchall()
            for column in columns:
                names = False
                for row in rows:
                    value = row[column]
                    if value is None:
                        continue
                    if (table, column) in sealed and isinstance(value, str) and value.startswith("v1:"):
                        value = bot.vault.open(value, sealed[(table, column)].context_for(row))
                    if (
                        column in refers
                        and value in member_ids
                        or any(m in str(value) for m in scenario.markers)
                    ):
                        names = True
                        break
                found[(table, column)] = names
    return found, references
