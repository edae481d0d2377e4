"""Crisis support: detect crisis language, answer privately with local help, alert moderators."""


async def setup(bot):
    from .cog import CrisisCog  # imported here so `cogs.crisis.detector` works without the bot core

    await bot.add_cog(CrisisCog(bot))
