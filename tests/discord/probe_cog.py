"""A small cog for the Discord adapter's tests: one command per thing the adapter must render or route.

Feature cogs are tested on the MemoryAdapter; this one exists so the Discord tests do not depend on
another feature's wording."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.cog import Cog
from bot.commands import Access, Context, Param, ParamType, command, on_choice, on_text
from bot.model import Choice, Content, FileAttachment, TextRequest
from bot.text import timestamp

MEETUP = datetime(2026, 12, 3, 19, 0, tzinfo=UTC)


class ProbeCog(Cog):
    name = "probe"
    title = "Probe"

    @command("probe echo", params=[Param("text", ParamType.TEXT, help="what to say")])
    async def echo(self, ctx: Context, text: str) -> None:
        """Say the text back, publicly."""
        await ctx.reply(text)

    @command("probe secret", private=True)
    async def secret(self, ctx: Context) -> None:
        """Answer only the asker."""
        await ctx.reply("Only you can see this.")

    @command("probe mood")
    async def mood(self, ctx: Context) -> None:
        """Offer buttons."""
        await ctx.reply(
            Content(
                text="How are you today?",
                choices=[Choice("probe.mood:good", "Good", "success"), Choice("probe.mood:low", "Low")],
            )
        )

    @on_choice("probe.mood")
    async def mood_pressed(self, ctx: Context, value: str) -> None:
        await ctx.reply(f"Noted: {value}.", private=True)

    @command("probe note")
    async def note(self, ctx: Context) -> None:
        """Ask for free text."""
        await ctx.reply(
            Content(
                text="Want to add a note?",
                ask=TextRequest("probe.note:7", "Your note", multiline=True, max_length=500),
            )
        )

    @on_text("probe.note")
    async def note_written(self, ctx: Context, value: str, text: str) -> None:
        await ctx.reply(f"Saved note {value} ({len(text)} characters).", private=True)

    @command("probe file")
    async def file(self, ctx: Context) -> None:
        """Send an attachment inside an embed."""
        await ctx.reply(
            Content(
                title="Alumni meetup",
                text=f"Starts {timestamp(MEETUP, 'F')}",
                fields=[("Where", "Community hall")],
                footer="Add it to your calendar",
                files=[
                    FileAttachment("meetup.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "text/calendar")
                ],
            )
        )

    @command("probe long")
    async def long(self, ctx: Context) -> None:
        """A titled list longer than one embed holds (like a moderator's help)."""
        lines = [f"`!probe echo {n:03d}`: line {n:03d} of the long list" for n in range(1, 241)]
        await ctx.reply(Content(title="A long list", text="\n".join(lines), footer="the end of the list"))

    @command("probe dm")
    async def dm(self, ctx: Context) -> None:
        """Write to the asker in private."""
        await ctx.bot.send_private(ctx.author, "Hello in private.")

    @command(
        "probe announce", access=Access.MODERATOR, params=[Param("text", ParamType.TEXT, help="announcement")]
    )
    async def announce(self, ctx: Context, text: str) -> None:
        """Post a moderator's text in the channel."""
        await ctx.bot.send(ctx.place, Content(text=f"📣 {text}"))
        await ctx.reply("Posted.", private=True)

    @command(
        "probe plan",
        params=[
            Param("days", ParamType.INTEGER, min=1, max=30, help="how many days"),
            Param("zone", ParamType.TIMEZONE, help="your timezone"),
            Param("when", ParamType.TIME, required=False, help="what time"),
            Param("kind", ParamType.CHOICE, choices=("gentle", "brisk"), required=False),
            Param("topic", ParamType.WORD, required=False, autocomplete="topics"),
        ],
    )
    async def plan(self, ctx: Context, days: int, zone: str, when=None, kind=None, topic=None) -> None:
        """Typed options."""
        at = when.strftime("%H:%M") if when else "any time"
        await ctx.reply(
            f"{days} days in {zone} at {at}, {kind or 'default'} pace, topic {topic or 'none'}.", private=True
        )

    async def topics(self, ctx: Context, partial: str) -> list[str]:
        return [t for t in ("gratitude", "grounding", "sleep") if partial.lower() in t]

    @command("probe slow", private=True)
    async def slow(self, ctx: Context) -> None:
        """Take longer than Discord waits for a first answer."""
        await asyncio.sleep(0.5)
        await ctx.reply("Finished.")

    @command("probe quiet")
    async def quiet(self, ctx: Context) -> None:
        """Answer nothing."""

    @command("probe cheer", params=[Param("who", ParamType.USER, help="the member to cheer on")])
    async def cheer(self, ctx: Context, who) -> None:
        """Name a member, who alone is pinged."""
        await ctx.reply(Content(text=f"@everyone, cheer on <@{who.user_id}>!", mention_users=[who]))

    @command("probe deep ping")
    async def deep_ping(self, ctx: Context) -> None:
        """A command two groups deep."""
        await ctx.reply("pong")

    @command("reflection-of-the-day-for-our-community")
    async def invalid_name(self, ctx: Context) -> None:
        """Discord refuses this name (over 32 characters); it stays a text command."""
        await ctx.reply("still here")

    @command("probe hints")
    async def hints(self, ctx: Context) -> None:
        """Answer with command hints in a cog's own words (see also !mydata)."""
        await ctx.reply(
            Content(
                title="Try !probe echo",
                text="Type `!probe echo TEXT`, or !mydata. Wow!! "
                "`!reflection-of-the-day-for-our-community` is typed as it is.",
                footer="!help lists everything",
            )
        )

    @command("modtools", access=Access.MODERATOR, private=True)
    async def modtools(self, ctx: Context) -> None:
        """A moderators-only command."""
        await ctx.reply("Moderator tools.")

    async def export_member_data(self, member_id: int) -> dict:
        return {}

    async def delete_member_data(self, member_id: int) -> None:
        return None


async def setup(bot) -> None:
    await bot.add_cog(ProbeCog(bot))
