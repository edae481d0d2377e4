"""Alumni meetups: RSVPs with seats and a waitlist, reminders and calendars, on every platform."""


async def setup(bot):
    from .cog import MeetupsCog

    await bot.add_cog(MeetupsCog(bot))
