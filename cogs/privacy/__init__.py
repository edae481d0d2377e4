from cogs.privacy.cog import PrivacyCog
from cogs.privacy.linking import LinkingCog
from cogs.privacy.settings import MemberSettingsCog


async def setup(bot):
    await bot.add_cog(PrivacyCog(bot))
    await bot.add_cog(LinkingCog(bot))
    await bot.add_cog(MemberSettingsCog(bot))
