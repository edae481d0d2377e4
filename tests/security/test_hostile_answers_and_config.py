"""Hostile typed answers and hostile config files: kind words or a problem list, never a traceback."""

from __future__ import annotations

import asyncio
import dataclasses
import typing

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.adapters.base import Capabilities
from bot.config import ConfigError, Settings, load_settings, parse_settings
from bot.model import IncomingMessage
from bot.pending import _pick
from tests.security.test_abuse import BotThread

NUMBERS = st.sampled_from(
    ["²", "³", "٣", "①", "0", "-1", "+2", "1.", "2!", "9" * 4301, "9" * 20, "1" * 16, "1e9"]
)
ANSWER = st.one_of(NUMBERS, st.text(max_size=40), st.lists(NUMBERS, max_size=3).map(" ".join))


@given(ANSWER)
def test_picking_a_numbered_choice_never_raises(text):
    choices = [["a:1", "Yes"], ["a:2", "No"]]
    picked = _pick(text, choices)
    assert picked in (None, "a:1", "a:2")
    if picked is not None:
        assert (
            text.strip().rstrip(".!").lower() in ("1", "2", "+1", "+2", "yes", "no", "١", "٢")
            or text.strip().rstrip(".!").isdecimal()
        )


@pytest.fixture(scope="module")
def typed_bot(tmp_path_factory):
    runner = BotThread(tmp_path_factory.mktemp("typed"))
    runner.chat.capabilities = Capabilities(edits=True)  # no buttons: questions wait for typed answers
    yield runner
    runner.close()


def test_the_typed_bot_really_answers_by_typing(typed_bot):
    chat = typed_bot.chat
    zed = chat.user("zed")
    asked = typed_bot.run(chat.dm(zed, "!forgetme"))
    assert "Reply with a number" in asked[-1].text or asked[-1].content.choices
    assert "Nothing was erased" in typed_bot.run(chat.dm(zed, "2"))[-1].text


QUESTIONS = ["!forgetme", "!checkin start 20:00", "!optin mindfulness", "!safetyplan write", "!checkin now"]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data(), answer=ANSWER)
def test_typed_answers_to_every_kind_of_question_never_crash(typed_bot, data, answer):
    bot, chat = typed_bot.bot, typed_bot.chat
    user = chat.user(data.draw(st.sampled_from(["ann", "ben"])))
    typed_bot.run(chat.dm(user, data.draw(st.sampled_from(QUESTIONS))))
    message = IncomingMessage(answer, user, chat.dm_place(user), message_id="typed")
    before = len(chat.sent)
    typed_bot.run(asyncio.wait_for(bot.handle_message(message), 20))
    for reply in chat.sent[before:]:
        assert "something went wrong on my side" not in reply.text, (answer, reply.text)


def _fields(cls) -> list[tuple[str, typing.Any]]:
    hints = typing.get_type_hints(cls)
    return [(f.name, hints[f.name]) for f in dataclasses.fields(cls) if f.name != "source"]


SECTIONS = {name: tp for name, tp in _fields(Settings)}
WRONG = st.one_of(
    st.integers(),
    st.booleans(),
    st.floats(allow_nan=False),
    st.text(max_size=10),
    st.lists(st.integers(), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(), max_size=2),
    st.lists(st.lists(st.lists(st.integers(), max_size=2), max_size=2), max_size=2),
)


def _section_class(tp):
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    inner = args[0] if args else tp
    return typing.get_args(inner)[0] if typing.get_origin(inner) is list else inner


@st.composite
def hostile_config(draw):
    """A config whose every section and field may hold a value of any type (the right one or not)."""
    raw = {}
    for section, tp in SECTIONS.items():
        if not draw(st.booleans()):
            continue
        cls = _section_class(tp)
        table = {name: draw(WRONG) for name, _ in _fields(cls) if draw(st.booleans())}
        raw[section] = (
            [table] if typing.get_origin(tp) is list else draw(st.sampled_from([table, draw(WRONG)]))
        )
    return raw


@settings(max_examples=300, deadline=None)
@given(hostile_config())
def test_every_config_field_of_every_type_gives_a_problem_list_or_settings(raw):
    try:
        settings_ = parse_settings(raw, env={})
    except ConfigError as error:
        assert error.problems and all(isinstance(p, str) and p for p in error.problems)
        assert error.report().startswith("config has")
    else:
        assert isinstance(settings_, Settings)


def test_every_field_type_is_exercised():
    """The strategy above covers every field of every section (a new one is covered without edits)."""
    kinds = {tp for section in SECTIONS.values() for _, tp in _fields(_section_class(section))}
    assert {str, bool, list[str]} <= kinds, kinds


@pytest.mark.parametrize(
    "content",
    [
        b'[community]\nname = "\xff\xfe"\n',
        b"x = " + b"[" * 5000 + b"]" * 5000,
        b"[matrix\n",
        b"[community]\ntimezone = 5\ncountry = [1]\n[logging]\nlevel = 3\n[matrix]\nhomeserver = 1\n",
        b"\x00\x01\x02",
        b"[[communities]]\nname = 1\nmoderators = [[1]]\n",
    ],
)
def test_config_check_lists_problems_for_malformed_files(tmp_path, content):
    path = tmp_path / "kindred.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as raised:
        load_settings(path, env={})
    assert raised.value.problems
    assert "Traceback" not in raised.value.report()
