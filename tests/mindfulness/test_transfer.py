"""Import files: checked line by line, all or nothing; exports read back the same."""

import json

from cogs.mindfulness.library import Prompt, builtin_prompts
from cogs.mindfulness.transfer import (
    detect_format,
    export_json,
    export_toml,
    format_problems,
    parse_import,
)

GOOD_TOML = '''
[[prompts]]
title = "Morning check"
category = "grounding"
text = """Notice three sounds around you
before you pick up your phone."""
follow_up = "What did you hear?"
duration = 2

[[prompts]]
id = "evening-thanks"
title = "Evening thanks"
category = "Gratitude"
text = "Name one person who made today a little easier."
'''


def test_good_toml_imports_with_ids_made_from_titles_and_categories_normalised():
    result = parse_import(GOOD_TOML.encode(), "prompts.toml")
    assert result.ok, result.problems
    first, second = result.prompts
    assert first.id == "morning-check" and first.duration == 2 and first.follow_up == "What did you hear?"
    assert second.id == "evening-thanks" and second.category == "gratitude"


def test_bad_toml_reports_every_problem_with_its_line_and_imports_nothing():
    text = """[[prompts]]
title = "Fine"
category = "breathing"
text = "Breathe in, and breathe out slowly."

[[prompts]]
title = "No category"
text = "Some text that is long enough."

[[prompts]]
title = "Odd duration"
category = "cooking"
text = "short"
duration = 90
folow_up = "typo?"
"""
    result = parse_import(text, None)
    assert result.prompts == ()
    lines = {problem.line for problem in result.problems}
    assert lines == {6, 10}
    joined = format_problems(result.problems)
    assert "line 6: prompt 2 ('No category'): `category` is missing" in joined
    assert "category 'cooking' is not one I know; use one of breathing" in joined
    assert "`text` is too short" in joined
    assert "`duration` must be a whole number of minutes from 1 to 60" in joined
    assert "unknown key(s) folow_up" in joined


def test_toml_syntax_error_names_the_line():
    result = parse_import('[[prompts]]\ntitle = "unterminated\ncategory = "sleep"\n')
    assert not result.ok and result.prompts == ()
    assert result.problems[0].line == 2
    assert "not valid TOML" in result.problems[0].message


def test_table_headers_inside_multiline_strings_do_not_shift_line_numbers():
    text = '''[[prompts]]
title = "Quoted header"
category = "sleep"
text = """A text that mentions
[[prompts]]
on a line of its own."""

[[prompts]]
title = "x"
category = "sleep"
text = "Long enough text here."
'''
    result = parse_import(text)
    assert [problem.line for problem in result.problems] == [8]


def test_json_list_and_object_forms_and_element_lines():
    entries = [
        {"title": "One", "category": "sleep", "text": "Rest your eyes for a minute."},
        {"title": "Two", "category": "nap", "text": 'Close your eyes, "quoted" [not a list].'},
        "just a string",
    ]
    as_object = json.dumps({"prompts": entries}, indent=2)
    result = parse_import(as_object, "mine.json")
    assert result.format == "json" and result.prompts == ()
    assert [problem.line for problem in result.problems] == [8, 13]
    assert "category 'nap'" in result.problems[0].message
    assert "prompt 3 is not a table" in result.problems[1].message
    good = parse_import(json.dumps(entries[:1]).encode())
    assert good.ok and good.prompts[0].id == "one"


def test_broken_and_wrongly_shaped_files_get_a_kind_explanation():
    cases = {
        b"": "The file is empty",
        b"\xff\xfe\x00": "not UTF-8",
        b'{"prompts": [ {"title": "x",} ]}': "not valid JSON",
        b'{"items": []}': 'must be {"prompts": [...]}',
        b"title = 'x'": "no [[prompts]] tables",
        b"[prompts]\ntitle = 'x'": "must be a list of tables",
        b"[]": "no prompts",
    }
    for data, expected in cases.items():
        result = parse_import(data)
        assert not result.ok and expected in str(result.problems[0]), (data, result.problems)


def test_duplicate_ids_in_one_file_are_refused():
    text = json.dumps(
        [
            {"id": "same", "title": "Alpha", "category": "sleep", "text": "Rest well tonight."},
            {"id": "same", "title": "Beta", "category": "sleep", "text": "Rest well again."},
        ]
    )
    result = parse_import(text)
    assert not result.ok and "used twice" in result.problems[0].message


def test_bad_ids_and_types_are_refused():
    text = json.dumps(
        [
            {"id": "Has Spaces", "title": "A", "category": "sleep", "text": "Rest well tonight."},
            {"title": 5, "category": "sleep", "text": ["list"]},
            {
                "title": "B",
                "category": "sleep",
                "text": "Rest well tonight.",
                "retired": "yes",
                "duration": True,
            },
        ]
    )
    result = parse_import(text)
    messages = " ".join(problem.message for problem in result.problems)
    assert "lowercase letters, digits and dashes" in messages
    assert "`title` must be text in quotes" in messages
    assert "`retired` must be true or false" in messages
    assert "`duration` must be a whole number" in messages


def test_pasted_text_in_a_code_fence_is_read():
    fenced = "```toml\n" + GOOD_TOML.strip() + "\n```"
    assert parse_import(fenced).ok


def test_format_detection():
    assert detect_format("[[prompts]]\n") == "toml"
    assert detect_format('[ {"title": 1} ]') == "json"
    assert detect_format("{}") == "json"
    assert detect_format("anything", "x.JSON") == "json"


def test_exports_read_back_identically_in_both_formats():
    prompts = list(builtin_prompts()[:20]) + [
        Prompt(
            "tricky",
            "sleep",
            'Quotes "and" \\ backslashes',
            "Line one\n\nLine two with ünïcode and \t tab.",
            follow_up="Why?",
            duration=3,
            retired=True,
            origin="custom",
        )
    ]
    for text, filename in ((export_toml(prompts), "out.toml"), (export_json(prompts), "out.json")):
        result = parse_import(text.encode(), filename)
        assert result.ok, result.problems
        assert [prompt.with_changes(origin="x") for prompt in result.prompts] == [
            prompt.with_changes(origin="x") for prompt in prompts
        ]


def test_the_whole_file_is_limited_in_size_and_count():
    big = json.dumps(
        [{"title": f"T{n}", "category": "sleep", "text": "Rest well tonight."} for n in range(1001)]
    )
    assert "at most 1000" in parse_import(big).problems[0].message
    assert "too large" in parse_import(b" " * (600 * 1024)).problems[0].message
