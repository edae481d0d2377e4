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
from bot.text import plural
from cogs.checkins.milestones import SoberPeriod, days_sober, reset_after_slip, undo_reset

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

log = logging.getLogger(__name__)

FALLBACK_PRACTICE = """**Riding the wave (3 minutes)**
1. Notice where the craving sits in your body. Name it: "this is a craving".
2. Breathe in for four, out for six, five times. Watch the feeling rise and, slowly, fall.
3. Cravings pass like waves, usually within half an hour. Pick one small next thing to do."""

FALLBACK_HELP = (
    "If you'd like to talk to someone, a substance-use helpline or your counsellor can help, "
    "day or night. Your community's moderators can point you to one."
)


def support_choices(day: date, has_partner: bool) -> list[Choice]:
    tag = day.isoformat()
    choices = [Choice(f"checkin.support:{tag}:practice", "A short practice", "primary")]
    if has_partner:
        choices.append(Choice(f"checkin.support:{tag}:partner", "Ask my partner to reach out"))
    choices.append(Choice(f"checkin.continue:{tag}", "Continue my check-in"))
    return choices


async def struggle_support(cog: CheckinsCog, ctx: Context, member_id: int, day: date, why: str) -> Content:
    has_partner = bool(await cog.store.partners(member_id))
    opening = (
        "Cravings are strong today. That's hard, and telling me about it is a good step."
        if why == "craving"
        else "Thank you for being honest. Struggling days are part of recovery."
    )
    return Content(
        text=f"{opening}\nWould something help right now?", choices=support_choices(day, has_partner)
    )


async def slip_support(cog: CheckinsCog, ctx: Context, member_id: int, day: date) -> Content:
    """A slip: no shame, help offered, and the member decides whether their day count starts again.

    Nothing is reset on the tap itself: a slip pressed by mistake must not wipe a long count."""
    lines = [
        "Thank you for telling me. A slip doesn't erase the work you've done, and it doesn't define you. "
        "Reaching out, like you just did, is part of recovery."
    ]
    choices = []
    periods = await sober_periods(cog, member_id)
    if periods and periods[-1].ended is None and periods[-1].started < day:
        since = periods[-1].started
        lines.append(
            f"Your day count is still {plural(days_sober(since, day), 'day')} (since {since:%-d %B %Y}). "
            "Would you like it to start again from today? It's your choice; either way only you see it, "
            "and your date is kept so you can put it back."
        )
        choices = [
            Choice(f"checkin.slipcount:{day.isoformat()}:reset", "Start my count again"),
            Choice(f"checkin.slipcount:{day.isoformat()}:keep", "Keep my count"),
        ]
    crisis = cog.bot.get_cog("crisis")
    resources = None
    if crisis is not None:
        try:
            resources = await crisis.substance_use_resources(ctx)
        except Exception:
            log.exception("substance-use resources unavailable")
    lines.append(resources or FALLBACK_HELP)
    has_partner = bool(await cog.store.partners(member_id))
    return Content(
        text="\n\n".join(lines), choices=choices + support_choices(day, has_partner), about="today's slip"
    )


async def sober_periods(cog: CheckinsCog, member_id: int) -> list[SoberPeriod]:
    return [
        SoberPeriod(date.fromisoformat(p["started"]), date.fromisoformat(p["ended"]) if p["ended"] else None)
        for p in await cog.store.sober_periods(member_id)
    ]


async def restart_count(cog: CheckinsCog, member_id: int, day: date) -> str:
    """The member chose to start their count again after a slip on `day`; the old date is kept."""
    periods = await sober_periods(cog, member_id)
    if not periods or periods[-1].ended is not None or periods[-1].started >= day:
        return "Your day count already starts from today."
    since = periods[-1].started
    await cog.store.replace_sober_periods(member_id, reset_after_slip(periods, day))
    text = (
        f"Your day count starts again from today. Your date before, {since:%-d %B %Y} "
        f"({plural(days_sober(since, day), 'day')}), stays in your history; `!checkin sober undo` puts it "
        "back if you change your mind. Nobody else is told."
    )
    row = await cog.store.participant(member_id)
    if row["announce_milestones"]:
        # A "1 day" announcement would tell the community what happened: switch them off quietly.
        await cog.store.update(member_id, announce_milestones=0)
        text += (
            "\nI've paused your milestone announcements so nothing hints at today. "
            "`!checkin announce on` turns them back on whenever you like."
        )
    return text


async def put_count_back(cog: CheckinsCog, member_id: int, today: date) -> str:
    """Undo the latest slip reset: the sober date before it is current again."""
    restored = undo_reset(await sober_periods(cog, member_id))
    if restored is None:
        return (
            "There's no reset to undo: your day count hasn't started again since your sobriety date. "
            "`!checkin status` shows it."
        )
    await cog.store.replace_sober_periods(member_id, restored)
    # Milestones passed while the count was reset are not news again.
    await cog.store.update(member_id, milestones_seen_through=today.isoformat())
    since = restored[-1].started
    return f"Put back: sober since {since:%-d %B %Y}, {plural(days_sober(since, today), 'day')}."


async def slip_taken_back(cog: CheckinsCog, member_id: int, day: date) -> Content | None:
    """The member changed today's "Had a slip" to another answer: if their count was restarted for it,
    say how to put the date back (with a button), instead of a bare "updated"."""
    periods = await sober_periods(cog, member_id)
    if undo_reset(periods) is None or periods[-1].started != day:
        return None
    before = periods[-2].started
    return Content(
        text=f"Updated your on-track answer for {day:%A %-d %B}. Your day count was started again today for the "
        f"slip; if you'd like your date back ({before:%-d %B %Y}), press the button or type "
        "`!checkin sober undo`.",
        choices=[Choice(f"checkin.slipcount:{day.isoformat()}:undo", "Put my date back")],
        about="your sobriety date",
    )


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
            await ctx.reply(
                Content(
                    title=content.title,
                    text=content.text,
                    fields=content.fields,
                    files=content.files,
                    footer=content.footer,
                    choices=follow_on,
                ),
                private=True,
            )
        elif what == "partner":
            told = await self.ask_partners_to_reach_out(member_id, urgent=False)
            text = (
                f"I've let {told} know you'd welcome a message today."
                if told
                else "You don't have a partner yet. `!partner invite @name` asks someone."
            )
            await ctx.reply(Content(text=text, choices=follow_on), private=True)

    @on_choice("checkin.slipcount")
    async def on_slip_count(self: CheckinsCog, ctx: Context, value: str) -> None:
        day, what = self._split(value)
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        if what == "reset":
            text = await restart_count(self, member_id, day)
            choices = [Choice(f"checkin.slipcount:{day.isoformat()}:undo", "Put my date back")]
        elif what == "undo":
            text = await put_count_back(
                self, member_id, self.local_today(await self.store.participant(member_id))
            )
            choices = []
        else:
            row = await self.store.participant(member_id)
            since = date.fromisoformat(row["sober_since"]) if row["sober_since"] else None
            text = (
                f"Your count stays as it is: {plural(days_sober(since, day), 'day')} since {since:%-d %B %Y}."
                if since
                else "Okay."
            )
            choices = []
        choices.append(Choice(f"checkin.continue:{day.isoformat()}", "Continue my check-in"))
        await ctx.reply(Content(text=text, choices=choices, about="your sobriety date"), private=True)
