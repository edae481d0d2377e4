"""Questions waiting for an answer on platforms without buttons or forms (console, Matrix).

There, a choice is answered by typing its number (or its label, or reacting with a number emoji) and
a free-text question by the next message. The question is kept in the database, so an answer still
lands after a restart. Rows name the asker only for private questions and are erased with the member.

A bare number answers the questions asked since the member's latest command in that place: typing a
command starts something new (the "Check in now" offered two days ago is no longer what "1" means), and
a number that fits only older questions is confirmed first ("is your 1 for this?").
A member can have more than one question open at once: a check-in asking for their mood ("1 is very
low") and, a minute later, a meetup seat that opened for them ("1 Can't go"). A bare "1" then never
picks for them. A reply to the question itself (Matrix), a reaction on it, or an answer only one open
question accepts (a label, a number only one of them offers) goes straight through; otherwise the bot
asks which question the answer was for, naming each (`Ambiguous`). Within one feature the newest
question replaces the older ones (the check-in's next step replaces the one just answered), except
that a choice which gives something up (style "danger": a seat, a partner, data) is never taken while
any other open question, replaced or not, would take the same answer.
"""

from __future__ import annotations

import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.model import (
    Choice,
    ChoiceEvent,
    Content,
    IncomingMessage,
    PlaceRef,
    Platform,
    SentRef,
    TextAnswer,
    UserRef,
)
from bot.params import whole_number
from bot.storage import Database, Migration

EXPIRY = timedelta(days=2)
# A question posted in a room for everyone (a meetup's numbered RSVP reactions on Matrix) is answered
# for as long as the meetup is ahead; after this the row goes too.
SHARED_EXPIRY = timedelta(days=60)
# The prefix of the "which question did you mean?" choices the core itself answers.
WHICH = "pending.which"
WHICH_FEATURE = "pending"
# How long an answer waits in memory for the member to say which question it was for.
WHICH_EXPIRY = timedelta(hours=1)

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
    ),
    Migration(
        2,
        "what each waiting question is about (named when a member has several open); ids never reused",
        # AUTOINCREMENT: "questions asked since the member's last command" compares ids, so an id must
        # never come back after its row is answered and deleted.
        """
        CREATE TABLE pending_prompts_v2 (
            id             INTEGER PRIMARY KEY AUTOINCREMENT,
            platform       TEXT NOT NULL,
            place_id       TEXT NOT NULL,
            message_id     TEXT NOT NULL,
            user_id        TEXT,
            choices        TEXT NOT NULL DEFAULT '[]',
            ask_id         TEXT,
            ask_max_length INTEGER,
            about          TEXT NOT NULL DEFAULT '',
            created_at     TEXT NOT NULL
        );
        INSERT INTO pending_prompts_v2 (id, platform, place_id, message_id, user_id, choices, ask_id, created_at)
            SELECT id, platform, place_id, message_id, user_id, choices, ask_id, created_at FROM pending_prompts;
        DROP TABLE pending_prompts;
        ALTER TABLE pending_prompts_v2 RENAME TO pending_prompts;
        CREATE INDEX pending_place ON pending_prompts(platform, place_id, id);
        CREATE INDEX pending_message ON pending_prompts(platform, message_id);
        """,
    ),
]

NUMBER_EMOJI = ["1️⃣", "2️⃣", "3️⃣", "4️⃣", "5️⃣", "6️⃣", "7️⃣", "8️⃣", "9️⃣", "🔟"]
_MARKUP = re.compile(r"[*_`>#]|<t:\d+(?::\w)?>")


def numbered_choices(content: Content) -> str:
    """The choices as a numbered list, for platforms that show no buttons."""
    if not content.choices:
        return ""
    options = "   ".join(f"**{i}** {choice.label}" for i, choice in enumerate(content.choices, 1))
    return f"{options}\n_Reply with a number._"


def about_of(content: Content) -> str:
    """A few words naming a question: what the cog said it is about, else its title or first sentence."""
    if content.about:
        return content.about
    first = content.title or (content.text.strip().splitlines() or [""])[0]
    first = " ".join(_MARKUP.sub("", first).split())
    sentence = re.split(r"(?<=[.?!:])\s", first, maxsplit=1)[0].rstrip(".:?!")
    return sentence if len(sentence) <= 70 else sentence[:69].rstrip() + "…"


