"""What a hard answer gets back: a practice, a partner, a helpline. Warm, short, never shaming.

The mindfulness and crisis cogs are optional: without them the member still gets a short grounding
practice and a pointer to `!helpline`-style help written here.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING

from bot.commands import Context, on_choice
from bot.model import Choice, Content
from cogs.checkins.milestones import SoberPeriod, reset_after_slip

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

log = logging.getLogger(__name__)

FALLBACK_PRACTICE = """**Riding the wave (3 minutes)**
1. Notice where the craving sits in your body. Name it: "this is a craving".
2. Breathe in for four, out for six, five times. Watch the feeling rise and, slowly, fall.
3. Cravings pass like waves, usually within half an hour. Pick one small next thing to do."""

FALLBACK_HELP = ("If you'd like to talk to someone, a substance-use helpline or your counsellor can help, "
                 "day or night. Your community's moderators can point you to one.")


def support_choices(day: date, has_partner: bool) -> list[Choice]:
    tag = day.isoformat()
    choices = [Choice(f"checkin.support:{tag}:practice", "A short practice", "primary")]
    if has_partner:
        choices.append(Choice(f"checkin.support:{tag}:partner", "Ask my partner to reach out"))
    choices.append(Choice(f"checkin.continue:{tag}", "Continue my check-in"))
    return choices


async def struggle_support(cog: CheckinsCog, ctx: Context, member_id: int, day: date, why: str) -> Content:
    has_partner = bool(await cog.store.partners(member_id))
    opening = ("Cravings are strong today. That's hard, and telling me about it is a good step."
               if why == "craving" else "Thank you for being honest. Struggling days are part of recovery.")
    return Content(text=f"{opening}\nWould something help right now?", choices=support_choices(day, has_partner))


async def slip_support(cog: CheckinsCog, ctx: Context, member_id: int, day: date) -> Content:
    """A slip: no shame, the count restarts quietly, history is kept, help is offered."""
    row = await cog.store.participant(member_id)
    lines = ["Thank you for telling me. A slip doesn't erase the work you've done, and it doesn't define you. "
             "Reaching out, like you just did, is part of recovery."]
    if row and row["sober_since"]:
        periods = [SoberPeriod(date.fromisoformat(p["started"]), date.fromisoformat(p["ended"]) if p["ended"] else None)
                   for p in await cog.store.sober_periods(member_id)]
        await cog.store.replace_sober_periods(member_id, reset_after_slip(periods, day))
        lines.append("Your day count starts again from today. The days before are still yours and stay in "
                     "your history; nobody else is told.")
        if row["announce_milestones"]:
            # A "1 day" announcement would tell the community what happened: switch them off quietly.
            await cog.store.update(member_id, announce_milestones=0)
            lines.append("I've paused your milestone announcements so nothing hints at today. "
                         "`!checkin announce on` turns them back on whenever you like.")
    crisis = cog.bot.get_cog("crisis")
    resources = None
    if crisis is not None:
        try:
            resources = await crisis.substance_use_resources(ctx)
        except Exception:
            log.exception("substance-use resources unavailable")
    lines.append(resources or FALLBACK_HELP)
    has_partner = bool(await cog.store.partners(member_id))
    return Content(text="\n\n".join(lines), choices=support_choices(day, has_partner))


class SupportChoices:
    """Mixin: the buttons under a support message."""

    @on_choice("checkin.support")
    async def on_support(self: CheckinsCog, ctx: Context, value: str) -> None:
        day, what = self._split(value)
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        follow_on = [Choice(f"checkin.continue:{day.isoformat()}", "Continue my check-in")]
        if what == "practice":
            practice = None
            mindfulness = self.bot.get_cog("mindfulness")
            if mindfulness is not None:
                try:
                    practice = await mindfulness.practice_for("craving", ctx.community.id)
                except Exception:
                    log.exception("mindfulness practice unavailable")
            content = practice or Content(text=FALLBACK_PRACTICE)
            await ctx.reply(Content(title=content.title, text=content.text, fields=content.fields,
                                    files=content.files, footer=content.footer, choices=follow_on), private=True)
        elif what == "partner":
            told = await self.ask_partners_to_reach_out(member_id, urgent=False)
            text = (f"I've let {told} know you'd welcome a message today." if told
                    else "You don't have a partner yet. `!partner invite @name` asks someone.")
            await ctx.reply(Content(text=text, choices=follow_on), private=True)
