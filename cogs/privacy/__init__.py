from cogs.privacy.cog import PrivacyCog
from cogs.privacy.linking import LinkingCog


async def setup(bot):
    await bot.add_cog(PrivacyCog(bot))
    await bot.add_cog(LinkingCog(bot))
