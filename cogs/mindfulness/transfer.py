"""Import and export of prompt files (TOML or JSON), validated line by line, all or nothing.

Pure code. `parse_import` returns either every prompt in the file or no prompt and a list of
problems, each with the line it is on, so a moderator can fix the file and try again without
half an import left behind.

Accepted shapes (the same as `export` writes):
    TOML:  [[prompts]] tables            JSON:  {"prompts": [ {...}, ... ]}  or  [ {...}, ... ]
Keys: id (optional, made from the title), category, title, text, follow_up, duration, retired.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from typing import Any

from cogs.mindfulness.library import (
    CATEGORIES,
    DURATION_MAX,
    FOLLOW_UP_MAX,
    ID_MAX,
    ID_PATTERN,
    TEXT_MAX,
    TEXT_MIN,
    TITLE_MAX,
    Prompt,
    category_help,
    normalise_category,
    slugify,
)

MAX_PROMPTS_PER_FILE = 1000
MAX_FILE_BYTES = 512 * 1024
MAX_ERRORS_SHOWN = 15
KNOWN_KEYS = ("id", "category", "title", "text", "follow_up", "duration", "retired")
_TOML_TABLE = re.compile(r"^\s*\[\[\s*prompts\s*\]\]\s*(#.*)?$")
_TOML_LINE_IN_ERROR = re.compile(r"\(at line (\d+), column (\d+)\)")
_FENCE = re.compile(r"^\s*```[a-zA-Z]*\s*\n(.*?)\n\s*```\s*$", re.DOTALL)


@dataclass(frozen=True)
class Problem:
    line: int | None
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


@dataclass(frozen=True)
class ImportResult:
    prompts: tuple[Prompt, ...]
    problems: tuple[Problem, ...]
    format: str

    @property
    def ok(self) -> bool:
        return not self.problems


def strip_code_fence(text: str) -> str:
    """Pasted text often arrives wrapped in ```toml ... ```; the fence is not part of the file."""
    match = _FENCE.match(text)
    return match[1] if match else text


def detect_format(text: str, filename: str | None = None) -> str:
    """ "json" or "toml", from the file name if there is one, else from the first characters."""
    if filename:
        lowered = filename.lower()
        if lowered.endswith(".json"):
            return "json"
        if lowered.endswith(".toml"):
            return "toml"
    stripped = text.lstrip()
    if stripped.startswith("{") or re.match(r"\[\s*(\{|\])", stripped):
        return "json"
    return "toml"


def parse_import(data: bytes | str, filename: str | None = None) -> ImportResult:
    """Read and check a whole file. On any problem, `prompts` is empty."""
    if isinstance(data, bytes):
        if len(data) > MAX_FILE_BYTES:
            return _fail("file", f"The file is too large ({len(data) // 1024} KiB); the limit is 512 KiB.")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            return _fail(
                "file", f"The file is not UTF-8 text (byte {error.start}). Save it as UTF-8 and try again."
            )
    else:
        text = data
    text = strip_code_fence(text)
    if not text.strip():
        return _fail("file", "The file is empty. Export the current prompts to see the expected layout.")
    kind = detect_format(text, filename)
    entries, lines, problem = _read_json(text) if kind == "json" else _read_toml(text)
    if problem:
        return ImportResult((), (problem,), kind)
    return _validate(entries, lines, kind)


def _fail(kind: str, message: str, line: int | None = None) -> ImportResult:
    return ImportResult((), (Problem(line, message),), kind)


def _read_toml(text: str) -> tuple[list[Any], list[int | None], Problem | None]:
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        found = _TOML_LINE_IN_ERROR.search(str(error))
        reason = _TOML_LINE_IN_ERROR.sub("", str(error)).strip()
        return [], [], Problem(int(found[1]) if found else None, f"this is not valid TOML: {reason}")
    extra = sorted(set(document) - {"prompts"})
    if "prompts" not in document:
        return (
            [],
            [],
            Problem(None, "no [[prompts]] tables found. Each prompt starts with a line [[prompts]]."),
        )
    if extra:
        return (
            [],
            [],
            Problem(None, f"unexpected top-level key(s): {', '.join(extra)}. Only [[prompts]] is read."),
        )
    entries = document["prompts"]
    if not isinstance(entries, list):
        return [], [], Problem(None, "`prompts` must be a list of tables: write [[prompts]] (two brackets).")
    return entries, _toml_table_lines(text), None


def _toml_table_lines(text: str) -> list[int | None]:
    """Line number of each [[prompts]] header, skipping text inside multi-line strings."""
    lines: list[int | None] = []
    open_quote: str | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        if open_quote is None and _TOML_TABLE.match(line):
            lines.append(number)
        for quote in ('"""', "'''"):
            if (open_quote in (None, quote)) and line.count(quote) % 2 == 1:
                open_quote = None if open_quote == quote else quote
    return lines


