"""Questions waiting for an answer on platforms without buttons or forms (console, Matrix).

There, a choice is answered by typing its number (or its label, or reacting with a number emoji) and
a free-text question by the next message. The question is kept in the database, so an answer still
lands after a restart. Rows name the asker only for private questions and are erased with the member.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from bot.model import ChoiceEvent, Content, IncomingMessage, PlaceRef, Platform, SentRef, TextAnswer, UserRef
from bot.params import whole_number
from bot.storage import Database, Migration

EXPIRY = timedelta(days=2)
# A question posted in a room for everyone (a meetup's numbered RSVP reactions on Matrix) is answered
# for as long as the meetup is ahead; after this the row goes too.
SHARED_EXPIRY = timedelta(days=60)

MIGRATIONS = [
    Migration(
        1,
        "questions waiting for a typed answer",
        """
        CREATE TABLE pending_prompts (
            id         INTEGER PRIMARY KEY,
            platform   TEXT NOT NULL,
            place_id   TEXT NOT NULL,
            message_id TEXT NOT NULL,
            user_id    TEXT,
            choices    TEXT NOT NULL DEFAULT '[]',
            ask_id     TEXT,
            created_at TEXT NOT NULL
        );
        CREATE INDEX pending_place ON pending_prompts(platform, place_id, id);
        CREATE INDEX pending_message ON pending_prompts(platform, message_id);
        """,
    )
]

NUMBER_EMOJI = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"]


def numbered_choices(content: Content) -> str:
    """The choices as a numbered list, for platforms that show no buttons."""
    if not content.choices:
        return ""
    options = "   ".join(f"**{i}** {choice.label}" for i, choice in enumerate(content.choices, 1))
    return f"{options}\n_Reply with a number._"


class Pending:
    def __init__(self, db: Database, clock):
        self.db = db
        self.clock = clock

    async def remember(self, sent: SentRef, content: Content, for_user: UserRef | None = None) -> None:
        if not content.choices and content.ask is None:
            return
        choices = [[choice.id, choice.label] for choice in content.choices]
        await self.db.execute(
            """INSERT INTO pending_prompts (platform, place_id, message_id, user_id, choices, ask_id, created_at)
               VALUES (?,?,?,?,?,?,?)""",
            (sent.platform, sent.place_id, sent.message_id, for_user.user_id if for_user else None,
             json.dumps(choices), content.ask.id if content.ask else None, self._now()),
        )

    async def resolve(self, message: IncomingMessage) -> ChoiceEvent | TextAnswer | None:
        """The answer this message gives to a waiting question, if it gives one."""
        row = await self._question_for(message)
        if row is None:
            return None
        choices = json.loads(row["choices"])
        picked = _pick(message.text, choices)
        if picked is not None:
            if row["user_id"] is not None:
                await self.db.execute("DELETE FROM pending_prompts WHERE id = ?", (row["id"],))
            return ChoiceEvent(picked, message.author, message.place, row["message_id"])
        if row["ask_id"] and (row["user_id"] in (None, message.author.user_id)):
            await self.db.execute("DELETE FROM pending_prompts WHERE id = ?", (row["id"],))
            return TextAnswer(row["ask_id"], message.text, message.author, message.place)
        return None

    async def choice_for_reaction(self, place: PlaceRef, message_id: str, key: str) -> str | None:
        if key not in NUMBER_EMOJI:
            return None
        row = await self.db.fetchone(
            "SELECT choices FROM pending_prompts WHERE platform = ? AND message_id = ? ORDER BY id DESC LIMIT 1",
            (place.platform, message_id),
        )
        if row is None:
            return None
        choices = json.loads(row["choices"])
        index = NUMBER_EMOJI.index(key)
        return choices[index][0] if index < len(choices) else None

    async def expire(self) -> int:
        """Delete questions past answering: a member's after two days, a room's after sixty (daily sweep)."""
        return await self.db.execute_rowcount(
            "DELETE FROM pending_prompts WHERE (user_id IS NOT NULL AND created_at < ?) OR created_at < ?",
            (self._now(-EXPIRY), self._now(-SHARED_EXPIRY)),
        )

    async def forget_user(self, user: UserRef) -> int:
        return await self.db.execute_rowcount(
            "DELETE FROM pending_prompts WHERE platform = ? AND user_id = ?", (user.platform, user.user_id)
        )

    async def _question_for(self, message: IncomingMessage):
        oldest = self._now(-EXPIRY)
        if message.reply_to:
            return await self.db.fetchone(
                """SELECT * FROM pending_prompts WHERE platform = ? AND message_id = ? AND created_at >= ?
                   ORDER BY id DESC LIMIT 1""",
                (message.place.platform, message.reply_to, oldest),
            )
        if not (message.place.is_direct or message.place.platform == Platform.CONSOLE):
            # In a shared room a bare "2" is conversation; only a reply to the question answers it.
            # The console is one terminal with one person at it, so there a number always answers.
            return None
        return await self.db.fetchone(
            """SELECT * FROM pending_prompts WHERE platform = ? AND place_id = ? AND created_at >= ?
               ORDER BY id DESC LIMIT 1""",
            (message.place.platform, message.place.place_id, oldest),
        )

    def _now(self, offset: timedelta = timedelta()) -> str:
        moment: datetime = self.clock.now() + offset
        return moment.replace(microsecond=0).isoformat()


def _pick(text: str, choices: list[list[str]]) -> str | None:
    answer = text.strip().lower().rstrip(".!")
    number = whole_number(answer)  # never int() on "²" or a 4,301-digit answer
    if number is not None and 1 <= number <= len(choices):
        return choices[number - 1][0]
    for choice_id, label in choices:
        if answer == label.lower():
            return choice_id
    return None