@dataclass(frozen=True)
class OpenQuestion:
    """One waiting question as stored: its choices as (id, label, style), its free-text request, if any."""

    row_id: int
    message_id: str
    user_id: str | None
    choices: tuple[tuple[str, str, str], ...]
    ask_id: str | None
    ask_max_length: int | None
    about: str

    @classmethod
    def of(cls, row) -> OpenQuestion:
        choices = tuple((c[0], c[1], c[2] if len(c) > 2 else "secondary") for c in json.loads(row["choices"]))
        return cls(
            row["id"],
            row["message_id"],
            row["user_id"],
            choices,
            row["ask_id"],
            row["ask_max_length"],
            row["about"],
        )

    @property
    def private(self) -> bool:
        return self.user_id is not None

    @property
    def feature(self) -> str:
        """The part of the bot asking: "checkin" for "checkin.mood:...", "consent" for "consent:agree:..."."""
        first = self.choices[0][0] if self.choices else (self.ask_id or "")
        return re.split(r"[.:]", first, maxsplit=1)[0]

    def pick(self, text: str) -> tuple[str, str, str] | None:
        """The choice this text names: its number, or its label."""
        return _chosen(text, self.choices)

    def takes(self, text: str) -> bool:
        return self.pick(text) is not None or self.ask_id is not None

    def fits(self, text: str) -> bool:
        """Takes it as an answer of the length asked for ("0-10" is two characters, not "can't go")."""
        return self.pick(text) is not None or (
            self.ask_id is not None
            and (self.ask_max_length is None or len(text.strip()) <= self.ask_max_length)
        )


@dataclass
class Ambiguous:
    """An answer more than one open question would take: the member is asked which they meant."""

    token: str
    text: str
    questions: list[OpenQuestion]
    earlier: bool = False  # only questions from before the member's latest command would take it

    def question(self) -> Content:
        shown = self.text.strip() if len(self.text.strip()) <= 20 else self.text.strip()[:19] + "…"
        options = [
            Choice(f"{WHICH}:{self.token}:{i}", f"{_capital(q.about)}: {_answer_label(q, self.text)}")
            for i, q in enumerate(self.questions)
        ]
        if self.earlier:
            asked = (
                f"You've typed a command since I asked, so let me check before I act: is your **{shown}** "
                "for this?"
                if len(self.questions) == 1
                else f"You've typed a command since I asked these, so let me check: which one is your **{shown}** for?"
            )
        else:
            asked = (
                f"You have {len(self.questions)} questions open, so I'd rather ask than guess: which one "
                f"is your **{shown}** for?"
            )
        options.append(
            Choice(
                f"{WHICH}:{self.token}:none",
                "Neither: leave it open" if len(self.questions) == 1 else "Neither: leave them open",
            )
        )
        return Content(text=asked, choices=options, about="which question your answer was for")


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _answer_label(question: OpenQuestion, text: str) -> str:
    picked = question.pick(text)
    return picked[1] if picked else "your answer"


@dataclass
class _Held:
    user_key: str
    text: str
    questions: list[OpenQuestion]
    until: datetime


