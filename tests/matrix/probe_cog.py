"""A small cog for the Matrix adapter tests: a free-text question and an image, which no core cog sends."""

from __future__ import annotations

import struct
import zlib

from bot.cog import Cog
from bot.commands import command, on_text
from bot.model import Content, FileAttachment, TextRequest
from bot.text import quote_member_text


def tiny_png(width: int = 3, height: int = 2) -> bytes:
    """A valid grey PNG, built by hand so the test needs no imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


class ProbeCog(Cog):
    name = "probe"
    feature = "probe"
    consent_statement = "**What it stores:** that you joined the probe. **Who can see it:** only you."

    async def on_consent(self, ctx) -> None:
        await ctx.reply("You're in the probe.", private=True)

    @command("probe name", private=True)
    async def ask_name(self, ctx) -> None:
        """Ask the member a free-text question."""
        await ctx.reply(
            Content(text="One question.", ask=TextRequest("probe.name:first", "What should I call you")),
            private=True,
        )

    @on_text("probe.name")
    async def got_name(self, ctx, value: str, text: str) -> None:
        await ctx.reply(f"Thanks, {quote_member_text(text)}.", private=True)

    @command("probe chart")
    async def chart(self, ctx) -> None:
        """Send a small chart image."""
        await ctx.reply(
            Content(text="Your chart", files=[FileAttachment("chart.png", tiny_png(), "image/png")])
        )

    async def export_member_data(self, member_id: int) -> dict:
        return {}

    async def delete_member_data(self, member_id: int) -> None:
        return None


async def setup(bot) -> None:
    await bot.add_cog(ProbeCog(bot))
