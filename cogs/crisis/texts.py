"""The words Kindred says in a crisis, in one place so a community can translate or soften them.

Written to safe-messaging practice: warm, short, non-diagnostic ("something you wrote", never "you
are suicidal"), honest that this is a bot and that a person has been told, a direct "are you safe
right now?", one or two resources, no method details, no guilt, no tough love. Moderators override
any of these with `!crisisadmin text KEY TEXT`; `{placeholders}` are filled in when sent.
"""

from __future__ import annotations

import string

DEFAULTS: dict[str, str] = {
    # The private reply after a message raised concern. "opening" and "opening_dm" say a moderator was
    # told, so they are used only once an alert has reached one (a channel or a moderator's DMs).
    "opening": (
        "Hi {name}. I'm Kindred, the community's bot, not a person. Something you wrote made me want to "
        "check on you, and I've let the moderators know so a real person can reach out to you."
    ),
    "opening_dm": (
        "Hi {name}. I'm Kindred, a bot, not a person. What you wrote made me want to check on you, and "
        "I've let the moderators know so a real person can reach out to you."
    ),
    # Used when the alert reached nobody: never claim a person knows.
    "opening_no_moderators": (
        "Hi {name}. I'm Kindred, the community's bot, not a person. Something you wrote made me want to "
        "check on you. I couldn't reach a moderator just now, so please reach out to one of the people "
        "below, or to someone you trust."
    ),
    "safe_question": "**Are you safe right now?**",
    "imminent": "If you might act on this soon, or you're in danger now, please call **{emergency}** now.",
    "overdose": (
        "If someone isn't breathing or won't wake up: call **{emergency}** now, give naloxone (Narcan) if "
        "you have it, and stay with them."
    ),
    "medical": "Withdrawal and these symptoms can be dangerous. Please call **{emergency}** or get to an emergency room now.",
    "violence": "If you're in danger, please get somewhere safe if you can and call **{emergency}**.",
    "relapse": (
        "Whatever happens tonight, you are still welcome here, and a hard night doesn't erase your recovery. "
        "If you do use, please don't use alone."
    ),
    "self_harm": (
        "You don't have to explain or justify the urge. If you're hurt and it's deep or won't stop bleeding, "
        "please call **{emergency}** or get to an emergency room."
    ),
    "resources_heading": "People you can reach right now:",
    "grounding": (
        "If it helps, try this for a minute: name 5 things you can see, 4 you can touch, 3 you can hear, "
        "2 you can smell and 1 you can taste. Breathe out slowly, longer than you breathe in."
    ),
    "plan_heading": "**Your safety plan** (you wrote this for a moment like this one):",
    "closing": "You don't have to go through this alone. You can also type `!helpline` any time.",
    # Answers to the "are you safe?" buttons; each "_unreached" one when no moderator could be told.
    "answer_safe": (
        "Thank you for telling me. I'm glad you're safe for now. A moderator may still check in, kindly. "
        "If that changes, call {emergency} or one of the lines above."
    ),
    "answer_not_safe": (
        "Thank you for telling me. Please call **{emergency}** now, or ask someone near you to call. "
        "I've told the moderators it's urgent."
    ),
    "answer_not_safe_unreached": (
        "Thank you for telling me. Please call **{emergency}** now, or ask someone near you to call. "
        "I couldn't reach a moderator just now, so please don't wait for one."
    ),
    "answer_talk": "I've asked the moderators for someone to reach out to you. While you wait, the lines above are there 24/7 where marked.",
    "answer_talk_unreached": (
        "I'm sorry: I couldn't reach a moderator just now. These people are there to talk to you right now:"
    ),
    # !crisis, asked for by the member.
    "crisis_command": "I'm Kindred, a bot. I'm glad you reached out. Here is help you can reach right now.",
    # The moderators' alert. It never quotes the message.
    "alert_intro": (
        "A message raised concern. Please reach out to the member privately and kindly, ask whether they "
        "are safe right now, and share local help. If life is in danger, contact emergency services. "
        "Press Acknowledge when you take it, so others know."
    ),
    "alert_requested": "A member asked for someone to reach out to them. Please contact them privately and kindly.",
    # A member answered someone who may be in crisis ("please don't, call 988"). The writer is not asked
    # anything; the moderators hear where, so someone can look in on the conversation.
    "alert_conversation": (
        "A member is answering someone who may be in crisis. Nobody was messaged about it. A moderator may "
        "want to read the conversation and check on the person they are answering."
    ),
}

ALERT_KEYS = ("alert_intro", "alert_requested", "alert_conversation")

# What each text may contain between braces, and what it becomes. Anything else is refused when a
# moderator sets the text, so a typo cannot reach a member in crisis.
PLACEHOLDERS: dict[str, dict[str, str]] = {
    **{key: {"name": "the member's name"} for key in ("opening", "opening_dm", "opening_no_moderators")},
    **{
        key: {"emergency": "the emergency number of the member's country"}
        for key in (
            "imminent",
            "overdose",
            "medical",
            "violence",
            "self_harm",
            "answer_safe",
            "answer_not_safe",
            "answer_not_safe_unreached",
        )
    },
}
_SAMPLES = {"name": "Sam", "emergency": "911"}


def template_problem(key: str, text: str) -> str | None:
    """Why `text` cannot be used for `key` (in words for the moderator who typed it), or None."""
    allowed = PLACEHOLDERS.get(key, {})
    can_use = ", ".join(f"`{{{name}}}` ({meaning})" for name, meaning in allowed.items()) or "no placeholders"
    try:
        fields = [field for _, field, _, _ in string.Formatter().parse(text) if field is not None]
    except ValueError:
        return (
            "it has a `{` or `}` without its partner. To show a brace itself, type `{{` or `}}`. "
            f"`{key}` can use {can_use}."
        )
    for field in fields:
        if field not in allowed:
            return f"`{{{field}}}` is not something I can fill in. `{key}` can use {can_use}."
    try:
        text.format(**{name: _SAMPLES[name] for name in allowed})
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as error:
        return f"it could not be filled in ({error}). `{key}` can use {can_use}."
    return None


class Texts:
    """Defaults overridden by a community's own wording.

    A wording that cannot be filled in (set before templates were checked, or damaged in the database)
    never stops a crisis reply: the built-in text is used instead and `broken()` names it for the alert.
    """

    def __init__(self, overrides: dict[str, str] | None = None):
        self.overrides = overrides or {}

    def get(self, key: str, **values: str) -> str:
        template = self.overrides.get(key)
        if template:
            try:
                return template.format(**values)
            except Exception:  # any error at all: the member must still get words
                pass
        return DEFAULTS[key].format(**values)

    def broken(self) -> dict[str, str]:
        """The community's texts that cannot be used, with why: {key: problem}."""
        return {
            key: problem
            for key, text in self.overrides.items()
            if key in DEFAULTS and (problem := template_problem(key, text))
        }