class Pending:
    def __init__(self, db: Database, clock):
        self.db = db
        self.clock = clock
        # Answers waiting for "which question?" (memory only: a free-text answer may be a private note).
        self._held: dict[str, _Held] = {}
        # The newest question when each member last typed a command in a place (memory only).
        self._command_at: dict[str, int] = {}

    async def remember(self, sent: SentRef, content: Content, for_user: UserRef | None = None) -> None:
        if not content.choices and content.ask is None:
            return
        choices = [[choice.id, choice.label, choice.style] for choice in content.choices]
        await self.db.execute(
            """INSERT INTO pending_prompts (platform, place_id, message_id, user_id, choices, ask_id, ask_max_length,
                                            about, created_at)
               VALUES (?,?,?,?,?,?,?,?,?)""",
            (
                sent.platform,
                sent.place_id,
                sent.message_id,
                for_user.user_id if for_user else None,
                json.dumps(choices),
                content.ask.id if content.ask else None,
                content.ask.max_length if content.ask else None,
                about_of(content),
                self._now(),
            ),
        )
        if for_user is not None:
            await self._replace_older(sent, for_user)

    async def _replace_older(self, sent: SentRef, user: UserRef) -> None:
        """A new question from a feature replaces the member's older ones from it (the check-in's next
        step, the one before); one that offers to give something up stays open until it is answered."""
        questions = await self._open_for(PlaceRef(sent.platform, sent.place_id), user, since=None)
        newest = next((q for q in reversed(questions) if q.private), None)
        if newest is None:
            return
        replaced = [
            q.row_id
            for q in questions
            if q.private
            and q is not newest
            and q.feature == newest.feature
            and not any(style == "danger" for _, _, style in q.choices)
        ]
        if replaced:
            await self.db.execute(
                f"DELETE FROM pending_prompts WHERE id IN ({','.join('?' * len(replaced))})", replaced
            )

    async def resolve(self, message: IncomingMessage) -> ChoiceEvent | TextAnswer | Ambiguous | None:
        """The answer this message gives to a waiting question, if it gives one; Ambiguous when it could
        be for several, or only for questions from before the member's latest command."""
        if message.reply_to:
            row = await self.db.fetchone(
                """SELECT * FROM pending_prompts WHERE platform = ? AND message_id = ? AND created_at >= ?
                   ORDER BY id DESC LIMIT 1""",
                (message.place.platform, message.reply_to, self._now(-EXPIRY)),
            )
            return await self._answer(OpenQuestion.of(row), message) if row is not None else None
        if not (message.place.is_direct or message.place.platform == Platform.CONSOLE):
            # In a shared room a bare "2" is conversation; only a reply to the question answers it.
            # The console is one terminal with one person at it, so there a number answers too.
            return None
        everything = await self._open_for(message.place, message.author)
        since = self._command_at.get(_typist(message.place, message.author), 0)
        waiting = [q for q in everything if q.row_id > since]
        if not waiting:
            # Only questions from before their last command: never taken without asking, even one.
            earlier = [
                q
                for q in _meant(_current(everything), message.text)
                if q.feature != WHICH_FEATURE and q.pick(message.text)
            ]
            return self._hold(message, earlier, earlier=True) if earlier else None
        if waiting and waiting[-1].feature == WHICH_FEATURE and waiting[-1].pick(message.text):
            return await self._answer(waiting[-1], message)  # "which did you mean?" takes its own answer
        waiting = [q for q in waiting if q.feature != WHICH_FEATURE]
        current = _meant(_current(waiting), message.text)
        if len(current) == 1:
            picked = current[0].pick(message.text)
            if picked is None or picked[2] != "danger":
                return await self._answer(current[0], message)
            # Giving something up: only if no other question of the member's, even an older one of the
            # same feature, takes this answer.
            current = _meant([q for q in waiting if q.private or q in current], message.text)
            if len(current) == 1:
                return await self._answer(current[0], message)
        return self._hold(message, current) if current else None

    async def command_typed(self, message: IncomingMessage) -> None:
        """The member typed a command: questions asked before it no longer take a bare number here
        (a reply to one, or a reaction on it, still answers it)."""
        self._command_at[_typist(message.place, message.author)] = await self.db.last_issued_id(
            "pending_prompts"
        )

    async def _answer(
        self, question: OpenQuestion, message: IncomingMessage
    ) -> ChoiceEvent | TextAnswer | None:
        picked = question.pick(message.text)
        if picked is None and not (question.ask_id and question.user_id in (None, message.author.user_id)):
            return None
        if question.private:
            await self.db.execute("DELETE FROM pending_prompts WHERE id = ?", (question.row_id,))
        if picked is not None:
            return ChoiceEvent(picked[0], message.author, message.place, question.message_id)
        return TextAnswer(
            question.ask_id or "", message.text, message.author, message.place
        )  # (ask_id is set here)

    def _hold(
        self, message: IncomingMessage, questions: list[OpenQuestion], earlier: bool = False
    ) -> Ambiguous:
        now = self.clock.now()
        self._held = {token: held for token, held in self._held.items() if held.until > now}
        token = secrets.token_hex(4)
        self._held[token] = _Held(message.author.key, message.text, questions, now + WHICH_EXPIRY)
        return Ambiguous(token, message.text, questions, earlier)

    async def which_answered(
        self,
        value: str,
        author: UserRef,
        place: PlaceRef,
    ) -> ChoiceEvent | TextAnswer | str:
        """The held answer applied to the question the member chose, or what to tell them instead."""
        token, _, index = value.partition(":")
        held = self._held.get(token)
        if held is None or held.user_key != author.key or held.until <= self.clock.now():
            return (
                "I've lost track of that answer (it was a while ago). Please answer the question again; "
                "replying to the question itself makes it certain."
            )
        if not index.isdecimal() or int(index) >= len(held.questions):
            del self._held[token]
            return "Okay, I've left them open. Answer whichever you like when you're ready."
        del self._held[token]
        question = held.questions[int(index)]
        still_open = await self.db.fetchval("SELECT 1 FROM pending_prompts WHERE id = ?", (question.row_id,))
        if not still_open:
            return "That question has closed in the meantime, so I've left it as it was."
        answer = await self._answer(question, IncomingMessage(held.text, author, place))
        return answer if answer is not None else "That question has closed in the meantime."

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
        self._held = {token: held for token, held in self._held.items() if held.user_key != user.key}
        self._command_at = {
            key: row for key, row in self._command_at.items() if not key.endswith(f"|{user.key}")
        }
        return await self.db.execute_rowcount(
            "DELETE FROM pending_prompts WHERE platform = ? AND user_id = ?", (user.platform, user.user_id)
        )

    async def _open_for(
        self,
        place: PlaceRef,
        author: UserRef,
        since: timedelta | None = EXPIRY,
    ) -> list[OpenQuestion]:
        """The questions waiting in this place for this member (theirs and the room's), oldest first."""
        rows = await self.db.fetchall(
            """SELECT * FROM pending_prompts WHERE platform = ? AND place_id = ? AND created_at >= ?
                 AND (user_id IS NULL OR user_id = ?) ORDER BY id""",
            (place.platform, place.place_id, self._now(-since) if since else "", author.user_id),
        )
        return [OpenQuestion.of(row) for row in rows]

    def _now(self, offset: timedelta = timedelta()) -> str:
        moment: datetime = self.clock.now() + offset
        return moment.replace(microsecond=0).isoformat()


