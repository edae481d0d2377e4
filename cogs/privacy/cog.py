"""What Kindred holds about a member, given back (`!mydata`) or forgotten (`!forgetme`), and consent.

The export and the erasure ask every loaded cog, so a new cog is covered the day it is added; the
core's own member, identity and consent rows come last.
"""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC

from bot.cog import Cog, DataStatement
from bot.commands import Context, Param, ParamType, command, on_choice
from bot.members import feature_title
from bot.model import Choice, Content, FileAttachment
from bot.text import quote_member_text

log = logging.getLogger(__name__)


class PrivacyCog(Cog):
    name = "privacy"
    title = "Your data"
    help_area = "data"
    help_line = "what is kept (`!privacy`), a copy (`!mydata`), erase it all (`!forgetme`), your settings."
    help_order = 90
    data_statement = DataStatement(
        stores="which of your accounts are yours (platform ids) and what you agreed to, with the date",
        why="so that nothing else is kept about you unless you agreed to it",
        retention="until you type !forgetme",
        who_can_see="only you, through !mydata",
    )

    # What this cog keeps is the core's member record, exported as "member" and erased last below.
    async def export_member_data(self, member_id: int) -> dict:
        return {}

    async def delete_member_data(self, member_id: int) -> None:
        return None

    # --- export -----------------------------------------------------------------------------------

    @command("mydata", private=True)
    async def mydata(self, ctx: Context) -> None:
        """Get a copy of everything Kindred holds about you, privately (text and a JSON file)."""
        member_id = await ctx.member_id()
        export: dict = {
            "generated_at": ctx.bot.clock.now().astimezone(UTC).isoformat(),
            "member": None,
            "features": {},
        }
        if member_id is None:
            summary = "Kindred holds nothing about you: you have not opted in to anything."
        else:
            export["member"] = await ctx.bot.members.export(member_id)
            for cog in ctx.bot.cogs.values():
                data = await cog.export_member_data(member_id)
                if data:
                    export["features"][cog.name] = data
            summary = self._summary(export)
        await ctx.reply(
            Content(
                title="Your data",
                text=summary,
                files=[
                    FileAttachment(
                        "kindred-my-data.json",
                        json.dumps(export, indent=2, default=str).encode(),
                        "application/json",
                    )
                ],
                footer="To erase all of it, type !forgetme.",
            ),
            private=True,
        )

    def _summary(self, export: dict) -> str:
        member = export["member"]
        lines = [f"Member since {member['member_since']}; accounts: {', '.join(member['accounts'])}."]
        if member["consents"]:
            agreed = ", ".join(f"{c['feature']} ({c['agreed_at'][:10]})" for c in member["consents"])
            lines.append(f"You agreed to: {agreed}.")
        for feature, data in export["features"].items():
            counts = ", ".join(
                f"{key}: {len(value) if isinstance(value, list | dict) else value}"
                for key, value in data.items()
            )
            lines.append(f"**{feature}**: {counts}")
        if not export["features"]:
            lines.append("No feature holds anything else about you.")
        return "\n".join(lines)

    # --- erase ------------------------------------------------------------------------------------

    @command("forgetme", private=True)
    async def forgetme(self, ctx: Context) -> None:
        """Erase everything Kindred holds about you, in every feature. You'll be asked to confirm."""
        await ctx.reply(
            Content(
                title="Erase everything?",
                text="This deletes all your check-ins, notes, plans, RSVPs and settings in Kindred, on every "
                "platform, and cannot be undone. You can join again later.",
                choices=[
                    Choice("privacy.forget:yes", "Erase everything", "danger"),
                    Choice("privacy.forget:no", "Keep my data"),
                ],
            ),
            private=True,
        )

    @on_choice("privacy.forget")
    async def confirm_forget(self, ctx: Context, value: str) -> None:
        if value != "yes":
            await ctx.reply("Nothing was erased.", private=True)
            return
        member_id = await ctx.member_id()
        if member_id is None:
            # A moderator or organiser who never opted in is still named where they acted.
            found = await self.forget_identities([ctx.author])
            if not found:
                await ctx.reply("There was nothing to erase: Kindred holds nothing about you.", private=True)
                return
            await self.bot.db.checkpoint()
            await ctx.reply("Done. Everything Kindred held about you is erased.", private=True)
            await self.bot.outbox.forget([ctx.author])  # this answer's own delivery record, once it is out
            return
        identities = await self.erase_member(member_id)
        await ctx.reply("Done. Everything Kindred held about you is erased.", private=True)
        await self.bot.outbox.forget(identities)  # this answer's own delivery record, once it is out

    async def forget_identities(self, users: list) -> int:
        found = 0
        for cog in self.bot.cogs.values():
            if cog is not self:
                found += await cog.forget_identities(users)
        for user in users:  # the bot's own questions and messages to them, files written for them
            await self.bot.forget_user(user)
        return found

    async def erase_member(self, member_id: int) -> list:
        """Everything about the member goes; returns the accounts they had."""
        identities = await self.bot.members.identities(member_id)
        for cog in self.bot.cogs.values():
            await cog.delete_member_data(member_id)
        await self.forget_identities(identities)
        await self.bot.members.delete(member_id)
        # Fold the WAL into the main file so no copy of the erased rows is left beside it.
        await self.bot.db.checkpoint()
        log.info("member erased", extra={"member": member_id})
        return identities

    # --- consent ----------------------------------------------------------------------------------

    def _features(self) -> dict[str, Cog]:
        return {cog.feature: cog for cog in self.bot.cogs.values() if cog.feature}

    def _feature_named(self, typed: str) -> Cog | None:
        """The feature a member means: "checkins", "check-ins", "check ins", "Check-in" and the
        feature's heading ("Mindfulness prompts") all name the same one."""
        wanted = _plain(typed)
        for cog in self._features().values():
            names = {_plain(cog.feature or ""), _plain(cog.title), _plain(cog.name)}
            if wanted in names or wanted + "s" in names or wanted.removesuffix("s") in names:
                return cog
        return None

    @command(
        "optin",
        private=True,
        params=[Param("feature", ParamType.TEXT, help="the feature to join, e.g. check-ins", max_length=40)],
        examples=["!optin check-ins"],
    )
    async def optin(self, ctx: Context, feature: str) -> None:
        """Join a feature that keeps data about you; you'll see what it stores first."""
        cog = self._feature_named(feature)
        if cog is None:
            await ctx.reply(self._unknown_feature(feature), private=True)
            return
        await ctx.bot.consent.ask(
            ctx, cog.feature or feature, cog.consent_statement or self._statement_for(cog)
        )

    @on_choice("consent")
    async def consent_answer(self, ctx: Context, value: str) -> None:
        answer, _, feature = value.partition(":")
        cog = self._features().get(feature)
        if cog is None:
            await ctx.reply("That feature is not available any more.", private=True)
            return
        if answer != "agree":
            await ctx.reply("No problem. Nothing was stored.", private=True)
            return
        await ctx.bot.consent.record(ctx.author, feature, cog.consent_statement or self._statement_for(cog))
        await cog.on_consent(ctx)

    @command(
        "optout",
        private=True,
        params=[Param("feature", ParamType.TEXT, help="the feature to leave, e.g. check-ins", max_length=40)],
        examples=["!optout check-ins"],
    )
    async def optout(self, ctx: Context, feature: str) -> None:
        """Leave a feature: it stops, and you choose whether its data is erased too."""
        cog = self._feature_named(feature)
        member_id = await ctx.member_id()
        if cog is None:
            await ctx.reply(self._unknown_feature(feature), private=True)
            return
        if member_id is None or not await ctx.bot.consent.revoke(member_id, cog.feature or feature):
            await ctx.reply(
                f"You are not in {feature_title(self.bot, cog.feature)}, so there is nothing to stop.",
                private=True,
            )
            return
        await cog.on_optout(member_id)
        for user in await ctx.bot.members.identities(member_id):
            await ctx.bot.forget_files(user)  # exports and charts written for them are copies of its data
        kept = (
            cog.kept_after_optout or "nothing new will be stored, and what it kept stays until you erase it."
        )
        await ctx.reply(
            Content(
                text=f"You have left {feature_title(self.bot, cog.feature)}. Erase what it kept too?\n"
                f"**If you keep it:** {kept}",
                about=f"erasing your {feature_title(self.bot, cog.feature)} data",
                choices=[
                    Choice(f"privacy.erase:{cog.feature}", "Erase it", "danger"),
                    Choice(f"privacy.keep:{cog.feature}", "Keep it"),
                ],
            ),
            private=True,
        )

    @on_choice("privacy.keep")
    async def keep_feature(self, ctx: Context, feature: str) -> None:
        cog = self._features().get(feature)
        kept = f": {cog.kept_after_optout}" if cog is not None and cog.kept_after_optout else "."
        await ctx.reply(f"Kept{kept} Type !forgetme any time to erase everything.", private=True)

    @on_choice("privacy.erase")
    async def erase_feature(self, ctx: Context, feature: str) -> None:
        cog = self._features().get(feature)
        member_id = await ctx.member_id()
        if not feature or cog is None or member_id is None:
            await ctx.reply("Kept. Type !forgetme any time to erase everything.", private=True)
            return
        await cog.delete_member_data(member_id)
        await self.bot.db.checkpoint()
        await ctx.reply(f"Your {feature_title(self.bot, feature)} data is erased.", private=True)

    def _unknown_feature(self, feature: str) -> str:
        known = ", ".join(sorted(self._features())) or "none yet"
        return (
            f"There is no feature called '{quote_member_text(feature, 40)}'. Features you can join: {known}. "
            f"For example: `!optin {min(self._features(), default='checkins')}`."
        )

    def _statement_for(self, cog: Cog) -> str:
        s = cog.data_statement
        if s is None:
            return f"{cog.title or cog.name} keeps a record that you joined."
        return (
            f"**What it stores:** {s.stores}\n**Why:** {s.why}\n**For how long:** {s.retention}\n"
            f"**Who can see it:** {s.who_can_see}\nYou can leave with `!optout {cog.feature}` and erase "
            "everything with `!forgetme`."
        )

    # --- the statement --------------------------------------------------------------------------------

    @command("privacy", private=True)
    async def privacy(self, ctx: Context) -> None:
        """What Kindred keeps about members, why, for how long, and who can see it."""
        lines = ["Kindred keeps nothing about you until you join a feature. Here is what each part keeps:"]
        for cog in ctx.bot.cogs.values():
            s = cog.data_statement
            if s is None:
                continue
            parts = [part.strip().rstrip(".") for part in (s.stores, s.why, s.retention, s.who_can_see)]
            lines.append(
                f"\n**{cog.title or cog.name}**: {parts[0]}. Why: {parts[1]}. Kept: {parts[2]}. "
                f"Seen by: {parts[3]}."
            )
        lines.append("\nNever kept: the text of ordinary chat messages. Logs never contain what you write.")
        lines.append("Get a copy with `!mydata`; erase everything with `!forgetme`.")
        await ctx.reply(Content(title="Privacy", text="\n".join(lines)), private=True)


def _plain(name: str) -> str:
    return re.sub(r"[\s_\-]", "", name.lower())
