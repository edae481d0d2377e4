"""How a prompt looks when posted, practised privately, previewed or listed.

Prompt text can come from members (suggestions) and moderators (imports), so every piece passes
through `quote_member_text`: mass mentions are defused here as well as by the adapters, and
`mention_users` stays empty so no adapter lets the post notify anyone.
"""

from __future__ import annotations

from bot.model import Content
from bot.text import plural, quote_member_name, quote_member_text
from cogs.mindfulness.library import TEXT_MAX, Prompt, category_label

CATEGORY_ICONS = {
    "breathing": "🌬️",
    "grounding": "🌳",
    "body-scan": "🫶",
    "urge-surfing": "🌊",
    "gratitude": "🌻",
    "self-compassion": "💛",
    "resilience": "🪨",
    "connection": "🤝",
    "movement": "🤸",
    "sleep": "🌙",
}
ANSWERS_NOT_KEPT = "Kindred does not keep your replies."


def _safe(text: str | None, limit: int = TEXT_MAX) -> str:
    return quote_member_text(text or "", limit=limit, markdown=True)  # the library's own formatting


def heading(prompt: Prompt) -> str:
    return f"{CATEGORY_ICONS.get(prompt.category, '🧘')} {category_label(prompt.category)}: {_safe(prompt.title, 80)}"


def prompt_post(prompt: Prompt, *, threaded: bool, credit: bool) -> Content:
    """The public daily post."""
    fields = []
    if prompt.duration:
        fields.append(("Time", f"about {plural(prompt.duration, 'minute')}"))
    if prompt.follow_up:
        fields.append(("For the group", _safe(prompt.follow_up, 300)))
    where = "Share in the thread below if you like." if threaded else "Reply here if you like."
    footer = f"{where} {ANSWERS_NOT_KEPT}"
    if credit and prompt.credit:
        footer = f"Suggested by {quote_member_name(prompt.credit)}. {footer}"
    return Content(title=heading(prompt), text=_safe(prompt.text), fields=fields, footer=footer)


def thread_name(prompt: Prompt) -> str:
    return _safe(prompt.title, 90).replace("\n", " ")


def practice(prompt: Prompt) -> Content:
    """A prompt given privately (`!practice`, or offered by the crisis and check-in cogs)."""
    fields = [("Time", f"about {plural(prompt.duration, 'minute')}")] if prompt.duration else []
    if prompt.follow_up:
        fields.append(("To reflect on", _safe(prompt.follow_up, 300)))
    return Content(
        title=heading(prompt),
        text=_safe(prompt.text),
        fields=fields,
        footer="Go gently; stop whenever you want. Type !practice for another, or !practice CATEGORY.",
    )


def preview(prompt: Prompt, when: str, schedule_label: str) -> Content:
    post = prompt_post(prompt, threaded=False, credit=True)
    return Content(
        title=f"Next for {schedule_label}: {when}",
        text=f"**{heading(prompt)}** (`{prompt.id}`)\n{post.text}",
        fields=post.fields,
        footer="Post it now with !prompts post, skip it with !prompts skip, or pin another with !prompts pin ID.",
    )


def list_line(prompt: Prompt) -> str:
    flags = []
    if prompt.retired:
        flags.append("retired")
    if prompt.origin != "builtin":
        flags.append(prompt.origin)
    suffix = f" ({', '.join(flags)})" if flags else ""
    return f"`{prompt.id}` {category_label(prompt.category)}: {_safe(prompt.title, 80)}{suffix}"


def full(prompt: Prompt) -> Content:
    fields = [
        ("Id", f"`{prompt.id}`"),
        ("Category", category_label(prompt.category)),
        ("Origin", prompt.origin),
    ]
    if prompt.follow_up:
        fields.append(("Follow-up", _safe(prompt.follow_up, 300)))
    if prompt.duration:
        fields.append(("Minutes", str(prompt.duration)))
    if prompt.retired:
        fields.append(("Status", "retired (never posted; restore with !prompts restore)"))
    if prompt.credit:
        fields.append(("Credit", quote_member_name(prompt.credit)))
    return Content(title=_safe(prompt.title, 80), text=_safe(prompt.text), fields=fields)