def _chosen(text: str, choices):
    """The choice (id, label, ...) a typed answer names: its number, or its label."""
    answer = text.strip().lower().rstrip(".!")
    number = whole_number(answer)  # never int() on "²" or a 4,301-digit answer
    if number is not None:
        return choices[number - 1] if 1 <= number <= len(choices) else None
    return next((choice for choice in choices if answer == choice[1].lower()), None)


def _pick(text: str, choices: list[list[str]]) -> str | None:
    """The id of the choice a typed answer names, or None."""
    chosen = _chosen(text, choices)
    return chosen[0] if chosen else None


def _typist(place: PlaceRef, user: UserRef) -> str:
    return f"{place.key}|{user.key}"


def _meant(questions: list[OpenQuestion], text: str) -> list[OpenQuestion]:
    """The questions this answer could be for, one per meaning (the same choice offered twice, as a
    room's post and a private notice, is one meaning). Where only one of them asked for an answer of
    this length ("can't go" against a 0-10 question), that one."""
    by_meaning: dict[str, OpenQuestion] = {}
    for q in questions:
        if q.takes(text):
            picked = q.pick(text)
            meaning = picked[0] if picked else f"text:{q.ask_id}"
            if meaning not in by_meaning or q.private:
                by_meaning[meaning] = q
    found = sorted(by_meaning.values(), key=lambda q: q.row_id)
    fitting = [q for q in found if q.fits(text)]
    return fitting if len(fitting) == 1 else found


def _current(questions: list[OpenQuestion]) -> list[OpenQuestion]:
    """The questions a bare answer may be for: the newest of each feature's private ones, and the
    room's questions (the console's) until a private one follows them. Oldest first."""
    newest_private = max((q.row_id for q in questions if q.private), default=0)
    latest_of: dict[str, int] = {}
    for q in questions:
        if q.private:
            latest_of[q.feature] = q.row_id
    return [
        q
        for q in questions
        if (q.private and latest_of[q.feature] == q.row_id) or (not q.private and q.row_id > newest_private)
    ]
