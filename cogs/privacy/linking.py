"""Linking one person's Discord and Matrix accounts, so their data is exported and erased as one.

The code is shown privately on the account that has the data and typed on the other one, so only
someone holding both accounts can link them. Only a hash of the code is stored, for ten minutes.
"""

from __future__ import annotations

from bot.cog import Cog
from bot.commands import Context, Param, ParamType, command


class LinkingCog(Cog):
    name = "linking"
    title = "Your data"
    help_area = "data"
    help_line = "what is kept (`!privacy`), a copy (`!mydata`), erase it all (`!forgetme`), your settings."
    help_order = 91

    @command(
        "link",
        private=True,
        params=[
            Param(
                "code",
                ParamType.TEXT,
                required=False,
                max_length=20,
                help="the code you were given on your other account",
            )
        ],
        examples=["!link", "!link 3F2A-09BC-77D1"],
    )
    async def link(self, ctx: Context, code: str | None = None) -> None:
        """Link your accounts on two platforms: `!link` on one gives a code, `!link CODE` on the other."""
        member_id = await ctx.member_id()
        if code is None:
            if member_id is None:
                await ctx.reply(
                    "There is nothing to link yet: Kindred holds nothing about this account. "
                    "Type `!link` on the account you use Kindred with.",
                    private=True,
                )
                return
            new_code = await ctx.bot.members.new_link_code(member_id, ctx.bot.clock.now())
            await ctx.reply(
                f"Your one-time code is **{new_code}**. On your other account, within ten "
                f"minutes, type `!link {new_code}`. Don't share it with anyone.",
                private=True,
            )
            return
        owner = await ctx.bot.members.redeem_link_code(code, ctx.bot.clock.now())
        if owner is None:
            await ctx.reply(
                "That code is not valid or has expired. Type `!link` on your other account for a new one.",
                private=True,
            )
            return
        if member_id == owner:
            await ctx.reply("These accounts are already linked.", private=True)
            return
        if member_id is not None:
            if await self._holds_data(member_id):
                await ctx.reply(
                    "This account already has its own Kindred data. To link, erase it here first "
                    "with `!forgetme`, then type the code again.",
                    private=True,
                )
                return
            await ctx.bot.members.delete(member_id)
        await ctx.bot.members.link(owner, ctx.author)
        await ctx.reply(
            "Linked. Your data is now shared by both accounts: `!mydata` shows it all and "
            "`!forgetme` erases it all. `!unlink` undoes this.",
            private=True,
        )

    @command("unlink", private=True)
    async def unlink(self, ctx: Context) -> None:
        """Unlink this account from your other ones; your data stays with the others."""
        member_id = await ctx.member_id()
        if member_id is None or len(await ctx.bot.members.identities(member_id)) < 2:
            await ctx.reply("This account is not linked to another one.", private=True)
            return
        await ctx.bot.members.unlink(ctx.author)
        await ctx.bot.forget_user(ctx.author)
        await ctx.reply(
            "Unlinked. Kindred no longer connects this account with your other one.", private=True
        )

    async def _holds_data(self, member_id: int) -> bool:
        for cog in self.bot.cogs.values():
            if await cog.export_member_data(member_id):
                return True
        return False

    async def export_member_data(self, member_id: int) -> dict:
        return {}  # the linked accounts are listed in the member section of the export

    async def delete_member_data(self, member_id: int) -> None:
        return None  # its one-time codes go with the member row (ON DELETE CASCADE)
