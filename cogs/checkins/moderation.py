"""Moderator commands: community totals only (never a member's answers), questions, celebrations, retention.

Daily rates are hidden for days when fewer than MIN_GROUP members were asked: in a small community a
rate like "1 of 2" would point at a person.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.commands import Access, Context, Param, ParamType, command
from bot.model import Content
from bot.params import ArgumentError
from bot.text import plural, plural_of, quote_member_text
from cogs.checkins.questions import DEFAULTS, ORDER, QuestionSet

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

FEATURE = "checkins"
MIN_GROUP = 3


class ModeratorCommands:
    @command(
        "checkin stats",
        params=[Param("days", ParamType.INTEGER, "how many days back (1-90)", required=False, min=1, max=90)],
        access=Access.MODERATOR,
        private=True,
        examples=["!checkin stats", "!checkin stats 30"],
    )
    async def checkin_stats(self: CheckinsCog, ctx: Context, days=None) -> None:
        """Community totals: how many take part, and the share who checked in each day. No names."""
        days = days or 14
        community = ctx.community.id
        taking_part = await self.bot.db.fetchval(
            """SELECT COUNT(*) FROM checkin_members cm JOIN consents c
               ON c.member_id = cm.member_id AND c.feature = ? WHERE cm.community_id = ?""",
            (FEATURE, community),
            default=0,
        )
        paused = await self.bot.db.fetchval(
            """SELECT COUNT(*) FROM checkin_members cm JOIN consents c ON c.member_id = cm.member_id
               AND c.feature = ? WHERE cm.community_id = ? AND (cm.paused = 1 OR cm.paused_until IS NOT NULL)""",
            (FEATURE, community),
            default=0,
        )
        first = (ctx.local_now().date() - timedelta(days=days - 1)).isoformat()
        # Counted as check-ins are sent and answered (checkin_daily_counts): one row a day, not a pass
        # over everyone's history.
        rows = await self.bot.db.fetchall(
            """SELECT day, asked, answered FROM checkin_daily_counts
               WHERE community_id = ? AND day >= ? AND asked > 0 ORDER BY day""",
            (community, first),
        )
        lines = [
            f"**{plural(taking_part, 'member')}** {plural_of(taking_part, 'takes', 'take')} part in check-ins "
            f"({paused} paused)."
        ]
        # A rate over fewer than MIN_GROUP people could point at one person: those days stay hidden, said
        # once rather than one line each.
        shown = [row for row in rows if row["asked"] >= MIN_GROUP]
        for row in shown:
            lines.append(
                f"{row['day']}: {round(100 * row['answered'] / row['asked'])}% checked in "
                f"({row['asked']} asked)"
            )
        hidden = len(rows) - len(shown)
        if not rows:
            lines.append(f"No check-ins were sent in the last {plural(days, 'day')}.")
        elif not shown:
            lines.append(
                f"On each of the {plural(hidden, 'day')} with check-ins, fewer than {MIN_GROUP} people "
                "were asked, so no daily rate is shown (in a group that small it could point to one "
                "person)."
            )
        elif hidden:
            lines.append(
                f"{plural(hidden, 'other day')} had fewer than {MIN_GROUP} people asked and "
                f"{plural_of(hidden, 'is', 'are')} not shown."
            )
        await ctx.reply(
            Content(
                title="Check-ins in this community",
                text="\n".join(lines),
                footer="Totals only: nobody's answers are shown, and there is no ranking.",
            ),
            private=True,
        )

    @command("checkin questions", access=Access.MODERATOR, private=True)
    async def checkin_questions(self: CheckinsCog, ctx: Context) -> None:
        """Show this community's check-in questions and which are on."""
        questions = await self.questions(ctx.community.id)
        lines = []
        for key in ORDER:
            state = "on" if key in questions.enabled else "off"
            lines.append(f"`{key}` ({DEFAULTS[key].kind}, {state}): {questions.prompts[key]}")
        lines.append(
            "\nChange one: `!checkin question mood How are you feeling today?`, "
            "`!checkin question note off`, or `reset` for the default wording."
        )
        await ctx.reply(Content(title="Check-in questions", text="\n".join(lines)), private=True)

    @command(
        "checkin question",
        params=[
            Param("key", ParamType.CHOICE, "which question", choices=ORDER),
            Param("text", ParamType.TEXT, "new wording, or on, off, reset", max_length=200),
        ],
        access=Access.MODERATOR,
        private=True,
        examples=["!checkin question mood How are you feeling today, 1 to 5?", "!checkin question note off"],
    )
    async def checkin_question(self: CheckinsCog, ctx: Context, key: str, text: str) -> None:
        """Reword a question or switch it on or off. The kind of answer it takes stays the same."""
        questions = await self.questions(ctx.community.id)
        prompts, enabled = dict(questions.prompts), set(questions.enabled)
        word = text.strip().lower()
        if word == "off":
            if enabled == {key}:
                raise ArgumentError(
                    "At least one question has to stay on. Switch another on first, like "
                    "`!checkin question mood on`"
                )
            enabled.discard(key)
        elif word == "on":
            enabled.add(key)
        elif word == "reset":
            prompts[key] = DEFAULTS[key].prompt
        else:
            prompts[key] = quote_member_text(text, 200)
        updated = QuestionSet(prompts, tuple(k for k in ORDER if k in enabled))
        await self.save_questions(ctx.community.id, updated)
        state = "on" if key in updated.enabled else "off"
        await ctx.reply(
            f"`{key}` is {state}: {updated.prompts[key]}\nCheck-ins already sent keep their wording.",
            private=True,
        )

    @command(
        "checkin celebrations",
        params=[Param("where", ParamType.CHOICE, "here or off", choices=("here", "off"))],
        access=Access.MODERATOR,
        private=True,
    )
    async def checkin_celebrations(self: CheckinsCog, ctx: Context, where: str) -> None:
        """Choose this channel for milestone announcements of members who opted in (or off)."""
        settings = self.bot.community_settings(ctx.community.id, FEATURE)
        if where == "off" or ctx.place.is_direct:
            await settings.delete("celebrations_place")
            note = " (a private chat can't be the celebrations channel)" if where == "here" else ""
            await ctx.reply(f"Milestone announcements are off{note}.", private=True)
            return
        await settings.set(
            "celebrations_place",
            {"platform": ctx.place.platform, "place_id": ctx.place.place_id, "scope_id": ctx.place.scope_id},
        )
        await ctx.reply("Milestones of members who chose to share them will be announced here.", private=True)

    @command(
        "checkin retention",
        params=[Param("days", ParamType.INTEGER, "days to keep notes (7-365)", min=7, max=365)],
        access=Access.MODERATOR,
        private=True,
        examples=["!checkin retention 30"],
    )
    async def checkin_retention(self: CheckinsCog, ctx: Context, days: int) -> None:
        """How long members' check-in notes and intentions are kept (default 90 days)."""
        await self.bot.community_settings(ctx.community.id, FEATURE).set("note_retention_days", days)
        await ctx.reply(
            f"Notes and intentions are now deleted after {plural(days, 'day')} (checked daily).", private=True
        )
