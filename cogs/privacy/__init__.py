from cogs.privacy.cog import PrivacyCog


async def setup(bot):
    await bot.add_cog(PrivacyCog(bot))
