"""Curating a community's prompts: add, edit, retire, list, import, export, and the suggestion queue.

A mixin of MindfulnessCog (kept apart so each module stays readable). Every change a moderator makes
is written to the log that `!prompts log` shows.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from typing import TYPE_CHECKING

from bot.commands import Access, ArgumentError, Context, Param, ParamType, command
from bot.files import read_text_file
from bot.model import Content, FileAttachment
from bot.params import whole_number
from bot.text import plural, quote_member_name, quote_member_text, timestamp
from cogs.mindfulness import render
from cogs.mindfulness.library import Prompt, category_help, normalise_category, unique_slug
from cogs.mindfulness.similarity import near_duplicates, similarity
from cogs.mindfulness.transfer import check_entry, export_json, export_toml, format_problems, parse_import

if TYPE_CHECKING:
    from bot.services import BotServices
    from cogs.mindfulness.store import MindfulnessStore

FIELDS_HELP = "Title | the prompt text | an optional question for the group | optional minutes"
SEALED = "mindfulness.suggestion"
LIST_LIMIT = 30
DUPLICATE_CHECK_LIMIT = 200
EDITABLE = ("title", "text", "follow_up", "duration", "category")


def _fields_entry(text: str, category: str | None) -> dict:
    """ "Title | text | follow-up | minutes" -> the keys of an import entry (checked by check_entry)."""
    parts = [part.strip() for part in text.split("|")]
    if len(parts) < 2:
        raise ArgumentError(f"Write the prompt as: {FIELDS_HELP}")
    entry: dict = {"title": parts[0], "text": parts[1], "category": category}
    if len(parts) > 2 and parts[2]:
        entry["follow_up"] = parts[2]
    if len(parts) > 3 and parts[3]:
        if (minutes := whole_number(parts[3])) is None:
            raise ArgumentError(f"The minutes must be a number, like 3. Write: {FIELDS_HELP}")
        entry["duration"] = minutes
    if len(parts) > 4:
        raise ArgumentError(f"Too many | separators. Write: {FIELDS_HELP}")
    return entry


def _title_from(text: str) -> str:
    first = re.split(r"(?<=[.?!])\s", text.strip(), maxsplit=1)[0]
    return first if len(first) <= 60 else first[:57].rsplit(" ", 1)[0] + "…"


class CurationMixin:
    # What this mixin uses of MindfulnessCog:
    bot: BotServices
    name: str
    store: MindfulnessStore
    _credit: dict[int, bool]

    # --- prompts ----------------------------------------------------------------------------------

    @command(
        "prompts add",
        access=Access.MODERATOR,
        private=True,
        params=[
            Param("category", ParamType.WORD, help=category_help()),
            Param("prompt", ParamType.TEXT, help=FIELDS_HELP, max_length=2000),
        ],
        examples=[
            "!prompts add gratitude Morning light | Notice the first light you see today. | What did you see? | 2"
        ],
    )
    async def prompt_add(self, ctx: Context, category: str, prompt: str) -> None:
        """Add a prompt to this community's library."""
        new = await self._checked(ctx, _fields_entry(prompt, category), origin="custom")
        library = await self.store.library(ctx.community.id)
        new = new.with_changes(id=unique_slug(new.id, set(library)))
        await self.store.save_prompts(ctx.community.id, [new])
        await self.store.log(ctx.community.id, ctx.author.key, ctx.author.name, "added prompt", new.id)
        await ctx.reply(f"Added `{new.id}`.{await self._duplicate_note(ctx, new)}")

    @command(
        "prompts edit",
        access=Access.MODERATOR,
        private=True,
        params=[
            Param("prompt", ParamType.WORD, help="prompt id"),
            Param("field", ParamType.CHOICE, choices=EDITABLE),
            Param(
                "value",
                ParamType.TEXT,
                help="the new value; 'none' clears follow_up or duration",
                max_length=2000,
            ),
        ],
        examples=["!prompts edit breathing-box follow_up How did the last round feel?"],
    )
    async def prompt_edit(self, ctx: Context, prompt: str, field: str, value: str) -> None:
        """Change one field of a prompt (built-in prompts are changed for this community only)."""
        current = await self._prompt(ctx, prompt)
        entry = {
            "id": current.id,
            "title": current.title,
            "text": current.text,
            "category": current.category,
            "follow_up": current.follow_up,
            "duration": current.duration,
            "retired": current.retired,
        }
        cleared = value.strip().lower() == "none" and field in ("follow_up", "duration")
        if field == "duration" and not cleared:
            if (minutes := whole_number(value)) is None:
                raise ArgumentError("The duration is a number of minutes, like 3 (or none)")
            entry[field] = minutes
        else:
            entry[field] = None if cleared else value
        updated = await self._checked(
            ctx,
            {k: v for k, v in entry.items() if v is not None},
            origin=current.origin if current.origin != "builtin" else "edited",
        )
        await self.store.save_prompts(ctx.community.id, [updated.with_changes(credit=current.credit)])
        await self.store.log(
            ctx.community.id, ctx.author.key, ctx.author.name, "edited prompt", f"{current.id} ({field})"
        )
        await ctx.reply(f"Updated the {field.replace('_', '-')} of `{current.id}`.")

    @command(
        "prompts retire",
        access=Access.MODERATOR,
        private=True,
        params=[Param("prompt", ParamType.WORD, help="prompt id")],
    )
    async def prompt_retire(self, ctx: Context, prompt: str) -> None:
        """Stop using a prompt (it stays in the list as retired and can be restored)."""
        await self._set_retired(ctx, prompt, True)

    @command(
        "prompts restore",
        access=Access.MODERATOR,
        private=True,
        params=[Param("prompt", ParamType.WORD, help="prompt id")],
    )
    async def prompt_restore(self, ctx: Context, prompt: str) -> None:
        """Bring a retired prompt back into the rotation."""
        await self._set_retired(ctx, prompt, False)

    async def _set_retired(self, ctx: Context, prompt_id: str, retired: bool) -> None:
        current = await self._prompt(ctx, prompt_id)
        origin = current.origin if current.origin != "builtin" else "edited"
        await self.store.save_prompts(
            ctx.community.id, [current.with_changes(retired=retired, origin=origin)]
        )
        action = "retired prompt" if retired else "restored prompt"
        await self.store.log(ctx.community.id, ctx.author.key, ctx.author.name, action, current.id)
        await ctx.reply(f"`{current.id}` is {'retired' if retired else 'back in the rotation'}.")

    @command(
        "prompts list",
        access=Access.MODERATOR,
        private=True,
        params=[
            Param("search", ParamType.TEXT, required=False, help="a category, 'retired', or words to find")
        ],
        examples=[
            "!prompts list",
            "!prompts list gratitude",
            "!prompts list sleep routine",
            "!prompts list retired",
        ],
    )
    async def prompt_list(self, ctx: Context, search: str | None = None) -> None:
        """List this community's prompts, or search them by category or words."""
        prompts = list((await self.store.library(ctx.community.id)).values())
        if search:
            words = search.lower().split()
            wants_retired = "retired" in words
            words = [w for w in words if w != "retired"]
            category = normalise_category(" ".join(words)) if words else None
            if category:
                prompts = [p for p in prompts if p.category == category]
            elif words:
                prompts = [
                    p
                    for p in prompts
                    if all(w in f"{p.id} {p.title} {p.text} {p.follow_up or ''}".lower() for w in words)
                ]
            if wants_retired:
                prompts = [p for p in prompts if p.retired]
        if not prompts:
            await ctx.reply(
                f"No prompt matches '{search}'. Try a category ({category_help()}) or fewer words."
            )
            return
        counts = Counter(p.retired for p in prompts)
        lines = [render.list_line(p) for p in prompts[:LIST_LIMIT]]
        if len(prompts) > LIST_LIMIT:
            lines.append(f"…and {len(prompts) - LIST_LIMIT} more. Narrow it with a category or words.")
        await ctx.reply(
            Content(
                title=f"{plural(len(prompts), 'prompt')} ({counts[False]} active, {counts[True]} retired)",
                text="\n".join(lines),
                footer="See one in full with !prompts show ID.",
            )
        )

    @command("prompts show", access=Access.MODERATOR, private=True, params=[Param("prompt", ParamType.WORD)])
    async def prompt_show(self, ctx: Context, prompt: str) -> None:
        """Show one prompt in full."""
        await ctx.reply(render.full(await self._prompt(ctx, prompt)))

    # --- import and export ------------------------------------------------------------------------

    @command(
        "prompts import",
        access=Access.MODERATOR,
        private=True,
        params=[
            Param(
                "file",
                ParamType.TEXT,
                required=False,
                max_length=200_000,
                help="TOML or JSON pasted here, or attach a .toml/.json file",
            )
        ],
        examples=["!prompts import (with a prompts.toml file attached)"],
        file="a .toml or .json prompts file (from !prompts export)",
    )
    async def prompt_import(self, ctx: Context, file: str | None = None) -> None:
        """Import prompts from a TOML or JSON file (attached or pasted). Nothing is imported if any line is wrong."""
        if ctx.attachments:
            attached = ctx.attachments[0]
            data = await read_text_file(
                attached,
                instead="the prompts as a .toml or .json file (`!prompts "
                "export` gives one to edit), or paste them after the command",
            )
            result = parse_import(data, attached.filename)
        elif file:
            result = parse_import(file)
        else:
            raise ArgumentError(
                f"Attach a .toml or .json file to the command, or paste the file after it. "
                f"{ctx.attach_hint}`!prompts export` gives a file in the right shape"
            )
        if not result.ok:
            await ctx.reply(
                Content(
                    title="Nothing was imported",
                    text=format_problems(result.problems),
                    footer="Fix these lines and import the whole file again.",
                )
            )
            return
        library = await self.store.library(ctx.community.id)
        updated = [p.id for p in result.prompts if p.id in library]
        # Flag look-alikes among the first new prompts only: the check is quadratic and only advisory.
        flagged = [
            p.id
            for p in result.prompts[:DUPLICATE_CHECK_LIMIT]
            if p.id not in library
            and near_duplicates(p.text, ((q.id, q.text, q.follow_up) for q in library.values()))
        ]
        await self.store.save_prompts(ctx.community.id, list(result.prompts))
        detail = f"{len(result.prompts)} from a {result.format.upper()} file ({len(updated)} updated)"
        await self.store.log(ctx.community.id, ctx.author.key, ctx.author.name, "imported prompts", detail)
        text = f"{len(result.prompts) - len(updated)} new, {len(updated)} updated."
        if flagged:
            text += (
                f"\nThese look like prompts you already have: {', '.join(f'`{i}`' for i in flagged[:10])}."
            )
        await ctx.reply(Content(title=f"Imported {plural(len(result.prompts), 'prompt')}", text=text))

    @command(
        "prompts export",
        access=Access.MODERATOR,
        private=True,
        params=[Param("format", ParamType.CHOICE, choices=("toml", "json"), required=False)],
    )
    async def prompt_export(self, ctx: Context, format: str | None = None) -> None:
        """Export this community's prompts (retired ones too) as a TOML or JSON file."""
        prompts = list((await self.store.library(ctx.community.id)).values())
        kind = format or "toml"
        data = export_json(prompts) if kind == "json" else export_toml(prompts)
        mime = "application/json" if kind == "json" else "application/toml"
        await self.store.log(ctx.community.id, ctx.author.key, ctx.author.name, "exported prompts", kind)
        await ctx.reply(
            Content(
                text=f"{plural(len(prompts), 'prompt')}, ready to edit and import again.",
                files=[FileAttachment(f"prompts.{kind}", data.encode(), mime)],
            )
        )

    # --- settings and the log ---------------------------------------------------------------------

    @command(
        "prompts credit",
        access=Access.MODERATOR,
        private=True,
        params=[Param("setting", ParamType.CHOICE, choices=("on", "off"))],
    )
    async def credit_setting(self, ctx: Context, setting: str) -> None:
        """Show (on) or hide (off) the names of members whose suggestions became prompts."""
        await self.bot.community_settings(ctx.community.id, self.name).set("credit", setting == "on")
        self._credit[ctx.community.id] = setting == "on"
        await self.store.log(ctx.community.id, ctx.author.key, ctx.author.name, "set credit", setting)
        shown = "shown under their prompts (when they chose to be named)" if setting == "on" else "not shown"
        await ctx.reply(f"Suggesters' names are now {shown}.")

    @command(
        "prompts log",
        access=Access.MODERATOR,
        private=True,
        params=[Param("count", ParamType.INTEGER, required=False, min=1, max=100)],
    )
    async def prompt_log(self, ctx: Context, count: int | None = None) -> None:
        """Recent posts and moderator changes: who, what, when."""
        limit = count or 20
        entries = [
            (row["at"], quote_member_name(row["actor_name"], 80), row["action"], row["detail"])
            for row in await self.store.recent_log(ctx.community.id, limit)
        ]
        for schedule in await self.store.schedules(ctx.community.id):
            entries += [
                (at, f"schedule #{schedule.id}", how, prompt_id)
                for at, prompt_id, how in schedule.recent
                if how != "posted now"
            ]
        if not entries:
            await ctx.reply("Nothing has happened yet.")
            return
        entries.sort(key=lambda entry: entry[0], reverse=True)
        lines = [
            f"{timestamp(datetime.fromisoformat(at), 'f')}: **{actor}** "
            f"{action} {quote_member_text(detail, 200, markdown=True)}"
            for at, actor, action, detail in entries[:limit]
        ]
        await ctx.reply(Content(title="Mindfulness log", text="\n".join(lines)))

    # --- helpers ----------------------------------------------------------------------------------

    async def _prompt(self, ctx: Context, prompt_id: str) -> Prompt:
        library = await self.store.library(ctx.community.id)
        key = prompt_id.strip().strip("`").lower()
        if key in library:
            return library[key]
        close = [p for p in library if key in p][:3]
        hint = f" Did you mean {', '.join(f'`{c}`' for c in close)}?" if close else " See `!prompts list`."
        raise ArgumentError(f"There is no prompt `{prompt_id}`.{hint}")

    async def _checked(self, ctx: Context, entry: dict, origin: str) -> Prompt:
        prompt, problems = check_entry(entry, "the prompt")
        if problems or prompt is None:
            raise ArgumentError(" ".join(problems).replace("the prompt: ", "") + f" Write: {FIELDS_HELP}")
        return prompt.with_changes(origin=origin)

    async def _duplicate_note(self, ctx: Context, prompt: Prompt) -> str:
        library = await self.store.library(ctx.community.id)
        matches = near_duplicates(
            prompt.text, ((p.id, p.text, p.follow_up) for p in library.values() if p.id != prompt.id)
        )
        return f" It looks close to `{matches[0].prompt_id}`; retire one if they repeat." if matches else ""

    async def _guess_category(self, community_id: int, text: str) -> str:
        prompts = await self.store.active(community_id)
        best = max(prompts, key=lambda p: max(similarity(text, p.text), similarity(text, p.follow_up or "")))
        return best.category

    # --- members' data ----------------------------------------------------------------------------

    async def export_member_data(self, member_id: int) -> dict:
        suggestions = [
            {
                "id": row["id"],
                "text": self.bot.vault.open(row["text"], SEALED),
                "status": row["status"],
                "moderator_note": self.bot.vault.open_optional(row["note"], SEALED),
                "prompt": row["prompt_id"],
                "wants_credit": bool(row["wants_credit"]),
                "credited_as": self.bot.vault.open_optional(row["credit_name"], SEALED),
                "suggested_at": row["created_at"],
                "decided_at": row["decided_at"],
            }
            for row in await self.store.suggestions_of(member_id)
        ]
        keys = [user.key for user in await self.bot.members.identities(member_id)]
        actions = [dict(row) for row in await self.store.log_entries_by(keys)]
        data: dict = {}
        if suggestions:
            data["suggestions"] = suggestions
        if credited := await self.store.credited_prompts(member_id):
            data["prompts_credited_to_you"] = credited
        if actions:
            data["moderator_actions"] = actions
        return data

    async def delete_member_data(self, member_id: int) -> None:
        # A prompt approved as they wrote it is their words and leaves with them; one a moderator
        # rewrote is the moderator's (it only loses its credit).
        in_their_words = []
        for row in await self.store.suggestions_of(member_id):
            if row["status"] == "approved" and row["prompt_id"]:
                prompt = (await self.store.library(row["community_id"])).get(row["prompt_id"])
                original = " ".join(self.bot.vault.open(row["text"], SEALED).split())
                if (
                    prompt is not None
                    and original
                    and original in " ".join(f"{prompt.title} {prompt.text}".split())
                ):
                    in_their_words.append((row["community_id"], row["prompt_id"]))
        await self.store.delete_suggestions_of(member_id, in_their_words)
        await self.store.clear_credit(member_id)

    async def forget_identities(self, users) -> int:
        return await self.store.anonymise_log([user.key for user in users])