def _read_json(text: str) -> tuple[list[Any], list[int | None], Problem | None]:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        return [], [], Problem(error.lineno, f"this is not valid JSON: {error.msg} (column {error.colno})")
    if isinstance(document, dict):
        extra = sorted(set(document) - {"prompts"})
        if "prompts" not in document or extra:
            return [], [], Problem(None, 'a JSON file must be {"prompts": [...]} or a list of prompts.')
        entries, depth_prefix = document["prompts"], "{["
    elif isinstance(document, list):
        entries, depth_prefix = document, "["
    else:
        return [], [], Problem(None, 'a JSON file must be {"prompts": [...]} or a list of prompts.')
    if not isinstance(entries, list):
        return [], [], Problem(None, '"prompts" must be a list: "prompts": [ {...}, {...} ].')
    return entries, _json_element_lines(text, depth_prefix), None


def _json_element_lines(text: str, container_prefix: str) -> list[int | None]:
    """Line on which each element of the prompts list starts (the text is already known to be valid).

    Walks the text tracking brackets outside strings; an element starts at the first non-space
    character after the list's "[" or after a "," directly inside the list.
    """
    lines: list[int | None] = []
    stack: list[str] = []
    line, in_string, escaped, expecting = 1, False, False, False
    for char in text:
        if char == "\n":
            line += 1
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
            continue
        if expecting and not char.isspace():
            expecting = False
            if char != "]":
                lines.append(line)
        if char == '"':
            in_string = True
        elif char in "{[":
            stack.append(char)
            expecting = "".join(stack) == container_prefix
        elif char in "}]":
            stack.pop()
        elif char == "," and "".join(stack) == container_prefix:
            expecting = True
    return lines


def _validate(entries: list[Any], lines: list[int | None], kind: str) -> ImportResult:
    problems: list[Problem] = []
    prompts: list[Prompt] = []
    if not entries:
        return _fail(kind, "the file has no prompts in it.")
    if len(entries) > MAX_PROMPTS_PER_FILE:
        return _fail(
            kind, f"the file has {len(entries)} prompts; import at most {MAX_PROMPTS_PER_FILE} at a time."
        )
    seen_ids: dict[str, int] = {}
    for index, entry in enumerate(entries):
        line = lines[index] if index < len(lines) else None
        label = f"prompt {index + 1}"
        if not isinstance(entry, dict):
            problems.append(Problem(line, f"{label} is not a table of keys (title, text, category...)."))
            continue
        if isinstance(entry.get("title"), str) and entry["title"].strip():
            label += f" ('{entry['title'].strip()[:40]}')"
        prompt, entry_problems = check_entry(entry, label)
        problems.extend(Problem(line, message) for message in entry_problems)
        if prompt is None:
            continue
        if prompt.id in seen_ids:
            problems.append(
                Problem(line, f"{label}: id '{prompt.id}' is used twice (also prompt {seen_ids[prompt.id]}).")
            )
            continue
        seen_ids[prompt.id] = index + 1
        prompts.append(prompt)
    if problems:
        return ImportResult((), tuple(problems), kind)
    return ImportResult(tuple(prompts), (), kind)


def _text_field(
    entry: dict,
    key: str,
    label: str,
    problems: list[str],
    *,
    required: bool,
    minimum: int,
    maximum: int,
    single_line: bool = False,
) -> str | None:
    value = entry.get(key)
    if value is None:
        if required:
            problems.append(f"{label}: `{key}` is missing.")
        return None
    if not isinstance(value, str):
        problems.append(f"{label}: `{key}` must be text in quotes.")
        return None
    value = value.strip()
    if required and not value:
        problems.append(f"{label}: `{key}` is empty.")
        return None
    if value and len(value) < minimum:
        problems.append(f"{label}: `{key}` is too short; write at least {minimum} characters.")
    if len(value) > maximum:
        problems.append(f"{label}: `{key}` is {len(value)} characters; keep it under {maximum}.")
    if single_line and "\n" in value:
        problems.append(f"{label}: `{key}` must be a single line.")
    return value or None


