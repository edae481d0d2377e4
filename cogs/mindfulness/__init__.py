"""Daily mindfulness prompts that moderators curate and members shape (see docs/mindfulness.md)."""


async def setup(bot):
    from cogs.mindfulness.cog import MindfulnessCog

    await bot.add_cog(MindfulnessCog(bot))
