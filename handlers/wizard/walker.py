"""The walker: field by field, then the preview with Send / Change a field / Cancel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.commands import Audience, command, flow
from bot.engine import Context
from bot.i18n import N_
from bot.messages import Choice
from handlers.common import picked, use_buttons
from handlers.wizard import versions
from handlers.wizard.clusters import start_in_a_cluster, take_cluster
from handlers.wizard.fields import Draft, Field, Stay
from handlers.wizard.reading import cluster_of


@dataclass(frozen=True)
class Wizard:
    """`preview` gives the messages shown before Send (the last one gets the buttons);
    `finish` saves and sends, with its own replies (the conversation ends after it unless
    it moved on to a screen of its own); `cancelled` replies after Cancel.

    `translatable` names the text fields a CDA may add language versions of (the draft's
    "versions", handlers/wizard/versions.py); `shown_in(ctx, draft, language)` is what a
    reader of that language gets, shown in the preview and checked against the limits."""

    flow: str
    prefix: str
    command: str  # to say how to start again
    fields: tuple[Field, ...]
    preview: Callable[[Context, Draft], list[str]]
    finish: Callable[[Context, Draft], None]
    send: tuple[str, str]  # (button id suffix, label msgid)
    cancel: tuple[str, str] = ("no", N_("Cancel"))
    cancelled: Callable[[Context], None] = lambda ctx: ctx.reply(
        ctx._("Cancelled. Nothing was sent.")
    )
    step_prefix: str = ""  # "add." when the wizard is a part of a bigger flow
    translatable: tuple[str, ...] = ()
    shown_in: Callable[[Context, Draft, str], str] | None = None

    # buttons
    def skip(self, ctx: Context) -> Choice:
        return Choice(f"{self.prefix}:skip", ctx._("Skip"))

    def skipped(self, ctx: Context) -> bool:
        """The Skip button, or /skip typed (on WhatsApp, "skip")."""
        return picked(ctx, [self.skip(ctx)]) is not None or ctx.inbound.command == "skip"

    def confirm_choices(self, ctx: Context, draft: Draft | None = None) -> list[Choice]:
        return [
            Choice(f"{self.prefix}:{self.send[0]}", ctx._(self.send[1])),
            *versions.add_choice(ctx, self, self.draft(ctx) if draft is None else draft),
            Choice(f"{self.prefix}:edit", ctx._("Change a field")),
            Choice(f"{self.prefix}:{self.cancel[0]}", ctx._(self.cancel[1])),
        ]

    def change_choices(self, ctx: Context, draft: Draft) -> list[Choice]:
        return [
            Choice(f"{self.prefix}:chg:{f.name}", ctx._(f.button or f.label))
            for f in self.fields
            if f.applies(draft)
        ]

    # state
    def go(self, ctx: Context, step: str, **data: Any) -> None:
        ctx.go(self.flow, f"{self.flow}.{self.step_prefix}{step}", **data)

    def draft(self, ctx: Context) -> Draft:
        data = ctx.conv.data if ctx.conv and ctx.conv.flow == self.flow else {}
        return dict(data.get("draft") or {})

    def field(self, name: str) -> Field | None:
        return next((f for f in self.fields if f.name == name), None)

    # the flow's two entry points
    def register(self, description: str, cluster_question: str) -> None:
        """Make the wizard a CDA command of its own (`/<command>`, `description` in /help)
        that asks `cluster_question` first when the CDA has several clusters."""

        def start(ctx: Context) -> None:
            self.start(ctx, ctx._(cluster_question))

        command(self.command, description, Audience.CDA)(start)
        flow(self.flow)(self.handle)

    def start(self, ctx: Context, question: str) -> None:
        """The command: the cluster first for a CDA of several (`question`), then field 1."""
        start_in_a_cluster(ctx, self.prefix, self.flow, question, self._begin_in)

    def handle(self, ctx: Context) -> None:
        """A message while in the flow: the cluster step, or the current field, as long as
        this CDA still manages the draft's cluster (checked at every turn)."""
        step = ctx.conv.step.removeprefix(f"{self.flow}.") if ctx.conv else ""
        if step == "cluster":
            take_cluster(ctx, self.prefix, self._begin_in)
            return
        if cluster_of(ctx) is None:
            ctx.end()
            ctx.reply(
                ctx._("You no longer manage that cluster. Send /{command} to start again.").format(
                    command=self.command
                )
            )
            return
        self.on_input(ctx, step.removeprefix(self.step_prefix))

    def _begin_in(self, ctx: Context, cluster: int) -> None:
        self.begin(ctx, cluster=cluster)

    # walking
    def begin(self, ctx: Context, **data: Any) -> None:
        """The first field, with a new draft (`data`: e.g. the cluster)."""
        first = self.fields[0]
        # The originals are typed in the CDA's language: a version is offered in the others.
        draft: Draft = {"lang": ctx.language} if self.translatable else {}
        self.go(ctx, first.name, draft=draft, editing=False, **data)
        first.ask(ctx, self, draft)

    def on_input(self, ctx: Context, step: str) -> None:
        """`step` is the wizard's own step name (without flow and step prefix)."""
        draft = self.draft(ctx)
        if step == "confirm":
            self._take_confirm(ctx, draft)
            return
        if step == "change":
            self._take_change(ctx, draft)
            return
        if step == "ver" or step.startswith("ver."):
            versions.take(ctx, self, step, draft)
            return
        current = self.field(step)
        if current is None:  # a step of an older version of the flow: start the fields again
            self.begin(ctx)
            return
        taken = current.take(ctx, self, draft)
        if taken is None:
            return
        if isinstance(taken, Stay):
            draft = {**draft, **taken.updates}
            self.go(ctx, current.name, draft=draft)
            current.ask(ctx, self, draft, redraw=True)
            return
        # a None under a "_" key is scratch that is done with (a multi-select's ticks)
        merged = {**draft, **taken}
        kept = {k: v for k, v in merged.items() if not (k.startswith("_") and v is None)}
        draft = versions.drop_stale(ctx, current, draft, kept)
        self._next(ctx, draft, after=current)

    def _next(self, ctx: Context, draft: Draft, after: Field) -> None:
        editing = bool(ctx.conv and ctx.conv.data.get("editing"))
        order = list(self.fields)
        rest = order[order.index(after) + 1 :] if not editing else order
        for candidate in rest:
            if candidate.applies(draft) and not candidate.filled(draft):
                self.go(ctx, candidate.name, draft=draft)
                candidate.ask(ctx, self, draft)
                return
        self.show_preview(ctx, draft)

    def show_preview(self, ctx: Context, draft: Draft) -> None:
        for candidate in self.fields:
            problem = candidate.check(ctx, draft) if candidate.applies(draft) else None
            if problem:
                ctx.reply(problem)
                self.go(ctx, candidate.name, draft=draft, editing=True)
                candidate.ask(ctx, self, draft)
                return
        self.go(ctx, "confirm", draft=draft, editing=False)
        messages = self.preview(ctx, draft)
        for text in [*messages[:-1], *versions.preview_messages(ctx, self, draft)]:
            ctx.reply(text)
        ctx.reply(messages[-1], self.confirm_choices(ctx, draft), columns=3)

    def _take_confirm(self, ctx: Context, draft: Draft) -> None:
        options = self.confirm_choices(ctx, draft)
        choice = picked(ctx, options)
        if choice is None:
            use_buttons(ctx, options)
            return
        if choice.id == f"{self.prefix}:ver":
            versions.ask_language(ctx, self, draft)
            return
        if choice.id == f"{self.prefix}:edit":
            self.go(ctx, "change", draft=draft)
            ctx.reply(ctx._("Which one do you want to change?"), self.change_choices(ctx, draft))
            return
        asked = ctx.conv
        # Both may use the cluster, or move on to a screen of their own.
        if choice.id == f"{self.prefix}:{self.cancel[0]}":
            self.cancelled(ctx)
        else:
            self.finish(ctx, draft)
        if ctx.conv is asked:
            ctx.end()

    def _take_change(self, ctx: Context, draft: Draft) -> None:
        options = self.change_choices(ctx, draft)
        choice = picked(ctx, options)
        if choice is None:
            use_buttons(ctx, options)
            return
        chosen = self.field(choice.id.rsplit(":", 1)[1])
        assert chosen is not None  # the options are the fields
        self.go(ctx, chosen.name, draft=draft, editing=True)
        chosen.ask(ctx, self, draft)
