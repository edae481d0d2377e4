"""Cogs are written against bot.services.BotServices; the running bot provides every part of it.

(mypy checks the types wherever the core hands itself to a cog; this checks the running object.)"""

import inspect

from bot.services import BotServices
from bot.testing import make_test_bot


def declared_members() -> set[str]:
    return {name for name, _ in inspect.getmembers(BotServices) if not name.startswith("_")}


async def test_the_running_bot_provides_everything_cogs_are_promised(tmp_path):
    assert {"clock", "db", "vault", "scheduler", "consent", "send_to_member"} <= declared_members()
    async with make_test_bot(tmp_path) as (bot, _):
        missing = sorted(name for name in declared_members() if not hasattr(bot, name))
        assert missing == []
        cog = bot.get_cog("privacy")
        assert cog.bot is bot
