"""A small cog for the exactly-once tests: a one-off reminder sent privately to each person named in
its payload, in order, like a meetup's reminder to its attendees (one person's failure does not stop
the others)."""

from __future__ import annotations

import logging

from bot.cog import Cog
from bot.model import Content, UserRef

HANDLER = "reminders.send"
log = logging.getLogger(__name__)


class ReminderCog(Cog):
    name = "reminders"

    def __init__(self, bot):
        super().__init__(bot)
        self.runs = 0
        self.given_up: list[str] = []

    async def cog_load(self) -> None:
        self.bot.scheduler.register_handler(HANDLER, self.send_reminders, on_give_up=self.gave_up)

    async def send_reminders(self, occurrence) -> None:
        self.runs += 1
        for user_id in occurrence.payload["to"]:
            try:
                await self.bot.send_private(
                    UserRef("memory", user_id, user_id),
                    Content(text=f"A reminder: {occurrence.payload['what']} starts in an hour."),
                )
            except Exception:
                log.warning("a reminder could not be sent")

    async def gave_up(self, occurrence, why: str) -> None:
        self.given_up.append(why)


async def setup(bot) -> None:
    await bot.add_cog(ReminderCog(bot))
