"""Accountability partners: invited and accepted, sharing only what each chooses, ended silently.

An invitation stores nothing about the invited person: it is a random token in the inviter's row,
carried by the Accept button. The invited person's data appears only once they accept, and they must
be in check-ins themselves (they agreed to its terms).
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from bot.commands import Access, Context, Param, ParamType, command, on_choice
from bot.model import Choice, Content
from bot.text import quote_member_name
from cogs.checkins.questions import ON_TRACK

if TYPE_CHECKING:
    from cogs.checkins.cog import CheckinsCog

log = logging.getLogger(__name__)

FEATURE = "checkins"
JOIN = "!checkin start"
INVITE_LIFETIME = timedelta(days=7)
MAX_PARTNERS = 5
MAX_OPEN_INVITES = 5  # a member's invitations waiting for an answer (each is a stored row)


class PartnerCommands:
    @command(
        "partner invite",
        params=[Param("member", ParamType.USER, "who, like @name")],
        access=Access.PARTICIPANT,
        feature=FEATURE,
        private=True,
        join_hint=JOIN,
        examples=["!partner invite @sam"],
    )
    async def partner_invite(self: CheckinsCog, ctx: Context, member) -> None:
        """Ask someone to be your check-in partner. They choose whether to accept."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        if member == ctx.author or await self.bot.members.lookup(member) == member_id:
            await ctx.reply(
                "That's you! Type `!partner invite @name` with someone else's name.", private=True
            )
            return
        if len(await self.store.partners(member_id)) >= MAX_PARTNERS:
            await ctx.reply(
                f"You have {MAX_PARTNERS} partners already; end one with `!partner end @name` first.",
                private=True,
            )
            return
        now = self.bot.clock.now()
        await self.bot.db.execute(
            "DELETE FROM checkin_partner_invites WHERE created_at < ?", ((now - INVITE_LIFETIME).isoformat(),)
        )
        if (
            await self.bot.db.fetchval(
                "SELECT COUNT(*) FROM checkin_partner_invites WHERE inviter_id = ?", (member_id,)
            )
            >= MAX_OPEN_INVITES
        ):
            await ctx.reply(
                f"You have {MAX_OPEN_INVITES} invitations waiting for an answer. They last a week; "
                "once they are answered or have expired you can invite someone else.",
                private=True,
            )
            return
        invited_id = await self.bot.members.lookup(member)
        if not (
            invited_id and await self.bot.consent.has(invited_id, FEATURE)
        ) and not self.bot.outreach.allow(member.key):
            # Someone who never joined gets at most one message a day that a member asked for.
            await ctx.reply(
                "I can't send them an invitation right now: people who haven't joined check-ins "
                "get at most one invitation a day. Please try again tomorrow.",
                private=True,
            )
            return
        token = secrets.token_urlsafe(12)
        await self.bot.db.execute(
            "INSERT INTO checkin_partner_invites (token, inviter_id, inviter_name, created_at) VALUES (?,?,?,?)",
            (token, member_id, self.seal("inviter_name", ctx.author.name), now.isoformat()),
        )
        name = quote_member_name(ctx.author.name, 80)
        try:
            await self.bot.send_private(
                member,
                Content(
                    title="A check-in partner invitation",
                    text=(
                        f"{name} would like you to be their check-in partner. Partners support each other: each "
                        "of you sees only what the other chooses to share (whether they checked in, and if they "
                        "allow it their mood or on-track answer; never notes), and either of you can send "
                        "`!sos` to ask the other to reach out. Either of you can end it any time, quietly.\n"
                        "It's completely fine to say no; they won't be told."
                    ),
                    choices=[
                        Choice(f"checkin.partner:accept:{token}", "Accept", "success"),
                        Choice(f"checkin.partner:decline:{token}", "No thanks"),
                    ],
                ),
            )
        except Exception:
            await ctx.reply(
                "I couldn't send them a private message. They may need to allow messages from me.",
                private=True,
            )
            return
        await ctx.reply(
            "Invitation sent privately. I'll tell you if they accept; the invitation lasts a week.",
            private=True,
        )

    @on_choice("checkin.partner")
    async def on_partner_answer(self: CheckinsCog, ctx: Context, value: str) -> None:
        answer, _, token = value.partition(":")
        invite = await self.bot.db.fetchone("SELECT * FROM checkin_partner_invites WHERE token = ?", (token,))
        now = self.bot.clock.now()
        if invite is None or datetime.fromisoformat(invite["created_at"]) < now - INVITE_LIFETIME:
            await ctx.reply("That invitation has expired or was withdrawn.", private=True)
            return
        if answer != "accept":
            await self.bot.db.execute("DELETE FROM checkin_partner_invites WHERE token = ?", (token,))
            await ctx.reply("No problem. Nobody is told.", private=True)
            return
        member_id = await ctx.member_id()
        if (
            member_id is None
            or not await self.bot.consent.has(member_id, FEATURE)
            or await self.store.participant(member_id) is None
        ):
            await ctx.reply(
                Content(
                    text="Partners are both in check-ins. Join first (you choose your own time and what you share), "
                    "then press Accept again:",
                    choices=[
                        Choice("checkin.join:", "Join check-ins", "primary"),
                        Choice(f"checkin.partner:accept:{token}", "Accept"),
                    ],
                ),
                private=True,
            )
            return
        if member_id == invite["inviter_id"]:
            await ctx.reply("That's your own invitation.", private=True)
            return
        inviter_name = self.open_sealed("inviter_name", invite["inviter_name"])
        await self.store.pair(
            invite["inviter_id"],
            self.seal("partner_name", inviter_name),
            member_id,
            self.seal("partner_name", ctx.author.name),
            now,
        )
        await self.bot.db.execute("DELETE FROM checkin_partner_invites WHERE token = ?", (token,))
        await ctx.reply(
            f"You and {quote_member_name(inviter_name, 80)} are now check-in partners. "
            "`!checkin share` chooses what they see; `!partner end` ends it quietly.",
            private=True,
        )
        await self.bot.send_to_member(
            invite["inviter_id"],
            f"{quote_member_name(ctx.author.name, 80)} accepted: "
            "you're check-in partners now. `!checkin share` chooses what they see.",
        )

    @on_choice("checkin.join")
    async def on_join(self: CheckinsCog, ctx: Context, value: str) -> None:
        await self.checkin_start(ctx)

    @command("partner list", access=Access.PARTICIPANT, feature=FEATURE, private=True, join_hint=JOIN)
    async def partner_list(self: CheckinsCog, ctx: Context) -> None:
        """Your check-in partners and what they share with you today."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        row = await self.store.participant(member_id)
        summary = await self.partner_summary(member_id, self.local_today(row))
        await ctx.reply(summary or "No partners yet. `!partner invite @name` asks someone.", private=True)

    @command(
        "partner end",
        params=[Param("member", ParamType.USER, "who, like @name")],
        access=Access.PARTICIPANT,
        feature=FEATURE,
        private=True,
        join_hint=JOIN,
    )
    async def partner_end(self: CheckinsCog, ctx: Context, member) -> None:
        """End a partnership. They are not told; they simply stop seeing your check-ins."""
        member_id = await self.participant_id(ctx)
        if member_id is None:
            return
        other = await self.bot.members.lookup(member)
        if other is None or not await self.store.unpair(member_id, other):
            await ctx.reply(
                "You're not partners with them. `!partner list` shows your partners.", private=True
            )
            return
        await ctx.reply(
            "Done. The partnership has ended quietly; they won't get a message about it.", private=True
        )

    async def partners_sos(self: CheckinsCog, ctx: Context) -> str | None:
        """For `!sos` (the crisis cog's, open to everyone): ask this member's partners to reach out now.

        Returns who was told, in words; "" for a participant with no partner; None if not in check-ins."""
        member_id = await ctx.member_id()
        if (
            member_id is None
            or not await self.bot.consent.has(member_id, FEATURE)
            or await self.store.participant(member_id) is None
        ):
            return None
        return await self.ask_partners_to_reach_out(member_id, urgent=True)

    async def ask_partners_to_reach_out(self: CheckinsCog, member_id: int, urgent: bool) -> str:
        """Message every partner; returns who was told, as words ("Sam and Alex"), or ""."""
        told = []
        for partner in await self.store.partners(member_id):
            mine = await self.bot.db.fetchone(
                "SELECT partner_name FROM checkin_partners WHERE member_id = ? AND partner_id = ?",
                (partner["partner_id"], member_id),
            )
            name = (
                quote_member_name(self.open_sealed("partner_name", mine["partner_name"]), 80)
                if mine
                else "Your partner"
            )
            text = (
                f"🆘 {name} is asking you to reach out to them **now**. A direct message or a call can "
                "make a real difference. If you think they are in danger, contact emergency services."
                if urgent
                else f"{name} is having a hard day and would welcome a message from you."
            )
            if await self.bot.send_to_member(partner["partner_id"], text):
                told.append(quote_member_name(self.open_sealed("partner_name", partner["partner_name"]), 80))
        return " and ".join(told)

    async def partner_summary(self: CheckinsCog, member_id: int, day: date) -> Content | None:
        """What each partner shares for `day`: only the items they switched on; never notes."""
        partners = await self.store.partners(member_id)
        if not partners:
            return None
        lines = []
        for partner in partners:
            row = await self.store.participant(partner["partner_id"])
            if row is None:
                continue
            entry = await self.store.entry(partner["partner_id"], day)
            parts = []
            if row["share_checked_in"]:
                parts.append("checked in" if entry and entry["answered_at"] else "no check-in")
            if row["share_mood"] and entry and entry["mood"] is not None:
                parts.append(f"mood {entry['mood']}/5")
            if row["share_on_track"] and entry and entry["on_track"]:
                parts.append(ON_TRACK[entry["on_track"]].lower())
            shown = ", ".join(parts) if parts else "shares nothing with partners"
            name = quote_member_name(self.open_sealed("partner_name", partner["partner_name"]), 80)
            lines.append(f"**{name}**: {shown}")
        return Content(
            title=f"Your partners, {day:%A %d %B}",
            text="\n".join(lines),
            footer="A message from you can mean a lot. !sos asks them to reach out to you.",
        )

    async def _send_partner_summaries(self: CheckinsCog, items: list, left: set[int]) -> None:
        from cogs.checkins import dispatch

        await dispatch.send_all(self, items, self._partner_summary_message, dispatch.PARTNERS, left)

    async def _partner_summary_message(self: CheckinsCog, item) -> Content | None:
        return await self.partner_summary(item.member_id, item.day - timedelta(days=1))
