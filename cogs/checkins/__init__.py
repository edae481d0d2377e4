"""Private daily check-ins with streaks, milestones, partners and trends (issue 7)."""


async def setup(bot):
    from cogs.checkins.cog import CheckinsCog

    await bot.add_cog(CheckinsCog(bot))
