"""Reading Matrix events: which ones are for the bot, reactions plain or decrypted, server names.

Plain functions over nio event objects, so the adapter module stays about life cycle and routing.
"""

from __future__ import annotations

import time

from nio import ReactionEvent, RoomMemberEvent

CATCH_UP_LIMIT_SECONDS = 12 * 3600  # after a long outage, old commands are not answered out of the blue


def server_of(matrix_id: str) -> str:
    return matrix_id.split(":", 1)[1] if ":" in matrix_id else ""


def after_own_arrival(events: list, own_user_id: str) -> list:
    """Events after the bot was invited into this room (or joined it, if the invite is not in the batch).

    What was said before the bot was asked in is not for it; what a member said between the invite and
    the bot's join (typing `!help` into a DM the moment it opens) is, and is answered once it joins.
    """
    for index in range(len(events) - 1, -1, -1):
        event = events[index]
        if (
            isinstance(event, RoomMemberEvent)
            and event.state_key == own_user_id
            and event.membership == "join"
            and event.prev_membership != "join"
        ):
            start = index + 1
            for earlier in range(index - 1, -1, -1):
                candidate = events[earlier]
                if isinstance(candidate, RoomMemberEvent) and candidate.state_key == own_user_id:
                    if candidate.membership == "invite":
                        start = earlier + 1
                    break
            return [e for e in events[start:] if e is not event]
    return events


def too_old(event) -> bool:
    sent_ms = getattr(event, "server_timestamp", 0) or 0
    return sent_ms and (time.time() - sent_ms / 1000) > CATCH_UP_LIMIT_SECONDS


def reaction_of(event) -> dict | None:
    """The m.annotation of a reaction, plain or decrypted (nio parses the latter as an unknown event)."""
    if isinstance(event, ReactionEvent):
        return {"event_id": event.reacts_to, "key": event.key}
    source = getattr(event, "source", {}) or {}
    if source.get("type") == "m.reaction":
        relates = source.get("content", {}).get("m.relates_to", {})
        if relates.get("rel_type") == "m.annotation":
            return {"event_id": relates.get("event_id"), "key": relates.get("key")}
    return None
