"""`!safetyplan`: a member's own safety plan, written section by section, sealed with the vault.

The sections follow the Stanley-Brown safety planning intervention that crisis services use. The
plan is stored only after the member agrees (feature "crisis"), shown back to them in a crisis reply,
included in `!mydata`, erased by `!forgetme`, `!optout crisis` (if they choose to erase) or
`!safetyplan delete`. A member who leaves crisis support and keeps their data can still read and change
their plan: it is theirs, kept at their request.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from bot.commands import Context, Param, ParamType, command, on_choice, on_text
from bot.model import Choice, Content, TextRequest
from bot.vault import VaultError

if TYPE_CHECKING:
    from bot.services import BotServices

    from .store import CrisisStore

log = logging.getLogger(__name__)

SECTIONS: list[tuple[str, str, str]] = [
    (
        "warning_signs",
        "My warning signs",
        "Thoughts, feelings or situations that tell me a hard time may be coming.",
    ),
    (
        "on_my_own",
        "Things I can do on my own",
        "Things that take my mind off it for a while: a walk, music, a shower...",
    ),
    ("people_places", "People and places that help", "People and places that help me feel a bit better."),
    ("people_to_ask", "People I can ask for help", "Names and numbers of people I can tell how I'm doing."),
    (
        "professionals",
        "Professionals and services",
        "My counselor, doctor, sponsor, a helpline, the nearest ER.",
    ),
    (
        "safe_surroundings",
        "Making my surroundings safe",
        "What I can put away or hand to someone when things are bad.",
    ),
    ("reasons", "My reasons", "What I am living and staying in recovery for."),
]
SECTION_KEYS = [key for key, _, _ in SECTIONS]
# Binds each sealed answer to its member and section: a token copied to another row will not open.
# The cog declares the same template for `kindred keys rotate`.
PLAN_CONTEXT = "crisis.safetyplan:{member_id}:{section}"


def plan_context(member_id: int, section: str) -> str:
    return PLAN_CONTEXT.format(member_id=member_id, section=section)


STOP_WORDS = {"stop", "cancel", "done", "quit"}
SKIP_WORDS = {"skip", "-", "none", "nothing", "clear"}


class SafetyPlanMixin:
    """Commands and handlers for the safety plan; mixed into CrisisCog (needs self.bot, self.store)."""

    bot: BotServices
    store: CrisisStore
    feature: str
    consent_statement: str
    after_consent: dict[str, tuple[str, str | None]]
    may_keep_data: Callable[[int | None], Awaitable[bool]]

    @command(
        "safetyplan",
        private=True,
        params=[
            Param(
                "action",
                ParamType.CHOICE,
                required=False,
                choices=("view", "write", "edit", "delete"),
                help="view (default), write or edit it step by step, or delete it",
            )
        ],
        examples=["!safetyplan", "!safetyplan write", "!safetyplan delete"],
        rate_limited=False,
    )
    async def safetyplan(self, ctx: Context, action: str | None = None) -> None:
        """Your own safety plan: what helps you through a crisis, in your words. Only you can see it."""
        action = action or "view"
        member_id = await ctx.member_id()
        if action in ("write", "edit"):
            if member_id is None or not await self.may_keep_data(member_id):
                self.after_consent[ctx.author.key] = ("plan", "")
                await ctx.bot.consent.ask(ctx, self.feature, self.consent_statement)
                return
            await self._ask_section(ctx, 0, await self._plan(member_id))
            return
        if action == "delete":
            if member_id is None or not await self.store.plan_rows(member_id):
                await ctx.reply(
                    "You don't have a safety plan stored, so there is nothing to delete.", private=True
                )
                return
            await ctx.reply(
                Content(
                    text="Delete your safety plan? This cannot be undone.",
                    choices=[
                        Choice("crisis.plandelete:yes", "Delete it", "danger"),
                        Choice("crisis.plandelete:no", "Keep it"),
                    ],
                ),
                private=True,
            )
            return
        plan = await self._plan(member_id)
        if not plan:
            await ctx.reply(
                "You haven't written a safety plan yet. It's a short list, in your own words, of what helps when "
                "things get dark. Type `!safetyplan write` to start; I'll ask one question at a time.",
                private=True,
            )
            return
        await ctx.reply(
            Content(
                title="Your safety plan",
                text=self.plan_markdown(plan),
                footer="Change it with !safetyplan edit; delete it with !safetyplan delete.",
            ),
            private=True,
        )

    async def _plan(self, member_id: int | None) -> dict[str, str]:
        if member_id is None:
            return {}
        sealed = await self.store.plan_rows(member_id)
        return {
            key: self.bot.vault.open(token, plan_context(member_id, key)) for key, token in sealed.items()
        }

    async def member_plan(self, member_id: int | None) -> dict[str, str]:
        """The member's plan, opened, if they wrote one (and kept it); {} if it cannot be opened.

        Used inside crisis replies: a damaged row or a wrong key must never block the reply itself.
        """
        if member_id is None:
            return {}
        try:
            return await self._plan(member_id)
        except VaultError:
            log.error("a safety plan could not be opened; the crisis reply goes without it")
            return {}

    @staticmethod
    def plan_markdown(plan: dict[str, str]) -> str:
        lines = []
        for key, label, _ in SECTIONS:
            if plan.get(key):
                lines.append(f"**{label}:** {plan[key]}")
        return "\n".join(lines)

    async def _ask_section(self, ctx: Context, index: int, plan: dict[str, str]) -> None:
        key, label, hint = SECTIONS[index]
        current = plan.get(key)
        keep = f" Type `keep` to keep: _{current}_" if current else ""
        await ctx.reply(
            Content(
                text=(
                    f"Safety plan, {index + 1} of {len(SECTIONS)}: **{label}**\n{hint}\n"
                    f"Type `skip` to leave it empty, or `stop` to finish later.{keep}"
                ),
                ask=TextRequest(
                    f"crisis.plan:{index}", label, placeholder=hint[:100], max_length=1000, multiline=True
                ),
            ),
            private=True,
        )

    @on_text("crisis.plan", rate_limited=False)
    async def plan_answer(self, ctx: Context, value: str, text: str) -> None:
        member_id = await ctx.member_id()
        if member_id is None or not await self.may_keep_data(member_id):
            await ctx.reply(
                "Your safety plan isn't switched on. Type `!safetyplan write` to start again.", private=True
            )
            return
        try:
            index = int(value)
            key = SECTION_KEYS[index]
        except (ValueError, IndexError):
            await ctx.reply("That question has expired. Type `!safetyplan edit` to continue.", private=True)
            return
        answer = text.strip()
        word = answer.lower()
        now = ctx.bot.clock.now().isoformat()
        if word in STOP_WORDS:
            await ctx.reply("Saved what you wrote so far. Type `!safetyplan` to see it.", private=True)
            return
        if word in SKIP_WORDS:
            await self.store.save_section(member_id, key, None, now)
        elif word != "keep":
            await self.store.save_section(
                member_id, key, ctx.bot.vault.seal(answer, plan_context(member_id, key)), now
            )
        plan = await self._plan(member_id)
        if index + 1 < len(SECTIONS):
            await self._ask_section(ctx, index + 1, plan)
            return
        await ctx.reply(
            Content(
                title="Your safety plan is saved",
                text=self.plan_markdown(plan) or "(all sections empty)",
                footer="I'll show it to you if a message of yours ever worries me. Only you can see it.",
            ),
            private=True,
        )

    @on_choice("crisis.plandelete", rate_limited=False)
    async def plan_delete(self, ctx: Context, value: str) -> None:
        member_id = await ctx.member_id()
        if value != "yes" or member_id is None:
            await ctx.reply("Kept your safety plan.", private=True)
            return
        await self.store.delete_plan(member_id)
        await ctx.bot.db.checkpoint()
        await ctx.reply("Your safety plan is deleted.", private=True)
