"""Every command, every cog: moderator commands refuse others; hostile input never crashes or half-writes."""

import asyncio
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands import Access
from bot.core import DEFAULT_COGS
from bot.testing import MemoryAdapter, make_test_bot

# A reply's own delivery record, the only write a refused or mistaken command makes: its outbox row,
# written before the send and marked sent after (bot/outbox.py).
REPLY_RECORD_CHANGES = 2


async def test_every_moderator_command_is_refused_for_a_member(tmp_path, clock):
    async with make_test_bot(tmp_path, cogs=DEFAULT_COGS, clock=clock) as (bot, chat):
        bot.rate_limiter.limit = 10_000
        member = chat.user("alice")
        moderator_commands = [c for c in bot.router.commands.values() if c.access is Access.MODERATOR]
        for command in moderator_commands:
            for args in ("", " 1 2 3", " x" * 3):
                before = await bot.db.fetchval("SELECT total_changes()")
                replies = await chat.say(member, f"!{command.name}{args}")
                assert len(replies) == 1, command.name
                assert "is for moderators" in replies[0].text, (command.name, replies[0].text)
                assert replies[0].private_to == member
                assert await bot.db.fetchval("SELECT total_changes()") == before + REPLY_RECORD_CHANGES
        # The list comes from the loaded cogs: the walk must have had moderator commands to try.
        assert len(moderator_commands) >= 3, [c.name for c in moderator_commands]


class BotThread:
    """A bot on its own event loop in a thread, so hypothesis (synchronous) can drive it."""

    def __init__(self, tmp_path):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.context = make_test_bot(tmp_path, cogs=DEFAULT_COGS, adapters=[MemoryAdapter()])
        self.bot, self.chat = self.run(self.context.__aenter__())
        self.bot.rate_limiter.limit = 10_000_000

    def run(self, coro, timeout: float = 20):
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self):
        self.run(self.context.__aexit__(None, None, None))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


@pytest.fixture(scope="module")
def bot_thread(tmp_path_factory):
    runner = BotThread(tmp_path_factory.mktemp("hostile"))
    yield runner
    runner.close()


ERROR_MARKS = ("Type `!", "is for moderators", "I don't know", "have not joined", "going a little fast")
hostile_text = st.one_of(
    st.text(max_size=80),
    st.text(alphabet=st.sampled_from(list(" \"'\\@#<>:;!`*_~\n\t0123456789-/é🙂")), max_size=60),
    st.lists(
        st.sampled_from(
            [
                "25:00",
                "13pm",
                "-1",
                "0",
                "99999999999999999999",
                "Mars/Base",
                "US",
                "USA",
                "2026-02-30",
                "yesterday",
                "@here",
                '"',
                "''",
                "tomorrow",
                "8:30",
                "Europe/London",
                "all",
                "on",
                "off",
                "<@1>",
                "x" * 2000,
                # digits int() cannot read, and numbers too big for a date or SQLite
                "²",
                "³",
                "¹²",
                "٣",
                "①",
                "9" * 4301,
                "99999999999999999999h",
                "rsvp closes 99999999999999d before",
                "for 99999999 months",
                "capacity ²",
            ]
        ),
        max_size=5,
    ).map(" ".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), args=hostile_text, as_moderator=st.booleans())
def test_hostile_arguments_never_crash_and_errors_write_nothing(bot_thread, data, args, as_moderator):
    bot, chat = bot_thread.bot, bot_thread.chat
    names = sorted(bot.router.commands)
    name = data.draw(st.sampled_from(names))
    user = chat.user("mo", moderator=True) if as_moderator else chat.user("eve")
    before = bot_thread.run(bot.db.fetchval("SELECT total_changes()"))
    replies = bot_thread.run(chat.say(user, f"!{name} {args}"))
    for reply in replies:
        assert "something went wrong on my side" not in reply.text, (name, args)
    if len(replies) == 1 and any(mark in replies[0].text for mark in ERROR_MARKS):
        assert bot_thread.run(bot.db.fetchval("SELECT total_changes()")) == before + REPLY_RECORD_CHANGES, (
            name,
            args,
        )
