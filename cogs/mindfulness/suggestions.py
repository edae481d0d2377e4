"""Members suggest prompts; moderators approve (as written or edited) or reject with a note.

A suggestion is stored only after its author agreed to the mindfulness consent statement; until then
it is held in memory so the member does not have to type it again. The text is sealed at rest.
A near-duplicate of an existing prompt is flagged for the moderators, not refused.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.commands import Access, ArgumentError, Context, Param, ParamType, command, on_choice
from bot.model import Choice, Content
from bot.params import whole_number
from bot.text import plural, quote_member_text
from cogs.mindfulness.curation import FIELDS_HELP, SEALED, CurationMixin, _fields_entry, _title_from
from cogs.mindfulness.library import (
    TEXT_MAX,
    TEXT_MIN,
    category_help,
    category_label,
    normalise_category,
    slugify,
    unique_slug,
)
from cogs.mindfulness.similarity import near_duplicates

HELD_LIMIT = 500
STATUS_WORDS = {
    "pending": "waiting for the moderators",
    "approved": "added to the prompts",
    "rejected": "not added",
}


# Stored items are bounded: a member's suggestions waiting for review, and a community's.
PENDING_PER_MEMBER = 10
PENDING_PER_COMMUNITY = 300


class SuggestionsMixin(CurationMixin):
    """Members' suggestions, reviewed with the curation commands it builds on (_checked, _guess_category)."""

    # What this mixin uses of MindfulnessCog:
    feature: str
    consent_statement: str
    _held: dict[str, tuple[int, str]]
    _credit_on: Callable[[int], Awaitable[bool]]

    @command(
        "suggest",
        private=True,
        community=True,
        params=[
            Param("text", ParamType.TEXT, max_length=TEXT_MAX, help="your prompt or question for the group")
        ],
        examples=["!suggest What is one small thing that made you smile this week?"],
    )
    async def suggest(self, ctx: Context, text: str) -> None:
        """Suggest a prompt or question; the moderators review it, and you can follow it with !suggestions."""
        if len(text.strip()) < TEXT_MIN:
            raise ArgumentError(
                f"That is a little short; write at least {TEXT_MIN} characters, like a whole question"
            )
        member_id = await ctx.member_id()
        if member_id is None or not await self.bot.consent.has(member_id, self.feature):
            self._held.pop(ctx.author.key, None)
            self._held[ctx.author.key] = (ctx.community.id, text.strip())
            while len(self._held) > HELD_LIMIT:  # members who never answered: forget the oldest
                self._held.pop(next(iter(self._held)))
            await self.bot.consent.ask(ctx, self.feature, self.consent_statement)
            return
        await self._submit(ctx, member_id, ctx.community.id, text.strip())

    async def on_consent(self, ctx: Context) -> None:
        held = self._held.pop(ctx.author.key, None)
        member_id = await ctx.member_id()
        if held is None or member_id is None:
            await ctx.reply(
                "Thank you, you're in. Suggest a prompt any time with `!suggest TEXT`.", private=True
            )
            return
        await self._submit(ctx, member_id, *held)

    async def on_optout(self, member_id: int) -> None:
        for user in await self.bot.members.identities(member_id):
            self._held.pop(user.key, None)

    async def _submit(self, ctx: Context, member_id: int, community_id: int, text: str) -> None:
        mine, everyone = await self.store.pending_counts(community_id, member_id)
        if mine >= PENDING_PER_MEMBER:
            await ctx.reply(
                f"You have {PENDING_PER_MEMBER} suggestions waiting already. Once the moderators have "
                "looked at them (`!suggestions` shows where they are), send more.",
                private=True,
            )
            return
        if everyone >= PENDING_PER_COMMUNITY:
            await ctx.reply(
                "The moderators have a long list of suggestions to read just now. Please try again "
                "in a few days; nothing was saved.",
                private=True,
            )
            return
        library = await self.store.library(community_id)
        matches = near_duplicates(text, ((p.id, p.text, p.follow_up) for p in library.values()))
        duplicate_of = matches[0].prompt_id if matches else None
        suggestion_id = await self.store.add_suggestion(
            community_id, member_id, self.bot.vault.seal(text, SEALED), duplicate_of
        )
        lines = [
            f"Thank you! Suggestion #{suggestion_id} is with the moderators. "
            "See how it is doing with `!suggestions`."
        ]
        if duplicate_of:
            lines.append(
                f'It looks close to an existing prompt ("{library[duplicate_of].title}"); the moderators '
                "will see that too."
            )
        choices = []
        if await self._credit_on(community_id):
            lines.append("If it is used, should your name be shown with it?")
            choices = [
                Choice(f"mindfulness.credit:yes:{suggestion_id}", "Show my name"),
                Choice(f"mindfulness.credit:no:{suggestion_id}", "Stay anonymous"),
            ]
        await ctx.reply(Content(text="\n".join(lines), choices=choices), private=True)

    @on_choice("mindfulness.credit")
    async def credit_choice(self, ctx: Context, value: str) -> None:
        wants, _, suggestion_id = value.partition(":")
        member_id = await ctx.member_id()
        if member_id is None or whole_number(suggestion_id) is None:
            await ctx.reply("That choice has expired.", private=True)
            return
        # The name they go by here and now: what they chose to be credited as (platform ids are not names).
        name = self.bot.vault.seal(ctx.author.name, SEALED) if wants == "yes" else None
        await self.store.set_credit_wish(int(suggestion_id), member_id, name)
        answer = "Your name will be shown if it is used." if wants == "yes" else "It will stay anonymous."
        await ctx.reply(answer, private=True)

    @command("suggestions", private=True)
    async def my_suggestions(self, ctx: Context) -> None:
        """Your own prompt suggestions and what happened to them."""
        member_id = await ctx.member_id()
        rows = await self.store.suggestions_of(member_id) if member_id is not None else []
        if not rows:
            await ctx.reply("You have no suggestions yet. Suggest one with `!suggest TEXT`.", private=True)
            return
        lines = []
        for row in rows[:20]:
            text = quote_member_text(self.bot.vault.open(row["text"], SEALED), 120)
            line = f"**#{row['id']}** {STATUS_WORDS[row['status']]}: {text}"
            if note := self.bot.vault.open_optional(row["note"], SEALED):
                line += f"\n  Note from the moderators: {quote_member_text(note, 300)}"
            lines.append(line)
        await ctx.reply(Content(title="Your suggestions", text="\n".join(lines)), private=True)

    # --- the moderators' queue --------------------------------------------------------------------

    @command("prompts queue", access=Access.MODERATOR, private=True)
    async def queue(self, ctx: Context) -> None:
        """Suggestions waiting for a decision."""
        rows = await self.store.pending_suggestions(ctx.community.id)
        if not rows:
            await ctx.reply("No suggestions are waiting.")
            return
        lines = []
        for row in rows[:25]:
            text = self.bot.vault.open(row["text"], SEALED)
            guess = category_label(await self._guess_category(ctx.community.id, text))
            flag = f" ⚠️ close to `{row['duplicate_of']}`" if row["duplicate_of"] else ""
            lines.append(f"**#{row['id']}** ({guess}?){flag}: {quote_member_text(text, 400)}")
        await ctx.reply(
            Content(
                title=f"{plural(len(rows), 'suggestion')} waiting",
                text="\n".join(lines),
                footer="!prompts approve ID [CATEGORY] [edited: Title | text | question | minutes] · "
                "!prompts reject ID [note to the member]",
            )
        )

    @command(
        "prompts approve",
        access=Access.MODERATOR,
        private=True,
        params=[
            Param("suggestion", ParamType.INTEGER, min=1),
            Param("category", ParamType.WORD, required=False, help=category_help()),
            Param(
                "edited",
                ParamType.TEXT,
                required=False,
                max_length=2000,
                help=f"to edit before approving: {FIELDS_HELP}",
            ),
        ],
        examples=[
            "!prompts approve 4",
            "!prompts approve 4 gratitude Small joys | What made you smile? | | 2",
        ],
    )
    async def approve(
        self, ctx: Context, suggestion: int, category: str | None = None, edited: str | None = None
    ) -> None:
        """Add a suggestion to the prompts, as written or edited first."""
        row = await self._pending(ctx, suggestion)
        original = self.bot.vault.open(row["text"], SEALED)
        if (
            category is not None and normalise_category(category) is None
        ):  # a first word of the edit, not a category
            edited, category = f"{category} {edited or ''}".strip(), None
        slug = (
            normalise_category(category)
            if category
            else await self._guess_category(ctx.community.id, original)
        )
        if edited and "|" in edited:
            entry = _fields_entry(edited, slug)
        else:
            body = edited or original
            entry = {"title": _title_from(body), "text": body, "category": slug}
        prompt = await self._checked(ctx, entry, origin="suggestion")
        library = await self.store.library(ctx.community.id)
        credit = self.bot.vault.open_optional(row["credit_name"], SEALED) if row["wants_credit"] else None
        prompt = prompt.with_changes(id=unique_slug(slugify(prompt.title), set(library)), credit=credit)
        await self.store.save_prompts(
            ctx.community.id, [prompt], credit_member=row["member_id"] if credit else None
        )
        await self.store.decide(row["id"], "approved", None, prompt.id)
        how = "approved (edited)" if edited else "approved"
        await self.store.log(
            ctx.community.id,
            ctx.author.key,
            ctx.author.name,
            f"{how} suggestion",
            f"#{row['id']} as {prompt.id}",
        )
        await self.bot.send_to_member(
            row["member_id"],
            Content(
                text=f"Good news: your suggestion #{row['id']} was added to the community's prompts. Thank you!"
            ),
        )
        await ctx.reply(
            f"Suggestion #{row['id']} is now prompt `{prompt.id}` ({category_label(prompt.category)})."
        )

    @command(
        "prompts reject",
        access=Access.MODERATOR,
        private=True,
        params=[
            Param("suggestion", ParamType.INTEGER, min=1),
            Param("note", ParamType.TEXT, required=False, max_length=500, help="a kind note to the member"),
        ],
    )
    async def reject(self, ctx: Context, suggestion: int, note: str | None = None) -> None:
        """Decline a suggestion, with an optional note that the member sees."""
        row = await self._pending(ctx, suggestion)
        await self.store.decide(row["id"], "rejected", self.bot.vault.seal_optional(note, SEALED), None)
        await self.store.log(
            ctx.community.id, ctx.author.key, ctx.author.name, "rejected suggestion", f"#{row['id']}"
        )
        message = f"Thank you for suggestion #{row['id']}. The moderators decided not to add it this time."
        if note:
            message += f"\nTheir note: {quote_member_text(note, 500)}"
        await self.bot.send_to_member(row["member_id"], Content(text=message))
        await ctx.reply(f"Suggestion #{row['id']} is declined{' and the note was sent' if note else ''}.")

    async def _pending(self, ctx: Context, suggestion_id: int):
        row = await self.store.suggestion(suggestion_id)
        if row is None or row["community_id"] != ctx.community.id:
            raise ArgumentError(f"There is no suggestion #{suggestion_id} here. See `!prompts queue`")
        if row["status"] != "pending":
            raise ArgumentError(f"Suggestion #{suggestion_id} was already {row['status']}")
        return row