def check_entry(entry: dict, label: str) -> tuple[Prompt | None, list[str]]:
    problems: list[str] = []
    unknown = sorted(set(entry) - set(KNOWN_KEYS))
    if unknown:
        problems.append(
            f"{label}: unknown key(s) {', '.join(unknown)}; the keys are {', '.join(KNOWN_KEYS)}."
        )
    title = _text_field(
        entry, "title", label, problems, required=True, minimum=2, maximum=TITLE_MAX, single_line=True
    )
    text = _text_field(entry, "text", label, problems, required=True, minimum=TEXT_MIN, maximum=TEXT_MAX)
    follow_up = _text_field(
        entry, "follow_up", label, problems, required=False, minimum=3, maximum=FOLLOW_UP_MAX
    )
    category = None
    raw_category = entry.get("category")
    if raw_category is None:
        problems.append(f"{label}: `category` is missing; use one of {category_help()}.")
    elif not isinstance(raw_category, str) or normalise_category(raw_category) is None:
        problems.append(
            f"{label}: category '{raw_category}' is not one I know; use one of {category_help()}."
        )
    else:
        category = normalise_category(raw_category)
    duration = entry.get("duration")
    if duration is not None and (
        isinstance(duration, bool) or not isinstance(duration, int) or not 1 <= duration <= DURATION_MAX
    ):
        problems.append(f"{label}: `duration` must be a whole number of minutes from 1 to {DURATION_MAX}.")
    retired = entry.get("retired", False)
    if not isinstance(retired, bool):
        problems.append(f"{label}: `retired` must be true or false.")
    prompt_id = entry.get("id")
    if prompt_id is None and title:
        prompt_id = slugify(title)
    elif prompt_id is not None and (
        not isinstance(prompt_id, str) or len(prompt_id) > ID_MAX or not ID_PATTERN.match(prompt_id)
    ):
        problems.append(
            f"{label}: id '{prompt_id}' must be lowercase letters, digits and dashes, like box-breathing."
        )
    if problems or not (title and text and category and prompt_id):
        return None, problems
    return Prompt(
        id=prompt_id,
        category=category,
        title=title,
        text=text,
        follow_up=follow_up,
        duration=duration,
        retired=retired,
        origin="import",
    ), []


def _export_entry(prompt: Prompt) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "id": prompt.id,
        "category": prompt.category,
        "title": prompt.title,
        "text": prompt.text,
    }
    if prompt.follow_up:
        entry["follow_up"] = prompt.follow_up
    if prompt.duration:
        entry["duration"] = prompt.duration
    if prompt.retired:
        entry["retired"] = True
    return entry


def export_json(prompts: list[Prompt]) -> str:
    return (
        json.dumps({"prompts": [_export_entry(prompt) for prompt in prompts]}, indent=2, ensure_ascii=False)
        + "\n"
    )


def _toml_string(value: str) -> str:
    # json.dumps gives a valid TOML basic string (same escapes) for any text
    return json.dumps(value, ensure_ascii=False)


def export_toml(prompts: list[Prompt]) -> str:
    blocks = [
        "# Kindred mindfulness prompts. Edit and import again with the prompts import command.\n"
        f"# Categories: {', '.join(CATEGORIES)}\n"
    ]
    for prompt in prompts:
        lines = ["[[prompts]]"]
        for key, value in _export_entry(prompt).items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f"{key} = {_toml_string(value)}")
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def format_problems(problems: tuple[Problem, ...] | list[Problem]) -> str:
    """The problems as a short list for a chat reply (the first few, then how many more)."""
    shown = [f"- {problem}" for problem in problems[:MAX_ERRORS_SHOWN]]
    if len(problems) > MAX_ERRORS_SHOWN:
        shown.append(f"- ...and {len(problems) - MAX_ERRORS_SHOWN} more")
    return "\n".join(shown)
