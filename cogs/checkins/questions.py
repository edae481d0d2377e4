"""The check-in's questions: their fixed types, the community's wording, and the message for each step.

Moderators may reword any question and switch any of them off (at least one stays on), but not change
what kind of answer it takes: mood is always 1-5, craving 0-10, on track one of three answers, the
intention and the note one line of text. Each step's message carries the local day in its choice ids,
so a button pressed after a restart still lands on the right check-in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from bot.model import Choice, Content, TextRequest

ORDER = ("mood", "craving", "on_track", "intention", "note")
# What each step asks, in a few words, for when a member has several questions open at once.
ABOUT = {
    "mood": "your mood today",
    "craving": "your cravings today",
    "on_track": "whether you're on track today",
    "intention": "today's intention",
    "note": "today's private note",
}
ON_TRACK = {"yes": "Yes", "struggling": "Struggling", "slip": "Had a slip"}
HIGH_CRAVING = 7


@dataclass(frozen=True)
class Question:
    key: str
    prompt: str
    kind: str  # scale | choice | text


DEFAULTS = {
    "mood": Question("mood", "How is your mood today? 1 is very low, 5 is very good.", "scale"),
    "craving": Question("craving", "How strong are cravings today? 0 is none, 10 is the strongest.", "scale"),
    "on_track": Question("on_track", "Are you on track with your recovery today?", "choice"),
    "intention": Question("intention", "An intention for today? One line, just for you.", "text"),
    "note": Question("note", "Anything else on your mind? A private note only you will see.", "text"),
}


@dataclass(frozen=True)
class QuestionSet:
    """A community's questions: wording per key and which are on."""

    prompts: dict[str, str]
    enabled: tuple[str, ...]

    @classmethod
    def from_settings(cls, stored: dict | None) -> QuestionSet:
        stored = stored or {}
        prompts = {key: stored.get("prompts", {}).get(key) or DEFAULTS[key].prompt for key in ORDER}
        off = set(stored.get("off", []))
        return cls(prompts, tuple(key for key in ORDER if key not in off))

    def to_settings(self) -> dict:
        changed = {k: v for k, v in self.prompts.items() if v != DEFAULTS[k].prompt}
        return {"prompts": changed, "off": [k for k in ORDER if k not in self.enabled]}

    def steps_text(self) -> str:
        """How an entry remembers the questions it was sent with: ",mood,craving,on_track,"."""
        return "," + ",".join(self.enabled) + ","

    def first(self) -> str:
        return self.enabled[0] if self.enabled else "done"

    def after(self, key: str) -> str:
        later = [k for k in self.enabled if ORDER.index(k) > ORDER.index(key)]
        return later[0] if later else "done"


def step_content(
    questions: QuestionSet, step: str, day: date, buttons: bool, title: str | None = None, intro: str = ""
) -> Content:
    """The message asking `step` for the check-in of `day`.

    Craving has 11 answers: as buttons where the platform has them; elsewhere the member types the
    number, because a numbered list 1-11 for the values 0-10 would read one off.
    """
    prompt = questions.prompts[step]
    text = f"{intro}\n\n{prompt}".strip() if intro else prompt
    choices, ask, hint = _answers(step, day.isoformat(), buttons)
    return Content(title=title, text=text + hint, choices=list(choices), ask=ask, about=ABOUT[step])


@lru_cache(maxsize=256)
def _answers(step: str, tag: str, buttons: bool) -> tuple[tuple[Choice, ...], TextRequest | None, str]:
    """A step's answer buttons or text request. The same for everyone on a day, so built once
    (Choice and TextRequest are frozen, so sharing them is safe)."""
    if step == "mood":
        return tuple(Choice(f"checkin.mood:{tag}:{n}", str(n), "primary") for n in range(1, 6)), None, ""
    if step == "craving":
        if buttons:
            return tuple(Choice(f"checkin.craving:{tag}:{n}", str(n)) for n in range(11)), None, ""
        ask = TextRequest(f"checkin.craving:{tag}", "Craving, 0 to 10", placeholder="0-10", max_length=2)
        return (), ask, "\n_Type a number from 0 to 10._"
    if step == "on_track":
        styles = {"yes": "success", "struggling": "secondary", "slip": "secondary"}
        return (
            tuple(Choice(f"checkin.ontrack:{tag}:{k}", label, styles[k]) for k, label in ON_TRACK.items()),
            None,
            "",
        )
    label = "Your intention" if step == "intention" else "Your private note"
    ask = TextRequest(
        f"checkin.{step}:{tag}",
        label,
        placeholder="One line (optional)",
        max_length=300,
        multiline=step == "note",
    )
    return (
        (Choice(f"checkin.skip:{tag}:{step}", "Skip"),),
        ask,
        "\n_Type it as your next message, or press Skip._",
    )
