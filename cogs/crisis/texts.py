"""The words Kindred says in a crisis, in one place so a community can translate or soften them.

Written to safe-messaging practice: warm, short, non-diagnostic ("something you wrote", never "you
are suicidal"), honest that this is a bot and that a person has been told, a direct "are you safe
right now?", one or two resources, no method details, no guilt, no tough love. Moderators override
any of these with `!crisisadmin text KEY TEXT`; `{placeholders}` are filled in when sent.
"""

from __future__ import annotations

DEFAULTS: dict[str, str] = {
    # The private reply after a message raised concern.
    "opening": (
        "Hi {name}. I'm Kindred, the community's bot, not a person. Something you wrote made me want to "
        "check on you, and I've let a moderator know so a real person can reach out to you."
    ),
    "opening_dm": (
        "Hi {name}. I'm Kindred, a bot, not a person. What you wrote made me want to check on you, and "
        "I've let a moderator know so a real person can reach out to you."
    ),
    # Used when this community has no alert channel and no listed moderators: never claim a person knows.
    "opening_no_moderators": (
        "Hi {name}. I'm Kindred, the community's bot, not a person. Something you wrote made me want to "
        "check on you. Please also tell someone you trust how you're doing."
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
    "resources_heading": "People you can reach right now:",
    "grounding": (
        "If it helps, try this for a minute: name 5 things you can see, 4 you can touch, 3 you can hear, "
        "2 you can smell and 1 you can taste. Breathe out slowly, longer than you breathe in."
    ),
    "plan_heading": "**Your safety plan** (you wrote this for a moment like this one):",
    "closing": "You don't have to go through this alone. You can also type `!helpline` any time.",
    # Answers to the "are you safe?" buttons.
    "answer_safe": (
        "Thank you for telling me. I'm glad you're safe for now. A moderator may still check in, kindly. "
        "If that changes, call {emergency} or one of the lines above."
    ),
    "answer_not_safe": (
        "Thank you for telling me. Please call **{emergency}** now, or ask someone near you to call. "
        "I've told the moderators it's urgent."
    ),
    "answer_talk": "I've asked the moderators for someone to reach out to you. While you wait, the lines above are there 24/7 where marked.",
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


class Texts:
    """Defaults overridden by a community's own wording."""

    def __init__(self, overrides: dict[str, str] | None = None):
        self.overrides = overrides or {}

    def get(self, key: str, **values: str) -> str:
        template = self.overrides.get(key) or DEFAULTS[key]
        try:
            return template.format(**values)
        except (KeyError, IndexError, ValueError):
            # A moderator's wording with a broken placeholder still gets shown, unfilled.
            return template
